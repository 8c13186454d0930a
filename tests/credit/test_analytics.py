"""Credit analytics as pure functions: per-currency portfolio summaries and the order of buckets and classes."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from debtflow.credit.portfolio.summary import FIVE_TIER_ORDER, UNCLASSIFIED, bucket_sort_key, summarise

D = Decimal


def _slices(slices: list) -> list[tuple[str, int, Decimal]]:
    return [(item.label, item.debts, item.exposure) for item in slices]


def test_each_currency_is_summarised_on_its_own() -> None:
    by_bucket = [
        ("USD", "M1", 1, D("100.10")),
        ("CNY", "M6+", 2, D("20000.00")),
        ("CNY", "M1", 3, D("300.33")),
        ("USD", None, 1, D("50.00")),
    ]
    by_class = [
        ("CNY", "doubtful", 2, D("20000.00")),
        ("USD", "special_mention", 1, D("100.10")),
        ("CNY", "special_mention", 3, D("300.33")),
        ("USD", None, 1, D("50.00")),
    ]
    summaries = summarise(by_bucket, by_class)
    assert [summary.currency for summary in summaries] == ["CNY", "USD"]
    cny, usd = summaries
    assert (cny.debts, cny.exposure) == (5, D("20300.33"))
    assert (usd.debts, usd.exposure) == (2, D("150.10"))
    assert _slices(cny.by_dpd_bucket) == [("M1", 3, D("300.33")), ("M6+", 2, D("20000.00"))]
    assert _slices(usd.by_dpd_bucket) == [("M1", 1, D("100.10")), (UNCLASSIFIED, 1, D("50.00"))]
    assert _slices(cny.by_five_tier_class) == [("special_mention", 3, D("300.33")), ("doubtful", 2, D("20000.00"))]
    assert _slices(usd.by_five_tier_class) == [("special_mention", 1, D("100.10")), (UNCLASSIFIED, 1, D("50.00"))]


def test_amounts_are_never_added_across_currencies() -> None:
    summaries = summarise(
        [("CNY", "M1", 1, D("1.00")), ("JPY", "M1", 1, D("1000.00")), ("USD", "M1", 1, D("0.01"))],
        [("CNY", "normal", 1, D("1.00")), ("JPY", "normal", 1, D("1000.00")), ("USD", "normal", 1, D("0.01"))],
    )
    assert {summary.currency: summary.exposure for summary in summaries} == {
        "CNY": D("1.00"), "JPY": D("1000.00"), "USD": D("0.01"),
    }
    for summary in summaries:
        assert [item.exposure for item in summary.by_dpd_bucket] == [summary.exposure]


def test_exposure_stays_exact() -> None:
    rows = [("CNY", f"M{index % 7}", 1, D("0.10")) for index in range(30)]
    [summary] = summarise(rows, [])
    assert summary.exposure == D("3.00")
    assert str(summary.exposure) == "3.00"


def test_no_rows_no_summaries() -> None:
    assert summarise([], []) == []


ORDERED_BUCKETS = ["M0", "M1", "M2", "M3", "M4", "M5", "M6", "M6+", UNCLASSIFIED]


@pytest.mark.parametrize("seed", range(5))
def test_buckets_are_ordered_by_age_then_unclassified(seed: int) -> None:
    shuffled = ORDERED_BUCKETS[:]
    random.Random(seed).shuffle(shuffled)
    assert sorted(shuffled, key=bucket_sort_key) == ORDERED_BUCKETS
    [summary] = summarise([("CNY", None if label == UNCLASSIFIED else label, 1, D("1.00")) for label in shuffled], [])
    assert [item.label for item in summary.by_dpd_bucket] == ORDERED_BUCKETS


def test_bucket_numbers_sort_as_numbers_not_text() -> None:
    assert sorted(["M10", "M2", "M1", "M12+", "M12"], key=bucket_sort_key) == ["M1", "M2", "M10", "M12", "M12+"]


@pytest.mark.parametrize("seed", range(5))
def test_five_tier_classes_are_ordered_by_severity_then_unclassified(seed: int) -> None:
    classes = ["normal", "special_mention", "substandard", "doubtful", "loss", None]
    shuffled = classes[:]
    random.Random(seed).shuffle(shuffled)
    [summary] = summarise([("CNY", "M1", 6, D("6.00"))], [("CNY", label, 1, D("1.00")) for label in shuffled])
    assert [item.label for item in summary.by_five_tier_class] == list(FIVE_TIER_ORDER)
    assert FIVE_TIER_ORDER[-1] == UNCLASSIFIED
