"""Strategies as data, as pure functions: what a definition must be, which strategy a segment takes, and the
champion/challenger split (stable per debt, in the stated proportions)."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from debtflow.collections.strategies.defaults import BUILT_IN
from debtflow.collections.strategies.rules import (
    Arm,
    CaseSegment,
    Strategy,
    StrategyDefinition,
    arm_of,
    arms_valid,
    matches,
    strategy_for,
)


def _case(bucket: str = "M1", *, vulnerable: bool = False, exposure: str = "1000.00", **fields: object) -> CaseSegment:
    values: dict[str, object] = {"dpd_bucket": bucket, "five_tier_class": "substandard", "overdue_type": "default",
                                 "exposure": Decimal(exposure), "recovery_probability": None, "product": None,
                                 "region": None, "vulnerable": vulnerable}
    values.update(fields)
    return CaseSegment(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bucket", "code", "first_channel"),
    [("M0", "early-reminder", "sms"), ("M1", "early-reminder", "sms"), ("M2", "early-call", "call"),
     ("M3", "intensive-call", "call"), ("M4", "formal-demand", "letter"), ("M5", "formal-demand", "letter"),
     ("M6", "pre-legal", "letter"), ("M6+", "agency-recovery", "agency"), ("M9", "agency-recovery", "agency")],
)
def test_the_built_in_set_is_gentle_early_and_firmer_later(bucket: str, code: str, first_channel: str) -> None:
    strategy = strategy_for(list(BUILT_IN), _case(bucket))
    assert strategy is not None
    assert (strategy.code, strategy.steps[0].channel) == (code, first_channel)


def test_vulnerable_borrowers_get_care_whatever_their_bucket() -> None:
    for bucket in ("M1", "M4", "M6+"):
        strategy = strategy_for(list(BUILT_IN), _case(bucket, vulnerable=True))
        assert strategy is not None and strategy.code == "vulnerable-care"
        assert {step.channel for step in strategy.steps} <= {"letter", "call"}
        assert {step.tone for step in strategy.steps} == {"reminder"}


def test_legal_comes_only_past_m6_in_the_built_in_paths() -> None:
    with_legal = {s.code for s in BUILT_IN if any(step.channel == "legal" for step in s.steps)}
    assert with_legal == {"agency-recovery"}


def _definition(**overrides: object) -> dict[str, object]:
    definition: dict[str, object] = {
        "name": "Test", "rank": 50, "segment": {"buckets": ["M1"]},
        "steps": [{"day": 0, "channel": "sms", "template": "default.reminder", "tone": "reminder"}],
    }
    definition.update(overrides)
    return definition


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"steps": []}, "at least 1"),
        ({"steps": [{"day": 5, "channel": "sms", "template": "default.reminder", "tone": "reminder"},
                    {"day": 1, "channel": "sms", "template": "default.reminder", "tone": "reminder"}]}, "order of their day"),
        ({"steps": [{"day": 0, "channel": "legal", "template": "legal-referral", "tone": "firm"},
                    {"day": 9, "channel": "sms", "template": "default.reminder", "tone": "reminder"}]}, "last step"),
        ({"steps": [{"day": 0, "channel": "pigeon", "template": "default.reminder", "tone": "reminder"}]}, "channel"),
        ({"steps": [{"day": 0, "channel": "sms", "template": "Reminder!", "tone": "reminder"}]}, "template"),
        ({"segment": {"exposure_min": "500.00", "exposure_max": "100.00"}}, "exposure_min"),
        ({"segment": {"buckets": ["M1"], "python": "__import__('os')"}}, "Extra inputs"),
        ({"exits": ["paid", "paid"]}, "repeat"),
        ({"exits": ["whenever"]}, "exits"),
    ],
)
def test_a_definition_that_is_not_data_of_the_right_shape_is_refused(overrides: dict[str, object],
                                                                      message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        StrategyDefinition.model_validate(_definition(**overrides))


def test_segments_combine_every_condition() -> None:
    definition = StrategyDefinition.model_validate(_definition(segment={
        "buckets": ["M2", "M3"], "exposure_min": "1000.00", "exposure_max": "5000.00", "score_min": "0.5",
        "products": ["cash-loan"], "regions": ["CN-31"]}))
    segment = Strategy("t", 1, definition).definition.segment
    taken = _case("M2", exposure="1000.00", recovery_probability=Decimal("0.5"), product="cash-loan", region="CN-31")
    assert matches(segment, taken)
    for miss in ({"dpd_bucket": "M1"}, {"exposure": Decimal("5000.00")}, {"recovery_probability": None},
                 {"recovery_probability": Decimal("0.49")}, {"product": "card"}, {"region": None}):
        assert not matches(segment, _case(**{**taken.__dict__, **miss}))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arms", "problem"),
    [((Arm(strategy_code="b", percent=50), Arm(strategy_code="a", percent=50)), "champion"),
     ((Arm(strategy_code="a", percent=50), Arm(strategy_code="a", percent=50)), "one arm"),
     ((Arm(strategy_code="a", percent=50), Arm(strategy_code="b", percent=40)), "100")],
)
def test_arms_must_split_the_champions_debts(arms: tuple[Arm, ...], problem: str) -> None:
    assert problem in (arms_valid("a", arms) or "")


@settings(max_examples=200, deadline=None)
@given(st.uuids(), st.text(alphabet="abcdefgh-", min_size=1, max_size=20), st.integers(min_value=1, max_value=99))
def test_a_debt_stays_in_its_arm(debt_id: uuid.UUID, experiment_id: str, champion_percent: int) -> None:
    arms = (Arm(strategy_code="a", percent=champion_percent), Arm(strategy_code="b", percent=100 - champion_percent)) \
        if champion_percent < 100 else (Arm(strategy_code="a", percent=99), Arm(strategy_code="b", percent=1))
    assert arm_of(debt_id, experiment_id, arms) == arm_of(debt_id, experiment_id, arms)


@pytest.mark.parametrize("split", [(50, 50), (80, 20), (70, 20, 10), (90, 5, 5)])
def test_arms_take_their_share_of_the_debts(split: tuple[int, ...]) -> None:
    arms = tuple(Arm(strategy_code=f"s{i}", percent=p) for i, p in enumerate(split))
    debts = 20_000
    counts = Counter(arm_of(uuid.UUID(int=n * 7919 + 13), "exp-1", arms).strategy_code for n in range(debts))
    for i, percent in enumerate(split):
        expected = debts * percent / 100
        # Four standard deviations of a binomial count: fails by chance about once in 15,000 runs.
        tolerance = 4 * (debts * percent / 100 * (1 - percent / 100)) ** 0.5
        assert abs(counts[f"s{i}"] - expected) <= tolerance, (split, counts)


def test_two_experiments_split_independently() -> None:
    arms = (Arm(strategy_code="a", percent=50), Arm(strategy_code="b", percent=50))
    debts = [uuid.UUID(int=n) for n in range(4_000)]
    same = sum(arm_of(d, "exp-1", arms) == arm_of(d, "exp-2", arms) for d in debts)
    assert 1_800 <= same <= 2_200  # about half: the second split does not copy the first
