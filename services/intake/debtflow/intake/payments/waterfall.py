"""Payment allocation as a pure function: a configurable waterfall over the balance components."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")
COMPONENTS = ("penalty_interest", "fees", "interest", "principal")
#: Penalty first, principal last: the default order lending contracts in China use.
DEFAULT_ORDER: tuple[str, ...] = ("penalty_interest", "fees", "interest", "principal")


@dataclass(frozen=True)
class Balances:
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    penalty_interest: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty_interest + self.fees

    def plus(self, other: Balances) -> Balances:
        return Balances(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def minus(self, other: Balances) -> Balances:
        return Balances(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True)
class Allocation:
    """How one payment was applied: per component, and what was left over as a credit to the borrower."""

    applied: Balances
    credit: Decimal

    @property
    def amount(self) -> Decimal:
        return self.applied.total + self.credit


def check_order(order: tuple[str, ...]) -> tuple[str, ...]:
    if sorted(order) != sorted(COMPONENTS):
        raise ValueError(f"a waterfall lists each of {', '.join(COMPONENTS)} exactly once")
    return order


def allocate(amount: Decimal, owed: Balances, order: tuple[str, ...] = DEFAULT_ORDER) -> Allocation:
    """Apply `amount` to the components in waterfall order; any overpayment becomes a credit, never lost."""
    if amount <= 0:
        raise ValueError("a payment must be positive")
    remaining = amount
    applied = Balances()
    for component in check_order(order):
        take = min(remaining, max(getattr(owed, component), ZERO))
        if take:
            applied = replace(applied, **{component: take})
            remaining -= take
    return Allocation(applied=applied, credit=remaining)


@dataclass
class InstalmentState:
    """What an instalment asks for and what payments have covered so far."""

    sequence: int
    due_date: date
    principal_due: Decimal
    interest_due: Decimal
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO

    @property
    def settled(self) -> bool:
        return self.principal_paid >= self.principal_due and self.interest_paid >= self.interest_due


def cover_instalments(schedule: list[InstalmentState], *, principal: Decimal, interest: Decimal
                      ) -> list[tuple[int, Decimal, Decimal]]:
    """Spread the interest and principal a payment paid over the oldest instalments first.

    Mutates `schedule`; returns (sequence, principal, interest) per instalment touched, so a reversal can
    take exactly that back. Amounts beyond the listed instalments cover the balance, not an instalment.
    """
    covered: list[tuple[int, Decimal, Decimal]] = []
    for instalment in sorted(schedule, key=lambda item: (item.due_date, item.sequence)):
        take_interest = min(interest, max(instalment.interest_due - instalment.interest_paid, ZERO))
        take_principal = min(principal, max(instalment.principal_due - instalment.principal_paid, ZERO))
        if take_interest or take_principal:
            instalment.interest_paid += take_interest
            instalment.principal_paid += take_principal
            interest -= take_interest
            principal -= take_principal
            covered.append((instalment.sequence, take_principal, take_interest))
    return covered


def first_unpaid_due_date(schedule: list[InstalmentState]) -> date | None:
    """Due date of the oldest instalment not fully covered; None when every listed instalment is."""
    unpaid = [instalment.due_date for instalment in schedule if not instalment.settled]
    return min(unpaid) if unpaid else None
