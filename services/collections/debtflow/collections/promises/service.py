"""Promise use cases: make one (from an agent's outcome), count intake's payments towards it, resolve those past
their deadline, read them and a case's tally."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.promises import rules
from debtflow.collections.promises.models import CasePromiseStats, PromisePayment, PromiseToPay
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork, UnitOfWorkFactory
from debtflow.common.db.expressions import one_of
from debtflow.common.events import CloudEvent, PaymentReceived, PaymentReversed, PromiseMade, PromiseResolved
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Conflict, InvalidInput, field_error

#: Promises resolved per transaction by the background check.
RESOLUTION_CHUNK = 200


def check_terms(*, due_on: date, currency: str, case_currency: str, today: date, max_days: int) -> None:
    """A promise falls due between today and `max_days` ahead, in the case's currency (422 naming the field)."""
    if due_on < today or due_on > today + timedelta(days=max_days):
        raise InvalidInput("the promise's due date is out of range", errors=[field_error(
            "promise.due_on", "promise_window", f"must be between {today} and {today + timedelta(days=max_days)}")])
    if currency != case_currency:
        raise InvalidInput("the promise is in another currency than the debt", errors=[field_error(
            "promise.currency", "case_currency", f"the debt is in {case_currency}")])


async def make_promise(uow: UnitOfWork, *, debt_id: uuid.UUID, borrower_id: str, tenant: str | None,
                       amount: Decimal, currency: str, due_on: date, outcome_id: uuid.UUID | None, made_by: str,
                       now: datetime, grace_days: int, zone: ZoneInfo) -> PromiseToPay:
    """Record the promise (one open at a time per debt, else 409 naming it) and announce it."""
    await _no_open_promise(uow.session, debt_id)
    promise = PromiseToPay(
        id=uuid.uuid4(), debt_id=debt_id, tenant=tenant, borrower_id=borrower_id, amount=amount, currency=currency,
        due_on=due_on, deadline_at=rules.deadline(due_on, grace_days, zone), status="open",
        paid_amount=Decimal("0.00"), made_at=now, made_by=made_by, outcome_id=outcome_id)
    uow.session.add(promise)
    stats = (await _stats(uow.session, {debt_id}))[debt_id]
    stats.made += 1
    uow.emit(PromiseMade(debt_id=debt_id, borrower_id=borrower_id, promise_id=promise.id, amount=amount,
                         currency=currency, due_on=due_on, made_at=now), tenant=tenant)
    return promise


async def _no_open_promise(session: AsyncSession, debt_id: uuid.UUID) -> None:
    existing = (await session.scalars(select(PromiseToPay).where(
        PromiseToPay.debt_id == debt_id, PromiseToPay.status == "open").with_for_update())).first()
    if existing is not None:
        raise Conflict(f"debt {debt_id} already has an open promise to pay {existing.currency} {existing.amount} "
                       f"by {existing.due_on}", slug="open-promise", promise_id=str(existing.id))


async def _stats(session: AsyncSession, debt_ids: set[uuid.UUID]) -> dict[uuid.UUID, CasePromiseStats]:
    """Each debt's tally, a new one added for a debt without one."""
    found = {row.debt_id: row for row in await session.scalars(
        select(CasePromiseStats).where(one_of(CasePromiseStats.debt_id, debt_ids)))}
    for debt_id in debt_ids - found.keys():
        found[debt_id] = CasePromiseStats(debt_id=debt_id, made=0, kept=0, partly_kept=0, broken=0)
        session.add(found[debt_id])
    return found


