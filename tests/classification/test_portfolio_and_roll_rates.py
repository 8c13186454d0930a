"""GET /v1/portfolio (open debts by every dimension, per currency) and GET /v1/roll-rates (month-end transitions)."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from support.classification import (
    COLLECTOR,
    TODAY,
    days,
    debt,
    dpd_bucket_of,
    payment,
    publish_all,
    reage,
    snapshot,
)
from support.harness import harness

DIMENSIONS = ("dpd_bucket", "five_tier_class", "ifrs9_stage", "overdue_type", "priority_tier")


def slices(summary: dict[str, Any], dimension: str) -> dict[str, tuple[int, str]]:
    return {item["label"]: (item["debts"], item["exposure"]) for item in summary[dimension]}


async def test_the_portfolio_counts_open_debts_by_every_dimension_per_currency(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        yuan = [debt(10, TODAY, principal="1000.00"), debt(45, TODAY, principal="2000.00"),
                debt(100, TODAY, principal="3000.00"), debt(400, TODAY, principal="500.00")]
        dollars = debt(10, TODAY, principal="700.00", currency="USD")
        settled = debt(100, TODAY, principal="9999.00")
        await publish_all(service, *yuan, dollars, settled,
                          snapshot(settled, version=2, first_unpaid=None, as_of=TODAY, total="0.00", status="settled"))

        response = await service.client.get("/v1/portfolio", headers=COLLECTOR)
        assert response.status_code == 200
        by_currency = {summary["currency"]: summary for summary in response.json()["by_currency"]}
        assert sorted(by_currency) == ["CNY", "USD"]
        cny = by_currency["CNY"]
        assert (cny["debts"], cny["exposure"]) == (4, "6500.00")
        assert slices(cny, "dpd_bucket") == {"M1": (1, "1000.00"), "M2": (1, "2000.00"), "M4": (1, "3000.00"),
                                             "M6+": (1, "500.00")}
        assert slices(cny, "five_tier_class") == {"special_mention": (2, "3000.00"), "substandard": (1, "3000.00"),
                                                  "loss": (1, "500.00")}
        assert slices(cny, "ifrs9_stage") == {"1": (1, "1000.00"), "2": (1, "2000.00"), "3": (2, "3500.00")}
        assert slices(cny, "overdue_type") == {"early_overdue": (2, "3000.00"), "default": (2, "3500.00")}
        assert slices(cny, "priority_tier") == {"P3": (3, "6000.00"), "P4": (1, "500.00")}
        for summary in by_currency.values():
            for dimension in DIMENSIONS:
                assert sum(item["debts"] for item in summary[dimension]) == summary["debts"], dimension
                assert sum(Decimal(item["exposure"]) for item in summary[dimension]) == Decimal(summary["exposure"])
        assert (by_currency["USD"]["debts"], by_currency["USD"]["exposure"]) == (1, "700.00")


async def test_the_portfolio_adds_up_debts_whose_sum_outgrows_a_single_amount(database_url: str) -> None:
    """Twelve of the largest debts intake accepts owe 18 integer digits: still a 200 with the exact sum."""
    async with harness("classification", database_url) as service:
        largest = [debt(100, TODAY, principal="9999999999999999.99") for _ in range(12)]
        await publish_all(service, *largest, debt(10, TODAY, principal="1000.00"))

        response = await service.client.get("/v1/portfolio", headers=COLLECTOR)
        assert response.status_code == 200, response.text
        [cny] = response.json()["by_currency"]
        assert (cny["debts"], cny["exposure"]) == (13, "120000000000000999.88")
        assert slices(cny, "dpd_bucket") == {"M1": (1, "1000.00"), "M4": (12, "119999999999999999.88")}
        assert slices(cny, "ifrs9_stage") == {"1": (1, "1000.00"), "3": (12, "119999999999999999.88")}


def month_ends(count: int) -> list[date]:
    """The last `count` + 1 month ends before this month, oldest first."""
    year, month, ends = TODAY.year, TODAY.month, []
    for _ in range(count + 1):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
    return sorted(ends)


async def test_roll_rates_show_month_to_month_bucket_transitions(database_url: str) -> None:
    ends = month_ends(6)
    first = ends[0]
    async with harness("classification", database_url) as service:
        rolling = [debt(10, first), debt(10, first), debt(40, first)]
        cured = debt(10, first)
        await publish_all(service, *rolling, cured,
                          payment(cured, version=2, first_unpaid_after=None, day=first + days(5)))
        for end in ends[1:]:
            await reage(service, end)

        response = await service.client.get("/v1/roll-rates?months=6", headers=COLLECTOR)
        assert response.status_code == 200, response.text
        months = response.json()["months"]
        assert [(month["from_month_end"], month["to_month_end"]) for month in months] == [
            (start.isoformat(), stop.isoformat()) for start, stop in pairwise(ends)]

        def bucket(reg: Any, day: date) -> str:
            if reg is cured and day > first:
                return "M0"
            return dpd_bucket_of((day - reg.first_unpaid_due_date).days)

        for month, (start, stop) in zip(months, pairwise(ends), strict=True):
            moves = Counter((bucket(reg, start), bucket(reg, stop)) for reg in [*rolling, cured])
            expected: dict[str, dict[str, int]] = {}
            for (source, target), count in moves.items():
                expected.setdefault(source, {})[target] = count
            assert month["counts"] == expected, (start, stop)
            for source, row in month["rates"].items():
                assert abs(sum(Decimal(rate) for rate in row.values()) - 1) <= Decimal("0.0002"), (source, row)
        assert months[0]["counts"] == {"M1": {"M2": 2, "M0": 1}, "M2": {"M3": 1}}
        assert months[0]["rates"] == {"M1": {"M2": "0.6667", "M0": "0.3333"}, "M2": {"M3": "1.0000"}}
        assert months[-1]["counts"] == {"M6": {"M6+": 2}, "M6+": {"M6+": 1}, "M0": {"M0": 1}}


async def test_roll_rates_with_no_history_are_empty_matrices(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        months = (await service.client.get("/v1/roll-rates?months=2", headers=COLLECTOR)).json()["months"]
        assert [(month["counts"], month["rates"]) for month in months] == [({}, {}), ({}, {})]
        assert (await service.client.get("/v1/roll-rates?months=0", headers=COLLECTOR)).status_code == 422
