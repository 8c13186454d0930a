"""What every change to a debt shares: the history row it appends, the balances it announces, its event."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.events import BalanceSnapshot, DebtUpdated, PaymentAllocation
from debtflow.common.problems import NotFound
from debtflow.intake.models import BalanceHistory, Debt
from debtflow.intake.waterfall import Balances

#: Statuses in which the debt has left the lender's books; payments then count as recoveries.
DISPOSED = frozenset({"sold", "written_off"})
#: Closed for good: later figures from the lending core are kept but not applied (a settlement waived the
#: rest, and reopening it would send collectors after a borrower who settled).
CLOSED = DISPOSED | {"settled"}


def history_row(debt: Debt, *, cause: str, cause_ref: str | None, total_change: Decimal,
                occurred_at: datetime) -> dict[str, Any]:
    """The append-only record of a debt's state right after a change."""
    return {
        "debt_id": debt.id, "version": debt.version, "cause": cause, "cause_ref": cause_ref,
        "principal_outstanding": debt.principal_outstanding, "interest_outstanding": debt.interest_outstanding,
        "penalty_interest_outstanding": debt.penalty_interest_outstanding, "fees_outstanding": debt.fees_outstanding,
        "credit_balance": debt.credit_balance, "total_change": total_change,
        "first_unpaid_due_date": debt.first_unpaid_due_date, "status": debt.status, "occurred_at": occurred_at,
    }


def record_history(session: AsyncSession, debt: Debt, *, cause: str, cause_ref: str | None,
                   total_change: Decimal, occurred_at: datetime) -> None:
    session.add(BalanceHistory(**history_row(debt, cause=cause, cause_ref=cause_ref, total_change=total_change,
                                             occurred_at=occurred_at)))


def balance_snapshot(debt: Debt) -> BalanceSnapshot:
    return BalanceSnapshot(
        principal=debt.principal_outstanding, interest=debt.interest_outstanding,
        penalty_interest=debt.penalty_interest_outstanding, fees=debt.fees_outstanding,
        total=debt.total_outstanding, credit=debt.credit_balance,
    )


def allocation_of(applied: Balances, credit: Decimal) -> PaymentAllocation:
    return PaymentAllocation(penalty_interest=applied.penalty_interest, fees=applied.fees,
                             interest=applied.interest, principal=applied.principal, credit=credit)


def debt_updated(debt: Debt, *, cause: str, at: datetime) -> DebtUpdated:
    return DebtUpdated(
        debt_id=debt.id, borrower_id=debt.borrower_id, cause=cause, version=debt.version,  # type: ignore[arg-type]
        currency=debt.currency, balances=balance_snapshot(debt), first_unpaid_due_date=debt.first_unpaid_due_date,
        as_of_date=debt.as_of_date, status=debt.status, updated_at=at,  # type: ignore[arg-type]
    )


def status_after_balance_change(debt: Debt) -> str:
    """Paid down to nothing is settled; owing again (a reversal, newer figures) reopens a settled debt."""
    if debt.status in DISPOSED:
        return debt.status
    return "settled" if debt.total_outstanding == 0 else "open"


async def debt_for_update(session: AsyncSession, debt_id: uuid.UUID) -> Debt:
    """Load a debt and lock its row (PostgreSQL) so concurrent changes to one debt apply one after another."""
    debt = await session.scalar(select(Debt).where(Debt.id == debt_id).with_for_update())
    if debt is None:
        raise NotFound(f"no debt {debt_id}")
    return debt


async def debt_by_loan(session: AsyncSession, source_system: str, loan_id: str, *, lock: bool = False) -> Debt:
    query = select(Debt).where(Debt.source_system == source_system, Debt.loan_id == loan_id)
    debt = await session.scalar(query.with_for_update() if lock else query)
    if debt is None:
        raise NotFound(f"no loan {loan_id} registered by {source_system}", slug="unknown-loan")
    return debt

