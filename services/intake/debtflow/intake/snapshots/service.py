"""Daily balance/DPD snapshots from the lending core: kept as received, applied when newer than what we hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.problems import Conflict, InvalidInput, field_error
from debtflow.intake.batches.schemas import ItemResult
from debtflow.intake.batches.service import ChunkHandler, one_by_one
from debtflow.intake.debts.ledger import debt_by_loan, record_change
from debtflow.intake.debts.rules import newer_figures_apply, status_after_balance_change
from debtflow.intake.payments.waterfall import Balances
from debtflow.intake.snapshots.models import BalanceSnapshotRow
from debtflow.intake.snapshots.schemas import SnapshotIn


@dataclass(frozen=True)
class SnapshotOutcome:
    outcome: Literal["updated", "recorded", "unchanged"]
    snapshot: BalanceSnapshotRow


async def record_snapshot(uow: UnitOfWork, snapshot: SnapshotIn, *, source_system: str) -> SnapshotOutcome:
    """Store the snapshot; if it is newer than the debt's figures (and the debt is still ours), apply it."""
    session = uow.session
    debt = await debt_by_loan(session, source_system, snapshot.loan_id, lock=True)
    if snapshot.currency != debt.currency:
        raise InvalidInput("the snapshot's currency is not the debt's", errors=[
            field_error("currency", "debt_currency", f"the debt is in {debt.currency}")])
    balances = Balances(principal=snapshot.principal_outstanding, interest=snapshot.interest_outstanding,
                        penalty_interest=snapshot.penalty_interest_outstanding, fees=snapshot.fees_outstanding)
    existing = await session.scalar(select(BalanceSnapshotRow).where(
        BalanceSnapshotRow.debt_id == debt.id, BalanceSnapshotRow.as_of_date == snapshot.as_of_date))
    if existing is not None:
        same = (existing.principal_outstanding, existing.interest_outstanding, existing.penalty_interest_outstanding,
                existing.fees_outstanding, existing.first_unpaid_due_date, existing.days_past_due) == (
            balances.principal, balances.interest, balances.penalty_interest, balances.fees,
            snapshot.first_unpaid_due_date, snapshot.days_past_due)
        if not same:
            raise Conflict(f"a different snapshot of {snapshot.loan_id} for {snapshot.as_of_date} was received before",
                           slug="snapshot-conflict")
        return SnapshotOutcome("unchanged", existing)
    now = utcnow()
    applies = newer_figures_apply(held_as_of=debt.as_of_date, status=debt.status, offered_as_of=snapshot.as_of_date)
    row = BalanceSnapshotRow(
        debt_id=debt.id, as_of_date=snapshot.as_of_date, principal_outstanding=balances.principal,
        interest_outstanding=balances.interest, penalty_interest_outstanding=balances.penalty_interest,
        fees_outstanding=balances.fees, first_unpaid_due_date=snapshot.first_unpaid_due_date,
        days_past_due=snapshot.days_past_due, applied=applies, received_at=now,
    )
    session.add(row)
    if not applies:
        return SnapshotOutcome("recorded", row)
    before = debt.total_outstanding
    debt.set_balances(balances)
    debt.first_unpaid_due_date = snapshot.first_unpaid_due_date
    debt.as_of_date = snapshot.as_of_date
    debt.status = status_after_balance_change(debt.status, debt.total_outstanding)
    record_change(uow, debt, cause="snapshot", cause_ref=snapshot.as_of_date.isoformat(), total_before=before, now=now)
    return SnapshotOutcome("updated", row)


def snapshots_chunk(*, source_system: str) -> ChunkHandler:
    """How `POST /v1/snapshots:batch` records a chunk: each snapshot in turn, each alone if it fails."""
    async def apply(uow: UnitOfWork, snapshot: SnapshotIn) -> ItemResult:
        outcome = await record_snapshot(uow, snapshot, source_system=source_system)
        return ItemResult(line=0, key=snapshot.loan_id, outcome=outcome.outcome)

    return one_by_one(apply, "loan_id")
