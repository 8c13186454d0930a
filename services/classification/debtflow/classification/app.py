"""Classification's ASGI app: `uvicorn debtflow.classification.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.classification.api import router
from debtflow.classification.consumers import HANDLERS
from debtflow.classification.models import Base, messaging
from debtflow.classification.settings import ClassificationSettings


def build_definition(settings: ClassificationSettings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="classification",
        title="debtflow classification",
        description="Days past due, DPD bucket and five-tier class of every debt, recomputed as facts arrive.",
        settings=settings or ClassificationSettings(),
        metadata=Base.metadata,
        messaging=messaging,
        migrations="debtflow.classification:migrations",
        routers=[router],
        handlers=HANDLERS,
    )


app = create_app(build_definition())
