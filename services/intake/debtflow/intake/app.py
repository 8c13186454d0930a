"""Intake's ASGI app: `uvicorn debtflow.intake.app:app`."""

from __future__ import annotations

from functools import partial

from debtflow.common.phones import phone_region
from debtflow.common.web import ServiceDefinition, create_app
from debtflow.intake.borrowers import api as borrowers
from debtflow.intake.consumers import build_handlers
from debtflow.intake.debts import api as debts
from debtflow.intake.models import Base
from debtflow.intake.payments import api as payments
from debtflow.intake.settings import IntakeSettings
from debtflow.intake.snapshots import api as snapshots


def build_definition(settings: IntakeSettings | None = None) -> ServiceDefinition:
    settings = settings or IntakeSettings()
    return ServiceDefinition(
        name="intake",
        title="debtflow intake",
        description="The debt register: defaults, payments and snapshots from lending cores; borrowers' personal "
        "data encrypted at rest and masked by role.",
        settings=settings,
        metadata=Base.metadata,
        routers=[debts.router, payments.router, snapshots.router, borrowers.router],
        handlers=build_handlers(settings),
        # Validators cannot take settings, so each request runs in the configured region; a context
        # variable rather than a global keeps two intakes (or two tests) with different regions apart.
        request_scopes=[partial(phone_region, settings.phone_region)],
    )


app = create_app(build_definition())
