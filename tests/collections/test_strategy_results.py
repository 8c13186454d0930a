"""Champion/challenger statistics as pure functions: intervals that contain what they should, differences called
significant only when they are, and never with too few debts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from debtflow.collections.strategies.results import (
    DebtOutcome,
    arm_result,
    compare,
    compare_proportions,
    ratio,
    wilson,
)


def _debts(n: int, *, cured: int, recovered: str = "0.00", exposure: str = "1000.00") -> list[DebtOutcome]:
    return [DebtOutcome(exposure=Decimal(exposure), recovered=Decimal(recovered), cured=i < cured,
                        cost=Decimal("5.00"), promises_made=1, promises_kept=1 if i < cured else 0, complaints=0)
            for i in range(n)]


def test_the_wilson_interval_is_the_textbook_one() -> None:
    interval = wilson(50, 100)
    assert interval.value == 0.5
    assert (round(interval.low or 0, 4), round(interval.high or 0, 4)) == (0.4038, 0.5962)  # z = 1.96
    edge = wilson(0, 20)
    assert edge.low == 0.0 and 0 < (edge.high or 0) < 0.2  # never below 0, not degenerate at 0 successes
    assert wilson(0, 0).value is None


def test_the_ratio_estimate_and_its_interval() -> None:
    estimate = ratio([500.0, 300.0, 100.0, 0.0], [1000.0, 1000.0, 1000.0, 1000.0])
    assert estimate.value == pytest.approx(0.225)
    assert (estimate.low or 0) < 0.225 < (estimate.high or 0)
    assert ratio([], []).value is None


def test_a_clear_difference_is_significant_and_a_small_one_is_not() -> None:
    assert compare_proportions("cure rate", (100, 400), (160, 400)).significant
    close = compare_proportions("cure rate", (100, 400), (104, 400))
    assert not close.significant and "no significant difference" in close.statement
    assert "z-test" in close.test


def test_with_fewer_than_30_debts_an_arm_nothing_is_called_significant() -> None:
    champion, challenger = _debts(20, cured=2), _debts(20, cured=18, recovered="900.00")
    comparisons = compare(arm_result("a", champion), arm_result("b", challenger), champion, challenger)
    assert [c.significant for c in comparisons] == [False] * 5
    assert all("fewer than 30" in c.statement for c in comparisons)


def test_every_measure_is_compared_with_its_test_named() -> None:
    champion, challenger = _debts(300, cured=60, recovered="200.00"), _debts(300, cured=120, recovered="400.00")
    results = compare(arm_result("a", champion), arm_result("b", challenger), champion, challenger)
    by_measure = {c.measure: c for c in results}
    assert set(by_measure) == {"recovery rate", "cure rate", "promise-kept rate", "cost per unit recovered",
                               "complaints per 1,000 debts"}
    assert by_measure["cure rate"].significant and "higher" in by_measure["cure rate"].statement
    assert all(c.test for c in results)
