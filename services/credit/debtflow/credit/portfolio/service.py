"""Credit use cases: keep the portfolio read model current from intake and classification, and summarise it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork, money_sum
from debtflow.common.events import (
    CloudEvent,
    DebtClassified,
    DebtRegistered,
    DebtUpdated,
    PaymentReceived,
    PaymentReversed,
)
from debtflow.credit.portfolio.models import PortfolioDebt
from debtflow.credit.portfolio.summary import CurrencySummary, summarise


async def on_debt_registered(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
    debt = event.payload
    await _apply_intake_facts(uow, debt_id=debt.debt_id, borrower_id=debt.borrower_id, currency=debt.currency,
                              exposure=debt.total_outstanding, status="open", version=debt.version)


async def on_debt_updated(uow: UnitOfWork, event: CloudEvent[DebtUpdated]) -> None:
    debt = event.payload
    await _apply_intake_facts(uow, debt_id=debt.debt_id, borrower_id=debt.borrower_id, currency=debt.currency,
                              exposure=debt.balances.total, status=debt.status, version=debt.version)


async def on_payment(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Payments and reversals change what is owed; both carry the balances after them."""
    payment: PaymentReceived | PaymentReversed = event.payload
    await _apply_intake_facts(uow, debt_id=payment.debt_id, borrower_id=payment.borrower_id,
                              currency=payment.currency, exposure=payment.balances_after.total,
                              status=payment.status_after, version=payment.version)


async def on_debt_classified(uow: UnitOfWork, event: CloudEvent[DebtClassified]) -> None:
    classified = event.payload
    row = await _row(uow, classified.debt_id, classified.borrower_id, classified.currency)
    if row.classified_as_of is not None and classified.as_of_date < row.classified_as_of:
        return
    row.dpd_bucket = classified.dpd_bucket
    row.five_tier_class = classified.five_tier_class
    row.classified_as_of = classified.as_of_date
    if row.intake_version == 0:  # until intake's own figures arrive, classification's exposure stands in
        row.exposure = classified.exposure
    row.updated_at = utcnow()


async def _apply_intake_facts(uow: UnitOfWork, *, debt_id: uuid.UUID, borrower_id: str, currency: str,
                              exposure: Decimal, status: str, version: int) -> None:
    row = await _row(uow, debt_id, borrower_id, currency)
    if version <= row.intake_version:
        return  # older news: a newer version of the debt was applied already
    row.exposure, row.status, row.intake_version = exposure, status, version
    row.updated_at = utcnow()


async def _row(uow: UnitOfWork, debt_id: uuid.UUID, borrower_id: str, currency: str) -> PortfolioDebt:
    row = await uow.session.get(PortfolioDebt, debt_id)
    if row is None:
        row = PortfolioDebt(debt_id=debt_id, borrower_id=borrower_id, currency=currency, exposure=Decimal("0.00"),
                            status="open", intake_version=0, updated_at=utcnow())
        uow.session.add(row)
    return row


async def portfolio_summary(session: AsyncSession) -> list[CurrencySummary]:
    """Open debts by DPD bucket and five-tier class, per currency; closed ones counted by status."""
    count, exposure = func.count(PortfolioDebt.debt_id), money_sum(PortfolioDebt.exposure)
    is_open = PortfolioDebt.status == "open"
    by_bucket = await session.execute(
        select(PortfolioDebt.currency, PortfolioDebt.dpd_bucket, count, exposure).where(is_open)
        .group_by(PortfolioDebt.currency, PortfolioDebt.dpd_bucket)
    )
    by_class = await session.execute(
        select(PortfolioDebt.currency, PortfolioDebt.five_tier_class, count, exposure).where(is_open)
        .group_by(PortfolioDebt.currency, PortfolioDebt.five_tier_class)
    )
    closed = await session.execute(
        select(PortfolioDebt.currency, PortfolioDebt.status, count).where(~is_open)
        .group_by(PortfolioDebt.currency, PortfolioDebt.status)
    )
    return summarise(by_bucket.all(), by_class.all(), closed.all())  # type: ignore[arg-type]
