"""A debt's ledger: every change to a debt goes through `record_change` (its next version, the time, the history
row and its event), and the lookups that lock a debt before changing it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.db import UnitOfWork
from debtflow.common.events import BalanceSnapshot, DebtUpdated, EventPayload, PaymentAllocation
from debtflow.common.problems import NotFound
from debtflow.intake.debts.models import BalanceHistory, Debt
from debtflow.intake.payments.waterfall import Balances


def record_change(uow: UnitOfWork, debt: Debt, *, cause: str, cause_ref: str | None, total_before: Decimal,
                  now: datetime, announce: Callable[[Debt], EventPayload] | None = None,
                  event_cause: str | None = None, history: list[dict[str, Any]] | None = None) -> None:
    """Book a change already made to `debt`'s figures: bump its version, append its history row (to `history`
    when the caller inserts rows in bulk, else to the session) and emit its event: `announce(debt)` when the
    change has one of its own (a payment), else debt.updated with `event_cause` (default: `cause`)."""
    debt.version += 1
    debt.updated_at = now
    row = history_row(debt, cause=cause, cause_ref=cause_ref, total_change=debt.total_outstanding - total_before,
                      occurred_at=now)
    if history is not None:
        history.append(row)
    else:
        uow.session.add(BalanceHistory(**row))
    uow.emit(announce(debt) if announce is not None else debt_updated(debt, cause=event_cause or cause, at=now),
             tenant=debt.tenant)


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
