"""Credit use cases: keep the portfolio read model current from intake and classification, and summarise it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork, money_sum
from debtflow.common.db.expressions import one_of
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


async def apply_to_portfolio(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based: the rows of every debt in the run in one query, each event applied in order in memory, the
    new rows inserted and the changed ones updated when the unit of work flushes."""
    debt_ids = {event.payload.debt_id for event in events}
    rows = {row.debt_id: row for row in await uow.session.scalars(
        select(PortfolioDebt).where(one_of(PortfolioDebt.debt_id, debt_ids)))}
    for event in events:
        payload = event.payload
        row = rows.get(payload.debt_id)
        if row is None:
            row = rows[payload.debt_id] = _new_row(payload.debt_id, payload.borrower_id, payload.currency)
            uow.session.add(row)
        _APPLY[type(payload)](row, payload)


def _on_registered(row: PortfolioDebt, debt: DebtRegistered) -> None:
    _apply_intake_facts(row, exposure=debt.total_outstanding, status="open", version=debt.version)


def _on_updated(row: PortfolioDebt, debt: DebtUpdated) -> None:
    _apply_intake_facts(row, exposure=debt.balances.total, status=debt.status, version=debt.version)


def _on_payment(row: PortfolioDebt, payment: PaymentReceived | PaymentReversed) -> None:
    """Payments and reversals change what is owed; both carry the balances after them."""
    _apply_intake_facts(row, exposure=payment.balances_after.total, status=payment.status_after,
                        version=payment.version)


def _on_classified(row: PortfolioDebt, classified: DebtClassified) -> None:
    if row.classified_as_of is not None and classified.as_of_date < row.classified_as_of:
        return
    row.dpd_bucket = classified.dpd_bucket
    row.five_tier_class = classified.five_tier_class
    row.classified_as_of = classified.as_of_date
    if row.intake_version == 0:  # until intake's own figures arrive, classification's exposure stands in
        row.exposure = classified.exposure
    row.updated_at = utcnow()


_APPLY: dict[type[Any], Callable[[PortfolioDebt, Any], None]] = {
    DebtRegistered: _on_registered,
    DebtUpdated: _on_updated,
    PaymentReceived: _on_payment,
    PaymentReversed: _on_payment,
    DebtClassified: _on_classified,
}
#: The event types the portfolio follows (consumers.py maps each to `apply_to_portfolio`).
PORTFOLIO_EVENTS = tuple(_APPLY)


def _apply_intake_facts(row: PortfolioDebt, *, exposure: Decimal, status: str, version: int) -> None:
    if version <= row.intake_version:
        return  # older news: a newer version of the debt was applied already
    row.exposure, row.status, row.intake_version = exposure, status, version
    row.updated_at = utcnow()


def _new_row(debt_id: uuid.UUID, borrower_id: str, currency: str) -> PortfolioDebt:
    return PortfolioDebt(debt_id=debt_id, borrower_id=borrower_id, currency=currency, exposure=Decimal("0.00"),
                         status="open", intake_version=0, updated_at=utcnow())


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
