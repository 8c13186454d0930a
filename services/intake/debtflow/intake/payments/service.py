"""Payments and reversals: idempotent on the lending core's payment id, allocated by the waterfall, each booked
on the debt's ledger; and a debt's payments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import ensure_utc, utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import PaymentReceived, PaymentReversed
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Conflict, InvalidInput, NotFound, field_error
from debtflow.intake.batches.schemas import ItemResult
from debtflow.intake.batches.service import ChunkHandler, one_by_one
from debtflow.intake.debts.ledger import (
    allocation_of,
    balance_snapshot,
    debt_by_loan,
    debt_for_update,
    record_change,
)
from debtflow.intake.debts.models import Debt, Instalment
from debtflow.intake.debts.rules import DISPOSED, status_after_balance_change
from debtflow.intake.payments.models import Payment
from debtflow.intake.payments.schemas import PaymentIn
from debtflow.intake.payments.waterfall import (
    Balances,
    InstalmentState,
    allocate,
    cover_instalments,
    first_unpaid_due_date,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PaymentOutcome:
    payment: Payment
    created: bool


async def record_payment(uow: UnitOfWork, payment: PaymentIn, *, source_system: str,
                         waterfall: tuple[str, ...]) -> PaymentOutcome:
    """Apply a payment to its debt. Repeating a payment id with the same details changes nothing."""
    session = uow.session
    existing = await _find(session, source_system, payment.payment_id)
    if existing is not None:
        await _check_same(session, existing, payment)
        return PaymentOutcome(existing, created=False)
    debt = await debt_by_loan(session, source_system, payment.loan_id, lock=True)
    if payment.currency != debt.currency:
        raise InvalidInput("the payment's currency is not the debt's", errors=[
            field_error("currency", "debt_currency", f"the debt is in {debt.currency}")])
    now = utcnow()
    total_before = debt.total_outstanding
    row = Payment(
        id=uuid.uuid4(), source_system=source_system, external_id=payment.payment_id, debt_id=debt.id,
        amount=payment.amount, currency=payment.currency, paid_at=ensure_utc(payment.paid_at), channel=payment.channel,
        first_unpaid_due_date_before=debt.first_unpaid_due_date, status="applied", received_at=now,
    )
    if debt.status in DISPOSED:
        # The debt left the books: the money is a recovery, and the balances the buyer or write-off took stay.
        applied, credit, covered = Balances(), ZERO, []
        row.post_disposal = True
        debt.recovered_after_disposal += payment.amount
    else:
        allocation = allocate(payment.amount, debt.balances, waterfall)
        applied, credit = allocation.applied, allocation.credit
        debt.set_balances(debt.balances.minus(applied))
        debt.credit_balance += credit
        covered = await _cover_schedule(session, debt, applied)
        row.post_disposal = False
        debt.status = status_after_balance_change(debt.status, debt.total_outstanding)
    row.applied_penalty_interest, row.applied_fees = applied.penalty_interest, applied.fees
    row.applied_interest, row.applied_principal, row.credit = applied.interest, applied.principal, credit
    row.instalment_allocation = [[sequence, str(principal), str(interest)] for sequence, principal, interest in covered]
    session.add(row)
    record_change(uow, debt, cause="payment", cause_ref=payment.payment_id, total_before=total_before, now=now,
                  announce=lambda debt: PaymentReceived(
                      payment_id=row.id, lending_core_payment_id=payment.payment_id, debt_id=debt.id,
                      borrower_id=debt.borrower_id, amount=payment.amount, currency=payment.currency,
                      paid_at=payment.paid_at, channel=payment.channel, allocation=allocation_of(applied, credit),
                      post_disposal=row.post_disposal, balances_after=balance_snapshot(debt),
                      first_unpaid_due_date_after=debt.first_unpaid_due_date, status_after=debt.status,  # type: ignore[arg-type]
                      version=debt.version,
                  ))
    return PaymentOutcome(row, created=True)


async def reverse_payment(uow: UnitOfWork, *, source_system: str, payment_id: str,
                          reason_code: str) -> PaymentOutcome:
    """Undo a payment's allocation exactly. Reversing twice for the same reason changes nothing."""
    session = uow.session
    payment = await session.scalar(
        select(Payment).where(Payment.source_system == source_system, Payment.external_id == payment_id)
        .with_for_update()
    )
    if payment is None:
        raise NotFound(f"no payment {payment_id} recorded for {source_system}", slug="unknown-payment")
    if payment.status == "reversed":
        if payment.reversal_reason == reason_code:
            return PaymentOutcome(payment, created=False)
        raise Conflict(f"payment {payment_id} was already reversed ({payment.reversal_reason})")
    debt = await debt_for_update(session, payment.debt_id)
    now = utcnow()
    total_before = debt.total_outstanding
    if payment.post_disposal:
        debt.recovered_after_disposal -= payment.amount
    else:
        debt.set_balances(debt.balances.plus(payment.applied))
        debt.credit_balance -= payment.credit
        await _uncover_schedule(session, debt, payment)
        debt.status = status_after_balance_change(debt.status, debt.total_outstanding)
    payment.status, payment.reversal_reason, payment.reversed_at = "reversed", reason_code, now
    record_change(uow, debt, cause="reversal", cause_ref=payment_id, total_before=total_before, now=now,
                  announce=lambda debt: PaymentReversed(
                      payment_id=payment.id, lending_core_payment_id=payment_id, debt_id=debt.id,
                      borrower_id=debt.borrower_id, amount=payment.amount, currency=payment.currency,
                      reversed_allocation=allocation_of(payment.applied, payment.credit),
                      post_disposal=payment.post_disposal, balances_after=balance_snapshot(debt),
                      first_unpaid_due_date_after=debt.first_unpaid_due_date, status_after=debt.status,  # type: ignore[arg-type]
                      reason_code=reason_code, reversed_at=now, version=debt.version,
                  ))
    return PaymentOutcome(payment, created=True)


