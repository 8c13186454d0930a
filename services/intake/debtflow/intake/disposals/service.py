"""Disposal events from collections and legal: a debt settled, sold or written off changes status here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import CloudEvent, DebtSettled, DebtSold, DebtWrittenOff
from debtflow.intake.debts.ledger import debt_for_update, record_change
from debtflow.intake.payments.waterfall import Balances

ZERO = Decimal("0.00")


async def on_debt_settled(uow: UnitOfWork, event: CloudEvent[DebtSettled]) -> None:
    """The settlement was paid: what is still outstanding is waived and the debt closes."""
    await _dispose(uow, event, status="settled", cause="settlement", waive=True)


async def on_debt_sold(uow: UnitOfWork, event: CloudEvent[DebtSold]) -> None:
    await _dispose(uow, event, status="sold", cause="sale", waive=False)


async def on_debt_written_off(uow: UnitOfWork, event: CloudEvent[DebtWrittenOff]) -> None:
    # The claim itself survives a write-off, so the balances stay; later payments are recoveries.
    await _dispose(uow, event, status="written_off", cause="write_off", waive=False)


async def _dispose(uow: UnitOfWork, event: CloudEvent[Any], *, status: str, cause: str, waive: bool) -> None:
    debt = await debt_for_update(uow.session, event.payload.debt_id)
    if debt.status == status:
        return
    now = utcnow()
    before = debt.total_outstanding
    if waive:
        debt.set_balances(Balances())
        debt.first_unpaid_due_date = None
    debt.status = status
    record_change(uow, debt, cause=cause, cause_ref=event.id, total_before=before, now=now, event_cause="disposal")
