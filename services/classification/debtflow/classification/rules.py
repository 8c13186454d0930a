"""Classification rules as pure functions: days past due, DPD bucket and the five-tier regulatory class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: The version recorded with every classification this rule set produces.
RULESET_VERSION = "builtin-2026.1"


@dataclass(frozen=True)
class BucketRange:
    label: str
    min_days: int
    max_days: int | None  # None: open-ended


#: Default DPD buckets: M0 current, then 30-day months, M6+ beyond 180 days.
DEFAULT_BUCKETS: tuple[BucketRange, ...] = (
    BucketRange("M0", 0, 0),
    BucketRange("M1", 1, 30),
    BucketRange("M2", 31, 60),
    BucketRange("M3", 61, 90),
    BucketRange("M4", 91, 120),
    BucketRange("M5", 121, 150),
    BucketRange("M6", 151, 180),
    BucketRange("M6+", 181, None),
)

#: Five-tier thresholds (China, 2023 measures): more than N days past due -> at least this class.
FIVE_TIER_THRESHOLDS: tuple[tuple[int, str], ...] = (
    (360, "loss"),
    (270, "doubtful"),
    (90, "substandard"),
    (0, "special_mention"),
)


@dataclass(frozen=True)
class DebtClassification:
    days_past_due: int
    dpd_bucket: str
    five_tier_class: str
    reason_codes: tuple[str, ...]
    ruleset_version: str = RULESET_VERSION


def days_past_due(first_unpaid_due_date: date, as_of: date) -> int:
    """Whole days since the oldest unpaid instalment fell due; 0 if it is not due yet."""
    return max(0, (as_of - first_unpaid_due_date).days)


def dpd_bucket(days: int, buckets: tuple[BucketRange, ...] = DEFAULT_BUCKETS) -> str:
    for bucket in buckets:
        if days >= bucket.min_days and (bucket.max_days is None or days <= bucket.max_days):
            return bucket.label
    raise ValueError(f"no bucket covers {days} days past due")


def five_tier_class(days: int) -> tuple[str, str | None]:
    """The class for `days` past due and the reason code that put it there."""
    for threshold, tier in FIVE_TIER_THRESHOLDS:
        if days > threshold:
            return tier, f"dpd_over_{threshold}"
    return "normal", None


def classify(first_unpaid_due_date: date, as_of: date) -> DebtClassification:
    days = days_past_due(first_unpaid_due_date, as_of)
    tier, reason = five_tier_class(days)
    return DebtClassification(
        days_past_due=days,
        dpd_bucket=dpd_bucket(days),
        five_tier_class=tier,
        reason_codes=(reason,) if reason else ("current",),
    )
