"""CRM's ASGI app: `uvicorn debtflow.crm.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.crm.consumers import build_handlers
from debtflow.crm.models import Base
from debtflow.crm.settings import CrmSettings
from debtflow.crm.timeline import api as timeline


def build_definition(settings: CrmSettings | None = None) -> ServiceDefinition:
    settings = settings or CrmSettings()
    return ServiceDefinition(
        name="crm",
        title="debtflow crm",
        description="The borrower relationship: every borrower's interaction timeline, from all services' events.",
        settings=settings,
        metadata=Base.metadata,
        routers=[timeline.router],
        handlers=build_handlers(settings),
    )


app = create_app(build_definition())
