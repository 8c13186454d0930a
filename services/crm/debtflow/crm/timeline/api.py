"""CRM HTTP API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from debtflow.common.auth import STAFF_ROLES, Actor, require_roles
from debtflow.common.events.intake import ExternalRef
from debtflow.common.web import ReadSession, service_router
from debtflow.crm.timeline import service
from debtflow.crm.timeline.schemas import TimelineEntryOut, TimelineOut, decode_cursor, encode_cursor

router = service_router(prefix="/v1", tags=["borrowers"])
Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]


@router.get("/borrowers/{borrower_id}/timeline", summary="A borrower's interaction timeline, newest first")
async def get_timeline(
    borrower_id: ExternalRef,
    session: ReadSession,
    _: Staff,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(max_length=200, description="Cursor from the previous page.")] = None,
) -> TimelineOut:
    entries = await service.timeline_page(
        session, borrower_id, limit=limit, before=decode_cursor(before) if before else None
    )
    last = entries[-1] if len(entries) == limit else None
    return TimelineOut(
        borrower_id=borrower_id,
        entries=[TimelineEntryOut.model_validate(entry) for entry in entries],
        next_cursor=encode_cursor(last.occurred_at, last.id) if last else None,
    )
