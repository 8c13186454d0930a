"""Legal's ASGI app: `uvicorn debtflow.legal.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.legal.cases import api as cases
from debtflow.legal.consumers import build_handlers
from debtflow.legal.models import Base
from debtflow.legal.settings import LegalSettings


def build_definition(settings: LegalSettings | None = None) -> ServiceDefinition:
    settings = settings or LegalSettings()
    return ServiceDefinition(
        name="legal",
        title="debtflow legal",
        description="Legal cases: opened when a debt turns doubtful or loss, or when collections escalates it.",
        settings=settings,
        metadata=Base.metadata,
        routers=[cases.router],
        handlers=build_handlers(settings),
    )


app = create_app(build_definition())
