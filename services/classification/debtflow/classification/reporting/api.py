"""Reports over HTTP: the portfolio by every dimension, month-to-month roll rates, the one-month SLA."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from debtflow.classification.reporting import service
from debtflow.classification.reporting.schemas import (
    CurrencyPortfolio,
    PortfolioOut,
    RollMatrixOut,
    RollRatesOut,
    SlaOut,
)
from debtflow.common.auth import Staff
from debtflow.common.clock import utcnow
from debtflow.common.web import ReadSession, Runtime, service_router

router = service_router(prefix="/v1", tags=["reports"])


@router.get("/portfolio", summary="Open debts by bucket, class, stage, type and tier, per currency")
async def get_portfolio(session: ReadSession, _: Staff) -> PortfolioOut:
    summary = await service.portfolio(session)
    return PortfolioOut(generated_at=utcnow(), by_currency=[
        CurrencyPortfolio(currency=currency, **values) for currency, values in sorted(summary.items())])


@router.get("/roll-rates", summary="Month-to-month bucket transition matrices from the bucket history")
async def get_roll_rates(session: ReadSession, runtime: Runtime, _: Staff,
                         months: Annotated[int, Query(ge=1, le=36)] = 6) -> RollRatesOut:
    matrices = await service.roll_rates(session, through=runtime.settings.today(), months=months)
    return RollRatesOut(months=[RollMatrixOut(from_month_end=matrix.from_day, to_month_end=matrix.to_day,
                                              counts=matrix.counts, rates=matrix.rates) for matrix in matrices])


@router.get("/sla", summary="Time from default to first classification against the one-month target")
async def get_sla(session: ReadSession, runtime: Runtime, _: Staff) -> SlaOut:
    report = await service.sla_report(session, runtime.metrics, target_days=runtime.settings.sla_target_days)
    return SlaOut.model_validate(report, from_attributes=True)
