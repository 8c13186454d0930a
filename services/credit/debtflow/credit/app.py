"""Credit's ASGI app: `uvicorn debtflow.credit.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.credit.api import router
from debtflow.credit.consumers import HANDLERS
from debtflow.credit.models import Base
from debtflow.credit.settings import CreditSettings


def build_definition(settings: CreditSettings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="credit",
        title="debtflow credit",
        description="Portfolio analytics over the debt book (scoring and early warning come later).",
        settings=settings or CreditSettings(),
        metadata=Base.metadata,
        routers=[router],
        handlers=HANDLERS,
    )


app = create_app(build_definition())
