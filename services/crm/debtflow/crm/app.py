"""CRM's ASGI app: `uvicorn debtflow.crm.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.crm.api import router
from debtflow.crm.consumers import HANDLERS
from debtflow.crm.models import Base
from debtflow.crm.settings import CrmSettings


def build_definition(settings: CrmSettings | None = None) -> ServiceDefinition:
    return ServiceDefinition(
        name="crm",
        title="debtflow crm",
        description="The borrower relationship: every borrower's interaction timeline, from all services' events.",
        settings=settings or CrmSettings(),
        metadata=Base.metadata,
        routers=[router],
        handlers=HANDLERS,
    )


app = create_app(build_definition())
