"""Credit use cases: keep the portfolio read model current and summarise it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import CloudEvent, DebtClassified, DebtRegistered
from debtflow.credit.analytics import CurrencySummary, summarise
from debtflow.credit.models import PortfolioDebt


async def on_debt_registered(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
    debt = event.payload
    await _upsert(uow, debt_id=debt.debt_id, borrower_id=debt.borrower_id, currency=debt.currency,
                  exposure=debt.total_outstanding, facts_as_of=debt.as_of_date)


async def on_debt_classified(uow: UnitOfWork, event: CloudEvent[DebtClassified]) -> None:
    classified = event.payload
    row = await _upsert(uow, debt_id=classified.debt_id, borrower_id=classified.borrower_id,
                        currency=classified.currency, exposure=classified.exposure, facts_as_of=classified.as_of_date)
    if row is not None:
        row.dpd_bucket = classified.dpd_bucket
        row.five_tier_class = classified.five_tier_class


async def _upsert(uow: UnitOfWork, *, debt_id: object, borrower_id: str, currency: str, exposure: Decimal,
                  facts_as_of: date) -> PortfolioDebt | None:
    """Apply facts unless newer ones are already held (events from two topics arrive in any order)."""
    row = await uow.session.get(PortfolioDebt, debt_id)
    if row is None:
        row = PortfolioDebt(debt_id=debt_id, facts_as_of=facts_as_of)
        uow.session.add(row)
    elif facts_as_of < row.facts_as_of:
        return None
    row.borrower_id = borrower_id
    row.currency = currency
    row.exposure = exposure
    row.facts_as_of = facts_as_of
    row.updated_at = utcnow()
    return row


async def portfolio_summary(session: AsyncSession) -> list[CurrencySummary]:
    """Count and exposure by DPD bucket and by five-tier class, per currency, computed in the database."""
    count, exposure = func.count(PortfolioDebt.debt_id), func.sum(PortfolioDebt.exposure)
    by_bucket = await session.execute(
        select(PortfolioDebt.currency, PortfolioDebt.dpd_bucket, count, exposure)
        .group_by(PortfolioDebt.currency, PortfolioDebt.dpd_bucket)
    )
    by_class = await session.execute(
        select(PortfolioDebt.currency, PortfolioDebt.five_tier_class, count, exposure)
        .group_by(PortfolioDebt.currency, PortfolioDebt.five_tier_class)
    )
    return summarise(by_bucket.all(), by_class.all())  # type: ignore[arg-type]
