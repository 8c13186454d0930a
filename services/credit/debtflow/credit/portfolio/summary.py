"""Portfolio arithmetic as pure functions: grouping rows into per-currency summaries."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

UNCLASSIFIED = "unclassified"
FIVE_TIER_ORDER = ("normal", "special_mention", "substandard", "doubtful", "loss", UNCLASSIFIED)


@dataclass
class Slice:
    label: str
    debts: int = 0
    exposure: Decimal = Decimal("0.00")


@dataclass
class CurrencySummary:
    """Exposure is never added across currencies: each currency is summarised on its own."""

    currency: str
    debts: int = 0
    exposure: Decimal = Decimal("0.00")
    by_dpd_bucket: list[Slice] = field(default_factory=list)
    by_five_tier_class: list[Slice] = field(default_factory=list)
    closed: dict[str, int] = field(default_factory=dict)  # settled / sold / written_off -> count


def bucket_sort_key(label: str) -> tuple[int, int, int, str]:
    """M0 < M1 < ... < M6 < M6+ < unclassified, whatever labels the rule set uses."""
    if label == UNCLASSIFIED:
        return (1, 0, 0, label)
    number = re.search(r"\d+", label)
    return (0, int(number.group()) if number else 0, label.endswith("+"), label)


def summarise(
    by_bucket: Iterable[tuple[str, str | None, int, Decimal]],
    by_class: Iterable[tuple[str, str | None, int, Decimal]],
    closed: Iterable[tuple[str, str, int]] = (),
) -> list[CurrencySummary]:
    """Open debts' rows are (currency, label or None, count, exposure); closed ones (currency, status, count)."""
    summaries: dict[str, CurrencySummary] = {}
    buckets: dict[str, list[Slice]] = defaultdict(list)
    classes: dict[str, list[Slice]] = defaultdict(list)
    for currency, label, count, exposure in by_bucket:
        summary = summaries.setdefault(currency, CurrencySummary(currency))
        summary.debts += count
        summary.exposure += exposure
        buckets[currency].append(Slice(label or UNCLASSIFIED, count, exposure))
    for currency, label, count, exposure in by_class:
        classes[currency].append(Slice(label or UNCLASSIFIED, count, exposure))
    for currency, status, count in closed:
        summaries.setdefault(currency, CurrencySummary(currency)).closed[status] = count
    for currency, summary in summaries.items():
        summary.by_dpd_bucket = sorted(buckets[currency], key=lambda s: bucket_sort_key(s.label))
        summary.by_five_tier_class = sorted(
            classes[currency], key=lambda s: FIVE_TIER_ORDER.index(s.label) if s.label in FIVE_TIER_ORDER else 99
        )
    return sorted(summaries.values(), key=lambda summary: summary.currency)
