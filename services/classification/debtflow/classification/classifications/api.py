"""Classifications over HTTP: a debt's classification on any day, and open debts ranked by priority."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query
from fastapi.responses import StreamingResponse

from debtflow.classification.classifications import service
from debtflow.classification.classifications.schemas import ClassificationOut, RankedDebt
from debtflow.common.auth import Staff
from debtflow.common.csv_export import csv_answer, csv_response
from debtflow.common.dates import BusinessDate
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.web import ReadSession, Runtime, service_router

router = service_router(prefix="/v1", tags=["classifications"])


@router.get("/classifications/{debt_id}", summary="A debt's classification today, or on any past day")
async def get_classification(
    debt_id: uuid.UUID, session: ReadSession, runtime: Runtime, _: Staff,
    as_of: Annotated[BusinessDate | None, Query(description="The day to answer for (default: today).")] = None,
) -> ClassificationOut:
    day = as_of or runtime.settings.today()
    return ClassificationOut(**await service.classification_on(session, debt_id, day))


@router.get("/priorities", summary="Open debts ranked by priority (expected recoverable value x urgency)")
async def priorities(
    session: ReadSession, _: Staff,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    tier: Annotated[str | None, Query(pattern=r"^P[1-4]$")] = None,
    limit: Limit = DEFAULT_LIMIT, after: After = None,
) -> Page[RankedDebt]:
    ranked, next_cursor = await service.ranked_debts(session, currency=currency, tier=tier, limit=limit, after=after)
    return Page(items=[RankedDebt(**debt) for debt in ranked], next_cursor=next_cursor)


#: The worklist export's columns: the JSON list's fields, in its order. No personal data (ids and figures only).
PRIORITY_COLUMNS = tuple(RankedDebt.model_fields)


@router.get("/priorities.csv", summary="The whole priority worklist as CSV, for a spreadsheet",
            response_class=StreamingResponse,
            responses={200: csv_answer("Every open debt ranked by priority, highest first.", PRIORITY_COLUMNS,
                                        byte_order_mark=True)})
async def priorities_csv(
    runtime: Runtime, _: Staff,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    tier: Annotated[str | None, Query(pattern=r"^P[1-4]$")] = None,
) -> StreamingResponse:
    ranking = service.whole_ranking(runtime.sessions, currency=currency, tier=tier)
    rows = ([debt[column] for column in PRIORITY_COLUMNS] async for debt in ranking)
    return csv_response(PRIORITY_COLUMNS, rows, filename="priorities.csv", byte_order_mark=True)
