"""Promises to pay over HTTP: a case's promises and its tally (broken promises count towards escalation)."""

from __future__ import annotations

import uuid

from debtflow.collections.promises import service
from debtflow.collections.promises.schemas import PromiseOut, PromiseStatsOut
from debtflow.common.auth import Staff
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.web import ReadSession, service_router

router = service_router(prefix="/v1", tags=["promises"])


@router.get("/cases/{debt_id}/promises", summary="A case's promises to pay, newest first")
async def list_promises(debt_id: uuid.UUID, session: ReadSession, _: Staff, limit: Limit = DEFAULT_LIMIT,
                        after: After = None) -> Page[PromiseOut]:
    rows, next_cursor = await service.list_promises(session, debt_id, limit=limit, after=after)
    return Page(items=[PromiseOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/cases/{debt_id}/promise-stats", summary="A case's promises by outcome")
async def promise_stats(debt_id: uuid.UUID, session: ReadSession, _: Staff) -> PromiseStatsOut:
    return PromiseStatsOut.model_validate(await service.promise_stats(session, debt_id))
