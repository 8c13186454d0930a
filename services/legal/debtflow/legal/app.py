"""Legal's ASGI app: `uvicorn debtflow.legal.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.legal.api import router
from debtflow.legal.consumers import HANDLERS
from debtflow.legal.models import Base
from debtflow.legal.settings import LegalSettings


def build_definition(settings: LegalSettings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="legal",
        title="debtflow legal",
        description="Legal cases: opened when a debt turns doubtful or loss, or when collections escalates it.",
        settings=settings or LegalSettings(),
        metadata=Base.metadata,
        routers=[router],
        handlers=HANDLERS,
    )


app = create_app(build_definition())
