"""Intake's ASGI app: `uvicorn debtflow.intake.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.intake.api import router
from debtflow.intake.consumers import HANDLERS
from debtflow.intake.models import Base, messaging
from debtflow.intake.settings import IntakeSettings


def build_definition(settings: IntakeSettings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="intake",
        title="debtflow intake",
        description="The debt register: defaults, payments and snapshots from lending cores; borrowers' personal "
        "data encrypted at rest and masked by role.",
        settings=settings or IntakeSettings(),
        metadata=Base.metadata,
        messaging=messaging,
        migrations="debtflow.intake:migrations",
        routers=[router],
        handlers=HANDLERS,
    )


app = create_app(build_definition())