async def _find(session: AsyncSession, source_system: str, payment_id: str) -> Payment | None:
    return await session.scalar(
        select(Payment).where(Payment.source_system == source_system, Payment.external_id == payment_id)
    )


async def _check_same(session: AsyncSession, existing: Payment, payment: PaymentIn) -> None:
    loan_id = await session.scalar(select(Debt.loan_id).where(Debt.id == existing.debt_id))
    same = (loan_id, existing.amount, existing.currency, existing.paid_at, existing.channel) == (
        payment.loan_id, payment.amount, payment.currency, payment.paid_at, payment.channel)
    if not same:
        raise Conflict(f"payment {payment.payment_id} was already recorded with different details",
                       slug="payment-id-reused")


async def _schedule(session: AsyncSession, debt: Debt) -> list[Instalment]:
    return list(await session.scalars(
        select(Instalment).where(Instalment.debt_id == debt.id).order_by(Instalment.due_date, Instalment.sequence)
    ))


def _states(rows: list[Instalment]) -> list[InstalmentState]:
    return [InstalmentState(row.sequence, row.due_date, row.principal_due, row.interest_due, row.principal_paid,
                            row.interest_paid) for row in rows]


async def _cover_schedule(session: AsyncSession, debt: Debt, applied: Balances) -> list[tuple[int, Decimal, Decimal]]:
    """Mark instalments paid oldest first and move the first unpaid due date (days past due follow it)."""
    rows = await _schedule(session, debt)
    if not rows:
        if debt.total_outstanding == 0:
            debt.first_unpaid_due_date = None
        return []
    states = _states(rows)
    covered = cover_instalments(states, principal=applied.principal, interest=applied.interest)
    for row, state in zip(rows, states, strict=True):
        row.principal_paid, row.interest_paid = state.principal_paid, state.interest_paid
    debt.first_unpaid_due_date = first_unpaid_due_date(states)
    return covered


async def _uncover_schedule(session: AsyncSession, debt: Debt, payment: Payment) -> None:
    rows = await _schedule(session, debt)
    if not rows:
        if debt.total_outstanding > 0 and debt.first_unpaid_due_date is None:
            debt.first_unpaid_due_date = payment.first_unpaid_due_date_before  # overdue again, from where it was
        return
    by_sequence = {row.sequence: row for row in rows}
    for sequence, principal, interest in payment.instalment_allocation:
        row = by_sequence.get(int(sequence))
        if row is not None:  # a newer default may have replaced the schedule since
            row.principal_paid = max(row.principal_paid - Decimal(principal), ZERO)
            row.interest_paid = max(row.interest_paid - Decimal(interest), ZERO)
    debt.first_unpaid_due_date = first_unpaid_due_date(_states(rows))


async def payments_of(session: AsyncSession, debt_id: uuid.UUID, *, limit: int, after: str | None
                      ) -> tuple[list[Payment], str | None]:
    """A debt's payments in the order they were paid (then received), one keyset page."""
    query = select(Payment).where(Payment.debt_id == debt_id)
    if after is not None:
        paid_at, received_at, payment_id = decode_cursor(after, datetime, datetime, uuid.UUID)
        query = query.where(tuple_(Payment.paid_at, Payment.received_at, Payment.id) >
                            tuple_(paid_at, received_at, payment_id))
    query = query.order_by(Payment.paid_at, Payment.received_at, Payment.id).limit(limit + 1)
    return page_of(list(await session.scalars(query)), limit,
                   lambda payment: (payment.paid_at, payment.received_at, payment.id))


def payments_chunk(*, source_system: str, waterfall: tuple[str, ...]) -> ChunkHandler:
    """How `POST /v1/payments:batch` records a chunk: each payment in turn, each alone if it fails."""
    async def apply(uow: UnitOfWork, payment: PaymentIn) -> ItemResult:
        outcome = await record_payment(uow, payment, source_system=source_system, waterfall=waterfall)
        return ItemResult(line=0, key=payment.payment_id, outcome="created" if outcome.created else "unchanged",
                          id=outcome.payment.id)

    return one_by_one(apply, "payment_id")
