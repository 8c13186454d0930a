"""Payment plans and settlements as plain data: the discount and how it is split, who may approve it, the plan's
schedule, and what each instalment came to. Pure: no I/O, no clock, no settings lookups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_UP, Decimal
from typing import Literal

ZERO = Decimal("0.00")
#: The order a discount is waived in: what the lender minds least first, principal last.
WATERFALL = ("penalty_interest", "fees", "interest", "principal")
InstalmentStatus = Literal["due", "paid", "partly_paid", "missed"]


@dataclass(frozen=True)
class Balances:
    """What the borrower owes, by component."""

    penalty_interest: Decimal
    fees: Decimal
    interest: Decimal
    principal: Decimal

    @property
    def total(self) -> Decimal:
        return self.penalty_interest + self.fees + self.interest + self.principal


def split_discount(discount: Decimal, balances: Balances) -> dict[str, Decimal]:
    """The discount waived component by component in WATERFALL order; raises if it exceeds the balance."""
    if discount > balances.total:
        raise ValueError("the discount is larger than the balance")
    left, waived = discount, {}
    for component in WATERFALL:
        waived[component] = min(left, getattr(balances, component))
        left -= waived[component]
    return waived


def discount_percent(balance: Decimal, agreed: Decimal) -> Decimal:
    """The discount as a percentage of the balance, rounded up to 0.01 (10.001 % is more than 10 %)."""
    if balance <= 0:
        return Decimal("0.00")
    return (max(balance - agreed, ZERO) * 100 / balance).quantize(Decimal("0.01"), rounding=ROUND_UP)


@dataclass(frozen=True)
class DiscountLimits:
    """The lender's delegated authority, in percent of the balance."""

    collector: Decimal
    supervisor: Decimal
    ceiling: Decimal


@dataclass(frozen=True)
class Approver:
    """A person (normalised identity) and the role they acted in."""

    identity: str
    role: Literal["collector", "supervisor"]


def supervisors_needed(percent: Decimal, limits: DiscountLimits) -> int:
    """0: a collector grants it alone; 1: one supervisor; 2: two different supervisors (maker-checker).
    Raises above the ceiling: nobody may grant that."""
    if percent > limits.ceiling:
        raise ValueError(f"a discount of {percent} % is above the ceiling of {limits.ceiling} %")
    if percent <= limits.collector:
        return 0
    return 1 if percent <= limits.supervisor else 2


def is_approved(percent: Decimal, limits: DiscountLimits, proposer: Approver,
                approvals: Sequence[Approver]) -> bool:
    """Whether the people who proposed and approved it hold enough authority together: distinct supervisors
    counted once each, by normalised identity, the proposer included when a supervisor."""
    supervisors = {person.identity for person in (proposer, *approvals) if person.role == "supervisor"}
    return len(supervisors) >= supervisors_needed(percent, limits)


def approval_refusal(approver: Approver, proposer: Approver, approvals: Sequence[Approver], percent: Decimal,
                     limits: DiscountLimits) -> str | None:
    """Why `approver` may not approve now (None: they may): only supervisors approve, never their own proposal
    or twice, and only what still needs an approval."""
    if approver.role != "supervisor":
        return "only a supervisor approves a discount"
    if approver.identity == proposer.identity:
        return "four eyes: the person who proposed it cannot approve it"
    if any(approver.identity == earlier.identity for earlier in approvals):
        return "four eyes: the same supervisor cannot approve it twice"
    if is_approved(percent, limits, proposer, approvals):
        return "it is already approved"
    return None


@dataclass(frozen=True)
class Instalment:
    due_on: date
    amount: Decimal


def schedule_problems(total: Decimal, instalments: Sequence[Instalment], today: date,
                      max_instalments: int) -> list[tuple[str, str, str]]:
    """(field, rule, message) for each way a plan's schedule is wrong; instalments[0] is the down payment."""
    problems = []
    if sum((item.amount for item in instalments), ZERO) != total:
        problems.append(("instalments", "sum_to_total", "down payment and instalments must add up to total_amount"))
    if len(instalments) > max_instalments:
        problems.append(("instalments", "too_many", f"at most {max_instalments} instalments"))
    for index, item in enumerate(instalments):
        if item.amount <= 0:
            problems.append((_field(index), "positive", "every amount must be more than zero"))
        if index == 0 and item.due_on < today:
            problems.append((_field(index), "not_in_past", f"must be on or after {today}"))
        if index > 0 and item.due_on <= instalments[index - 1].due_on:
            problems.append((_field(index), "dates_increasing", "each due date must be after the one before"))
    return problems


def _field(index: int) -> str:
    return "down_payment.due_on" if index == 0 else f"instalments.{index - 1}.due_on"


def track(instalments: Sequence[Instalment], paid: Decimal, today: date,
          grace_days: int) -> list[tuple[InstalmentStatus, Decimal]]:
    """Each instalment's status and what it received: payments fill the earliest first; one not fully paid
    more than `grace_days` after its due date is missed."""
    left, tracked = paid, []
    for item in instalments:
        received = min(left, item.amount)
        left -= received
        tracked.append((_status(item, received, today, grace_days), received))
    return tracked


def _status(item: Instalment, received: Decimal, today: date, grace_days: int) -> InstalmentStatus:
    if received >= item.amount:
        return "paid"
    if today > item.due_on + timedelta(days=grace_days):
        return "missed"
    return "partly_paid" if received > 0 else "due"


def plan_status(tracked: Sequence[tuple[InstalmentStatus, Decimal]]) -> Literal["active", "completed", "breached"]:
    if any(status == "missed" for status, _ in tracked):
        return "breached"
    return "completed" if all(status == "paid" for status, _ in tracked) else "active"


def settlement_status(amount: Decimal, paid: Decimal, pay_by: date, today: date,
                      grace_days: int) -> Literal["accepted", "paid", "lapsed"]:
    """Paid once the agreed amount arrived; lapsed when it did not by `pay_by` plus grace."""
    if paid >= amount:
        return "paid"
    return "lapsed" if today > pay_by + timedelta(days=grace_days) else "accepted"
