"""Roll-rate arithmetic as pure functions: which month ends to compare, and each transition as a share."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

#: Rates are shares of a bucket's debts, to four places (0.1234 = 12.34 %).
RATE_PLACES = Decimal("0.0001")


def month_ends(through: date, months: int) -> list[date]:
    """The last `months` + 1 month ends strictly before `through`'s month, oldest first."""
    ends = []
    year, month = through.year, through.month
    for _ in range(months + 1):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
    return sorted(ends)


def roll_rates(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, Decimal]]:
    """From-bucket -> to-bucket counts as shares of each from-bucket's debts (each row adds up to about 1)."""
    return {source: {target: (Decimal(count) / sum(row.values())).quantize(RATE_PLACES)
                     for target, count in row.items()}
            for source, row in counts.items() if sum(row.values())}
