"""Classification rules as pure functions: days past due, DPD buckets and the five-tier class."""

from __future__ import annotations

from datetime import date

import pytest
from debtflow.classification.rules import (
    RULESET_VERSION,
    classify,
    days_past_due,
    dpd_bucket,
    five_tier_class,
)


@pytest.mark.parametrize(
    ("due", "as_of", "expected"),
    [
        pytest.param(date(2026, 5, 10), date(2026, 5, 1), 0, id="not-yet-due"),
        pytest.param(date(2026, 5, 1), date(2026, 5, 1), 0, id="due-today"),
        pytest.param(date(2026, 4, 30), date(2026, 5, 1), 1, id="one-day-late"),
        pytest.param(date(2028, 2, 28), date(2028, 3, 1), 2, id="across-leap-day"),
        pytest.param(date(2027, 2, 28), date(2027, 3, 1), 1, id="across-february-end-non-leap-year"),
        pytest.param(date(2028, 2, 29), date(2028, 3, 29), 29, id="from-leap-day"),
        pytest.param(date(2028, 2, 29), date(2029, 2, 28), 365, id="leap-day-to-next-february-end"),
        pytest.param(date(2028, 1, 1), date(2029, 1, 1), 366, id="whole-leap-year"),
        pytest.param(date(2026, 1, 31), date(2026, 2, 28), 28, id="january-end-to-february-end"),
        pytest.param(date(2026, 4, 30), date(2026, 5, 31), 31, id="april-end-to-may-end"),
        pytest.param(date(2026, 12, 31), date(2027, 1, 1), 1, id="year-boundary"),
        pytest.param(date(2025, 12, 15), date(2026, 1, 15), 31, id="month-across-year-boundary"),
    ],
)
def test_days_past_due(due: date, as_of: date, expected: int) -> None:
    assert days_past_due(due, as_of) == expected


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "M0"), (1, "M1"), (30, "M1"), (31, "M2"), (60, "M2"), (61, "M3"), (90, "M3"), (91, "M4"),
        (120, "M4"), (121, "M5"), (150, "M5"), (151, "M6"), (180, "M6"), (181, "M6+"), (5000, "M6+"),
    ],
)
def test_dpd_bucket_boundaries(days: int, bucket: str) -> None:
    assert dpd_bucket(days) == bucket


@pytest.mark.parametrize(
    ("days", "tier", "reason"),
    [
        (0, "normal", None),
        (1, "special_mention", "dpd_over_0"),
        (90, "special_mention", "dpd_over_0"),
        (91, "substandard", "dpd_over_90"),
        (270, "substandard", "dpd_over_90"),
        (271, "doubtful", "dpd_over_270"),
        (360, "doubtful", "dpd_over_270"),
        (361, "loss", "dpd_over_360"),
    ],
)
def test_five_tier_class_boundaries(days: int, tier: str, reason: str | None) -> None:
    assert five_tier_class(days) == (tier, reason)


@pytest.mark.parametrize(
    ("due", "as_of", "days", "bucket", "tier", "reasons"),
    [
        (date(2026, 12, 1), date(2026, 11, 27), 0, "M0", "normal", ("current",)),
        (date(2026, 11, 27), date(2026, 11, 27), 0, "M0", "normal", ("current",)),
        (date(2026, 11, 26), date(2026, 11, 27), 1, "M1", "special_mention", ("dpd_over_0",)),
        (date(2028, 2, 29), date(2028, 5, 30), 91, "M4", "substandard", ("dpd_over_90",)),
        (date(2026, 2, 15), date(2026, 11, 27), 285, "M6+", "doubtful", ("dpd_over_270",)),
        (date(2025, 11, 1), date(2026, 11, 27), 391, "M6+", "loss", ("dpd_over_360",)),
    ],
)
def test_classify_combines_the_rules_and_records_the_ruleset_version(
    due: date, as_of: date, days: int, bucket: str, tier: str, reasons: tuple[str, ...]
) -> None:
    result = classify(due, as_of)
    assert (result.days_past_due, result.dpd_bucket, result.five_tier_class, result.reason_codes) == (
        days, bucket, tier, reasons
    )
    assert result.ruleset_version == RULESET_VERSION
    assert RULESET_VERSION
