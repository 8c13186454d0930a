"""The borrower timeline over HTTP: every interaction with one tenant's borrower, newest first, in keyset pages."""

from __future__ import annotations

from debtflow.common.auth import Staff
from debtflow.common.events.intake import ExternalRef
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, answers, service_router
from debtflow.crm.timeline import service
from debtflow.crm.timeline.schemas import TimelineEntryOut

router = service_router(prefix="/v1", tags=["borrowers"])


@router.get("/borrowers/{borrower_id}/timeline", summary="A borrower's interaction timeline, newest first",
            responses=answers(409))
async def get_timeline(borrower_id: ExternalRef, session: ReadSession, _: Staff, tenant: TenantParam = None,
                       limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[TimelineEntryOut]:
    entries, next_cursor = await service.timeline_page(session, borrower_id, tenant=tenant, limit=limit, after=after)
    return Page(items=[TimelineEntryOut.model_validate(entry) for entry in entries], next_cursor=next_cursor)
