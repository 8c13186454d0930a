"""CRM's ASGI app: `uvicorn debtflow.crm.app:app`."""

from __future__ import annotations

from debtflow.common.web import ServiceDefinition, create_app
from debtflow.crm.borrowers import api as borrowers
from debtflow.crm.circumstances import api as circumstances
from debtflow.crm.complaints import api as complaints
from debtflow.crm.complaints.jobs import complaint_escalation
from debtflow.crm.consumers import build_handlers
from debtflow.crm.contact_points import api as contact_points
from debtflow.crm.data_requests import api as data_requests
from debtflow.crm.disputes import api as disputes
from debtflow.crm.hardship import api as hardship
from debtflow.crm.interactions import api as interactions
from debtflow.crm.models import Base
from debtflow.crm.preferences import api as preferences
from debtflow.crm.restrictions import api as restrictions
from debtflow.crm.satisfaction import api as satisfaction
from debtflow.crm.settings import CrmSettings
from debtflow.crm.timeline import api as timeline
from debtflow.crm.vulnerabilities import api as vulnerabilities


def build_definition(settings: CrmSettings | None = None) -> ServiceDefinition:
    settings = settings or CrmSettings()
    return ServiceDefinition(
        name="crm",
        title="debtflow crm",
        description="The borrower relationship: profiles and contact points, preferences and consent, "
        "interactions, disputes, hardship, vulnerability, contact restrictions, circumstances, satisfaction, and "
        "every borrower's timeline from all services' events.",
        settings=settings,
        metadata=Base.metadata,
        # data_requests first: its `/borrowers/{id}:export` would otherwise be read as a borrower id by
        # `GET /borrowers/{borrower_id}` (a borrower id may hold a colon).
        routers=[data_requests.router, timeline.router, borrowers.router, contact_points.router, disputes.router,
                 hardship.router, restrictions.router, circumstances.router, preferences.router, interactions.router,
                 vulnerabilities.router, satisfaction.router, complaints.router],
        handlers=build_handlers(settings),
        background=[complaint_escalation],
    )


app = create_app(build_definition())
