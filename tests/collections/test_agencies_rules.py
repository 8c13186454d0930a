"""Agency rules without a database: commission by the schedule's rate (exact, never negative), schedules refused
when unsound, allocation by rule, room and results."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import given
from hypothesis import strategies as st

from debtflow.collections.agencies.rules import (
    AgencyStanding,
    CaseFacts,
    CommissionSchedule,
    CommissionTier,
    PlacementRule,
    allocate,
    commission,
    schedule_problems,
)
from debtflow.collections.costs.rules import cost_amount

SCHEDULE = CommissionSchedule((
    CommissionTier("*", 0, Decimal("12.00")),
    CommissionTier("*", 365, Decimal("20.00")),
    CommissionTier("M6+", 0, Decimal("18.50")),
    CommissionTier("M6+", 720, Decimal("30.00")),
))
amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("100.00"), places=2)
buckets = st.sampled_from(["M1", "M3", "M5", "M6", "M6+"])


@given(recovered=amounts, bucket=buckets, age=st.integers(min_value=0, max_value=5000))
def test_commission_is_the_recovery_at_the_rate_of_the_placements_bucket_and_age(recovered: Decimal, bucket: str,
                                                                                   age: int) -> None:
    rate = SCHEDULE.rate_for(bucket, age)
    if bucket == "M6+":
        expected_rate = Decimal("30.00") if age >= 720 else Decimal("18.50")
    else:
        expected_rate = Decimal("20.00") if age >= 365 else Decimal("12.00")
    assert rate == expected_rate
    earned = commission(recovered, rate)
    assert earned == (recovered * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    assert Decimal(0) <= earned <= recovered
    assert earned.as_tuple().exponent == -2


@given(recovered=amounts, rate=rates)
def test_a_reversal_gives_back_exactly_the_commission_and_the_cost_ledger_agrees(recovered: Decimal,
                                                                                rate: Decimal) -> None:
    assert commission(-recovered, rate) == -commission(recovered, rate)
    assert cost_amount(recovered, rate / 100) == commission(recovered, rate)


def test_an_unsound_schedule_names_each_fault() -> None:
    problems = schedule_problems([CommissionTier("M4", 0, Decimal("120.00")), CommissionTier("M4", 0, Decimal(5))])
    assert {(field, rule) for field, rule, _ in problems} == {
        ("commission_schedule.tiers", "default_tier"), ("commission_schedule.tiers.0.rate_percent", "percent_range"),
        ("commission_schedule.tiers.1", "duplicate_tier")}
    assert schedule_problems(SCHEDULE.tiers) == []


def _case(bucket: str, exposure: str) -> CaseFacts:
    return CaseFacts(uuid.uuid4(), bucket, Decimal(exposure), "CNY", 200, "Beijing", None)


def test_allocation_follows_the_first_matching_rule_then_room_and_results() -> None:
    rule = PlacementRule(uuid.uuid4(), 1, frozenset({"M6+"}), "CNY", Decimal("500.00"), None, frozenset(),
                         frozenset(), ("good", "roomy"), 90)
    agencies = {"good": AgencyStanding("good", 1, Decimal("0.3000")),
                "roomy": AgencyStanding("roomy", 10, Decimal("0.1000")),
                "other": AgencyStanding("other", 10, Decimal("0.9000"))}
    big, small, too_small, other_bucket = (_case("M6+", "9000.00"), _case("M6+", "800.00"), _case("M6+", "100.00"),
                                           _case("M3", "9000.00"))
    placed = {allocation.case.debt_id: allocation.agency_code
              for allocation in allocate([small, too_small, other_bucket, big], [rule], agencies)}
    # The best performer gets the largest debt while it has room; the rule never hands a debt to `other`.
    assert placed == {big.debt_id: "good", small.debt_id: "roomy"}
    assert agencies["good"].spare == 0
