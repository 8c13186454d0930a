"""Collections' ASGI app: `uvicorn debtflow.collections.app:app`."""

from __future__ import annotations

from debtflow.collections.cases import api as cases
from debtflow.collections.channels import api as channels
from debtflow.collections.consumers import build_handlers
from debtflow.collections.models import Base
from debtflow.collections.settings import CollectionsSettings
from debtflow.common.web import ServiceDefinition, create_app


def build_definition(settings: CollectionsSettings | None = None) -> ServiceDefinition:
    settings = settings or CollectionsSettings()
    return ServiceDefinition(
        name="collections",
        title="debtflow collections",
        description="Collection cases: a strategy per segment, first contact inside permitted hours, escalation.",
        settings=settings,
        metadata=Base.metadata,
        routers=[cases.router, channels.router],
        handlers=build_handlers(settings),
    )


app = create_app(build_definition())
