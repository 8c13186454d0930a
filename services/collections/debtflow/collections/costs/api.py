"""Costs over HTTP: what collection cost in a period, by kind and channel."""

from __future__ import annotations

from debtflow.collections.costs import service
from debtflow.collections.costs.schemas import CostLine, CostSummaryOut, ReportPeriod
from debtflow.common.auth import Staff
from debtflow.common.web import ReadSession, service_router

router = service_router(prefix="/v1", tags=["costs"])


@router.get("/costs/summary", summary="Collection costs in a period by kind, channel and currency")
async def get_cost_summary(period: ReportPeriod, session: ReadSession, _: Staff) -> CostSummaryOut:
    lines = await service.cost_summary(session, start=period.start, end=period.end)
    return CostSummaryOut(first_day=period.first_day, last_day=period.last_day,
                          lines=[CostLine.model_validate(line) for line in lines])