async def apply_payments(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based: intake's PaymentReceived count towards the promise open when they were paid, PaymentReversed
    take theirs back; each promise touched is decided again from all its payments. Other types are ignored, so
    this composes with other handlers of intake's events."""
    payments = [event for event in events if isinstance(event.data, PaymentReceived | PaymentReversed)]
    if not payments:
        return
    book = await _PromiseBook.load(uow.session, {event.data.debt_id for event in payments})
    for event in payments:
        with uow.on_behalf_of(event):
            promise = book.count(event.data)
            if promise is not None:
                _revise(uow, promise, book.payments_of(promise.id), book.stats[promise.debt_id], now=utcnow())


class _PromiseBook:
    """The promises of a run's debts and the payments counted towards them, in memory."""

    def __init__(self, session: AsyncSession, promises: list[PromiseToPay], counted: list[PromisePayment],
                 stats: dict[uuid.UUID, CasePromiseStats]) -> None:
        self.session, self.promises, self.stats = session, promises, stats
        self.counted = {payment.payment_id: payment for payment in counted}

    @classmethod
    async def load(cls, session: AsyncSession, debt_ids: set[uuid.UUID]) -> _PromiseBook:
        promises = list(await session.scalars(select(PromiseToPay).where(one_of(PromiseToPay.debt_id, debt_ids))))
        counted = list(await session.scalars(select(PromisePayment).where(
            one_of(PromisePayment.promise_id, {promise.id for promise in promises})))) if promises else []
        return cls(session, promises, counted, await _stats(session, {p.debt_id for p in promises}))

    def count(self, payment: PaymentReceived | PaymentReversed) -> PromiseToPay | None:
        """Record the payment (or its reversal) against its promise; the promise, or None if none is concerned."""
        if isinstance(payment, PaymentReversed):
            counted = self.counted.get(payment.payment_id)
            if counted is None:
                return None
            counted.reversed = True
            return self._by_id(counted.promise_id)
        promise = self._window_of(payment)
        if promise is None or payment.payment_id in self.counted:
            return None
        counted = PromisePayment(payment_id=payment.payment_id, promise_id=promise.id, amount=payment.amount,
                                 paid_at=payment.paid_at, reversed=False)
        self.session.add(counted)
        self.counted[counted.payment_id] = counted
        return promise

    def _window_of(self, payment: PaymentReceived) -> PromiseToPay | None:
        """The latest promise of the debt, in its currency, whose window holds the payment."""
        candidates = [promise for promise in self.promises
                      if promise.debt_id == payment.debt_id and promise.currency == payment.currency
                      and promise.made_at <= payment.paid_at < promise.deadline_at]
        return max(candidates, key=lambda promise: promise.made_at, default=None)

    def _by_id(self, promise_id: uuid.UUID) -> PromiseToPay:
        return next(promise for promise in self.promises if promise.id == promise_id)

    def payments_of(self, promise_id: uuid.UUID) -> list[PromisePayment]:
        return [payment for payment in self.counted.values() if payment.promise_id == promise_id]


def _revise(uow: UnitOfWork, promise: PromiseToPay, payments: Iterable[PromisePayment], stats: CasePromiseStats,
            *, now: datetime) -> None:
    """Decide the promise again; a change of outcome moves the tally and is announced."""
    counted = [rules.CountedPayment(str(p.payment_id), p.paid_at, p.amount, p.reversed) for p in payments]
    promise.paid_amount = rules.paid_towards(promise.made_at, promise.deadline_at, counted)
    status = rules.outcome(promise.amount, promise.made_at, promise.deadline_at, counted, now)
    if status == promise.status:
        return
    _tally(stats, promise.status, -1)
    _tally(stats, status, +1)
    if status == "broken":
        stats.last_broken_at = now
    promise.status = status
    promise.resolved_at = now if status in rules.RESOLVED else None
    uow.emit(PromiseResolved(
        debt_id=promise.debt_id, borrower_id=promise.borrower_id, promise_id=promise.id,
        outcome=status if status in rules.RESOLVED else "reopened", promised_amount=promise.amount,  # type: ignore[arg-type]
        paid_amount=promise.paid_amount, currency=promise.currency, due_on=promise.due_on,
        broken_promises=stats.broken, resolved_at=now), tenant=promise.tenant)


def _tally(stats: CasePromiseStats, status: str, change: int) -> None:
    if status in rules.RESOLVED:
        setattr(stats, status, getattr(stats, status) + change)


async def resolve_overdue(uow: UnitOfWorkFactory, *, now: datetime, chunk_size: int = RESOLUTION_CHUNK) -> int:
    """Decide every open promise whose deadline passed (partly kept or broken), chunk by chunk; SKIP LOCKED keeps
    replicas off each other's rows. Returns how many were decided."""
    decided = 0
    while True:
        async with uow() as unit:
            overdue = list(await unit.session.scalars(
                select(PromiseToPay).where(PromiseToPay.status == "open", PromiseToPay.deadline_at <= now)
                .order_by(PromiseToPay.deadline_at, PromiseToPay.id).limit(chunk_size)
                .with_for_update(skip_locked=True)))
            if overdue:
                book = await _PromiseBook.load(unit.session, {promise.debt_id for promise in overdue})
                for promise in overdue:
                    _revise(unit, promise, book.payments_of(promise.id), book.stats[promise.debt_id], now=now)
            decided += len(overdue)
        if len(overdue) < chunk_size:
            return decided


async def list_promises(session: AsyncSession, debt_id: uuid.UUID, *, limit: int,
                        after: str | None) -> tuple[list[PromiseToPay], str | None]:
    """A case's promises, newest first."""
    query = select(PromiseToPay).where(PromiseToPay.debt_id == debt_id)
    if after is not None:
        made_at, promise_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where((PromiseToPay.made_at < made_at)
                            | ((PromiseToPay.made_at == made_at) & (PromiseToPay.id < promise_id)))
    rows = list(await session.scalars(query.order_by(PromiseToPay.made_at.desc(), PromiseToPay.id.desc())
                                      .limit(limit + 1)))
    return page_of(rows, limit, lambda promise: (promise.made_at, promise.id))


async def promise_stats(session: AsyncSession, debt_id: uuid.UUID) -> CasePromiseStats:
    """A case's tally (zeros when no promise was ever made)."""
    stats = await session.get(CasePromiseStats, debt_id)
    return stats or CasePromiseStats(debt_id=debt_id, made=0, kept=0, partly_kept=0, broken=0)
