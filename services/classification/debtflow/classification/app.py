"""Classification's ASGI app: `uvicorn debtflow.classification.app:app`."""

from __future__ import annotations

from debtflow.classification.classifications import api as classifications
from debtflow.classification.consumers import build_handlers
from debtflow.classification.models import Base
from debtflow.classification.reageing import api as reageing
from debtflow.classification.reageing.jobs import daily_reage, queued_reage
from debtflow.classification.reporting import api as reporting
from debtflow.classification.rulesets import api as rulesets
from debtflow.classification.settings import ClassificationSettings
from debtflow.common.web import ServiceDefinition, create_app


def build_definition(settings: ClassificationSettings | None = None) -> ServiceDefinition:
    settings = settings or ClassificationSettings()
    return ServiceDefinition(
        name="classification",
        title="debtflow classification",
        description="Days past due, DPD bucket (with history), five-tier class, IFRS 9 stage, default flag, "
        "overdue type and priority of every debt, under versioned rule sets; daily re-ageing; roll rates; SLA.",
        settings=settings,
        metadata=Base.metadata,
        routers=[classifications.router, rulesets.router, reageing.router, reporting.router],
        handlers=build_handlers(settings),
        background=[daily_reage, queued_reage],
    )


app = create_app(build_definition())
