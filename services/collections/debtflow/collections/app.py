"""Collections' ASGI app: `uvicorn debtflow.collections.app:app`."""

from __future__ import annotations

from debtflow.collections.agencies import api as agencies
from debtflow.collections.agencies.jobs import placement_expiry
from debtflow.collections.agents import api as agents
from debtflow.collections.arrangements import api as arrangements
from debtflow.collections.cases import api as cases
from debtflow.collections.channels import api as channels
from debtflow.collections.consumers import build_handlers
from debtflow.collections.contact_policy import api as contact_policy
from debtflow.collections.costs import api as costs
from debtflow.collections.models import Base
from debtflow.collections.promises import api as promises
from debtflow.collections.promises.jobs import due_check
from debtflow.collections.schedule.jobs import collection_dispatcher
from debtflow.collections.settings import CollectionsSettings
from debtflow.collections.sla import api as sla
from debtflow.collections.sla.jobs import sla_metrics
from debtflow.collections.strategies import api as strategies
from debtflow.common.web import ServiceDefinition, create_app


def build_definition(settings: CollectionsSettings | None = None) -> ServiceDefinition:
    settings = settings or CollectionsSettings()
    return ServiceDefinition(
        name="collections",
        title="debtflow collections",
        description="Collection cases: a strategy per segment, first contact inside permitted hours, escalation.",
        settings=settings,
        metadata=Base.metadata,
        routers=[cases.router, strategies.router, channels.router, contact_policy.router, agencies.router, costs.router, sla.router,
                 agents.router, promises.router, arrangements.router],
        handlers=build_handlers(settings),
        background=[collection_dispatcher, placement_expiry, sla_metrics, due_check],
    )


app = create_app(build_definition())
