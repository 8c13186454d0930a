"""What a promise to pay came to, from the payments made towards it: pure, no I/O, no clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

PromiseStatus = Literal["open", "kept", "partly_kept", "broken"]
RESOLVED: tuple[PromiseStatus, ...] = ("kept", "partly_kept", "broken")


@dataclass(frozen=True)
class CountedPayment:
    """A payment towards a promise; a reversed one counts nothing (the reversal undoes it)."""

    payment_id: str
    paid_at: datetime
    amount: Decimal
    reversed: bool = False


def deadline(due_on: date, grace_days: int, zone: ZoneInfo) -> datetime:
    """The moment a promise stops being keepable: the end of the due date plus grace, in the lender's calendar."""
    return datetime.combine(due_on + timedelta(days=grace_days + 1), time(0), zone)


def paid_towards(made_at: datetime, deadline_at: datetime, payments: Iterable[CountedPayment]) -> Decimal:
    """What was paid between the promise and its deadline and not reversed since."""
    return sum((payment.amount for payment in payments
                if not payment.reversed and made_at <= payment.paid_at < deadline_at), Decimal("0.00"))


def outcome(amount: Decimal, made_at: datetime, deadline_at: datetime, payments: Iterable[CountedPayment],
            now: datetime) -> PromiseStatus:
    """Kept as soon as the amount is paid in time; once the deadline passed, partly kept when something was paid,
    else broken; before it, still open. Recomputed from all payments, so a late event or a reversal revises it."""
    paid = paid_towards(made_at, deadline_at, payments)
    if paid >= amount:
        return "kept"
    if now < deadline_at:
        return "open"
    return "partly_kept" if paid > 0 else "broken"
