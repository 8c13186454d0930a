"""Intake's ASGI app: `uvicorn debtflow.intake.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.common.web.idempotency import IdempotencyKeys
from debtflow.intake.api import router
from debtflow.intake.consumers import build_handlers
from debtflow.intake.models import Base, idempotency_keys
from debtflow.intake.settings import IntakeSettings


def build_definition(settings: IntakeSettings | None = None) -> ServiceDefinition:
    settings = settings or IntakeSettings()
    return ServiceDefinition(
        name="intake",
        title="debtflow intake",
        description="The debt register: defaults, payments and snapshots from lending cores; borrowers' personal "
        "data encrypted at rest and masked by role.",
        settings=settings,
        metadata=Base.metadata,
        routers=[router],
        handlers=build_handlers(settings),
        purges=[IdempotencyKeys(idempotency_keys, retention=settings.idempotency_retention).purge],
    )


app = create_app(build_definition())
