"""Credit HTTP API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from debtflow.common.auth import Actor, Role, require_roles
from debtflow.common.clock import utcnow
from debtflow.common.web import ReadSession, service_router
from debtflow.credit.portfolio import service
from debtflow.credit.portfolio.schemas import CurrencySummaryOut, PortfolioSummaryOut

router = service_router(prefix="/v1", tags=["portfolio"])
Analyst = Annotated[Actor, Depends(require_roles(Role.RISK, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN))]


@router.get("/portfolio/summary", summary="Count and exposure by DPD bucket and five-tier class")
async def portfolio_summary(session: ReadSession, _: Analyst) -> PortfolioSummaryOut:
    summaries = await service.portfolio_summary(session)
    return PortfolioSummaryOut(
        generated_at=utcnow(),
        debts=sum(summary.debts for summary in summaries),
        by_currency=[CurrencySummaryOut.model_validate(summary) for summary in summaries],
    )
