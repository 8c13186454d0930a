"""Credit's ASGI app: `uvicorn debtflow.credit.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.credit.consumers import build_handlers
from debtflow.credit.models import Base
from debtflow.credit.portfolio import api as portfolio
from debtflow.credit.settings import CreditSettings


def build_definition(settings: CreditSettings | None = None) -> ServiceDefinition:
    settings = settings or CreditSettings()
    return ServiceDefinition(
        name="credit",
        title="debtflow credit",
        description="Portfolio analytics over the debt book (scoring and early warning come later).",
        settings=settings,
        metadata=Base.metadata,
        routers=[portfolio.router],
        handlers=build_handlers(settings),
    )


app = create_app(build_definition())
