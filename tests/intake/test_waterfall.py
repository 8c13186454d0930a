"""The payment waterfall and instalment coverage as pure functions: exact Decimals, nothing lost."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from debtflow.intake.payments.waterfall import (
    DEFAULT_ORDER,
    Balances,
    InstalmentState,
    allocate,
    cover_instalments,
    first_unpaid_due_date,
)

D = Decimal
OWED = Balances(principal=D("1000.00"), interest=D("100.00"), penalty_interest=D("30.00"), fees=D("20.00"))
PRINCIPAL_FIRST = ("principal", "interest", "penalty_interest", "fees")


def test_the_default_order_is_penalty_fees_interest_principal() -> None:
    assert DEFAULT_ORDER == ("penalty_interest", "fees", "interest", "principal")
    allocation = allocate(D("140.00"), OWED)
    assert allocation.applied == Balances(principal=D("0.00"), interest=D("90.00"), penalty_interest=D("30.00"),
                                          fees=D("20.00"))
    assert allocation.credit == D("0.00")


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        pytest.param("10.00", Balances(penalty_interest=D("10.00")), id="part-of-the-penalty"),
        pytest.param("30.00", Balances(penalty_interest=D("30.00")), id="exactly-the-penalty"),
        pytest.param("45.50", Balances(penalty_interest=D("30.00"), fees=D("15.50")), id="into-the-fees"),
        pytest.param("150.00", Balances(penalty_interest=D("30.00"), fees=D("20.00"), interest=D("100.00")),
                     id="all-but-principal"),
        pytest.param("150.01", Balances(penalty_interest=D("30.00"), fees=D("20.00"), interest=D("100.00"),
                                        principal=D("0.01")), id="one-cent-of-principal"),
        pytest.param("1150.00", OWED, id="everything"),
    ],
)
def test_the_default_waterfall_fills_each_component_before_the_next(amount: str, expected: Balances) -> None:
    allocation = allocate(D(amount), OWED)
    assert allocation.applied == expected
    assert allocation.credit == 0
    assert allocation.amount == D(amount)


def test_a_custom_order_pays_principal_first() -> None:
    allocation = allocate(D("1050.00"), OWED, PRINCIPAL_FIRST)
    assert allocation.applied == Balances(principal=D("1000.00"), interest=D("50.00"))
    assert allocation.credit == 0


def test_a_custom_order_with_fees_before_penalty() -> None:
    allocation = allocate(D("25.00"), OWED, ("fees", "penalty_interest", "interest", "principal"))
    assert allocation.applied == Balances(fees=D("20.00"), penalty_interest=D("5.00"))


@pytest.mark.parametrize("order", [DEFAULT_ORDER, PRINCIPAL_FIRST], ids=["default", "principal-first"])
def test_an_overpayment_becomes_credit_and_is_never_lost(order: tuple[str, ...]) -> None:
    allocation = allocate(D("1200.37"), OWED, order)
    assert allocation.applied == OWED
    assert allocation.credit == D("50.37")
    assert allocation.applied.total + allocation.credit == D("1200.37")


def test_paying_a_debt_that_owes_nothing_is_all_credit() -> None:
    allocation = allocate(D("5.00"), Balances())
    assert allocation.applied.total == 0
    assert allocation.credit == D("5.00")


def test_a_negative_component_takes_nothing() -> None:
    allocation = allocate(D("10.00"), Balances(principal=D("5.00"), fees=D("-3.00")))
    assert allocation.applied == Balances(principal=D("5.00"))
    assert allocation.credit == D("5.00")


def test_amounts_stay_exact_decimals() -> None:
    owed = Balances(principal=D("0.10"), interest=D("0.20"), penalty_interest=D("0.01"), fees=D("0.02"))
    allocation = allocate(D("0.33"), owed)
    assert allocation.applied == owed
    assert allocation.credit == D("0.00")
    assert all(isinstance(value, Decimal) for value in (allocation.applied.principal, allocation.applied.interest,
                                                          allocation.applied.penalty_interest, allocation.applied.fees,
                                                          allocation.credit))
    # Many small payments add up to exactly the debt: no binary-float drift.
    big = Balances(principal=D("9999999999999.99"))
    remaining = big
    for _ in range(3):
        step = allocate(D("0.01"), remaining)
        remaining = remaining.minus(step.applied)
    assert remaining.principal == D("9999999999999.96")


@pytest.mark.parametrize("amount", ["0.00", "-1.00"])
def test_a_payment_must_be_positive(amount: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        allocate(D(amount), OWED)


@pytest.mark.parametrize(
    "order",
    [
        ("principal", "interest", "fees"),
        ("principal", "interest", "fees", "fees"),
        ("principal", "interest", "fees", "penalty"),
    ],
    ids=["missing-one", "one-twice", "unknown-name"],
)
def test_a_waterfall_names_each_component_exactly_once(order: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="exactly once"):
        allocate(D("1.00"), OWED, order)


def _schedule() -> list[InstalmentState]:
    # Deliberately out of order: coverage goes by due date, not by list position.
    return [
        InstalmentState(3, date(2026, 4, 15), D("400.00"), D("30.00")),
        InstalmentState(1, date(2026, 2, 15), D("300.00"), D("40.00")),
        InstalmentState(2, date(2026, 3, 15), D("300.00"), D("30.00")),
    ]


def test_instalments_are_covered_oldest_first() -> None:
    schedule = _schedule()
    covered = cover_instalments(schedule, principal=D("350.00"), interest=D("50.00"))
    assert covered == [(1, D("300.00"), D("40.00")), (2, D("50.00"), D("10.00"))]
    by_sequence = {state.sequence: state for state in schedule}
    assert by_sequence[1].settled
    assert (by_sequence[2].principal_paid, by_sequence[2].interest_paid) == (D("50.00"), D("10.00"))
    assert (by_sequence[3].principal_paid, by_sequence[3].interest_paid) == (D("0.00"), D("0.00"))
    assert first_unpaid_due_date(schedule) == date(2026, 3, 15)


def test_coverage_continues_where_the_last_payment_stopped() -> None:
    schedule = _schedule()
    cover_instalments(schedule, principal=D("350.00"), interest=D("50.00"))
    covered = cover_instalments(schedule, principal=D("250.00"), interest=D("20.00"))
    assert covered == [(2, D("250.00"), D("20.00"))]
    assert first_unpaid_due_date(schedule) == date(2026, 4, 15)


def test_interest_alone_does_not_settle_an_instalment() -> None:
    schedule = _schedule()
    covered = cover_instalments(schedule, principal=D("0.00"), interest=D("100.00"))
    assert covered == [(1, D("0.00"), D("40.00")), (2, D("0.00"), D("30.00")), (3, D("0.00"), D("30.00"))]
    assert first_unpaid_due_date(schedule) == date(2026, 2, 15)


def test_when_every_instalment_is_covered_nothing_is_due() -> None:
    schedule = _schedule()
    covered = cover_instalments(schedule, principal=D("1200.00"), interest=D("150.00"))
    assert [sequence for sequence, _, _ in covered] == [1, 2, 3]
    assert sum(principal for _, principal, _ in covered) == D("1000.00")  # the rest covers no instalment
    assert first_unpaid_due_date(schedule) is None


def test_first_unpaid_due_date_of_an_untouched_schedule_is_the_oldest() -> None:
    assert first_unpaid_due_date(_schedule()) == date(2026, 2, 15)
    assert first_unpaid_due_date([]) is None
