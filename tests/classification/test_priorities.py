"""GET /v1/priorities: open debts ranked by priority score, keyset pages with continuing ranks, tier and currency."""

from __future__ import annotations

import base64
import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from debtflow.classification.classifications import service
from support.classification import (
    COLLECTOR,
    TODAY,
    debt,
    publish_all,
    snapshot,
)
from support.harness import Harness

#: Exposures of debts 100 days past due (M4, recovery 0.38): three tie at 7600.00 and two at 1140.00.
EXPOSURES = ["60000.00", "30000.00", "20000.00", "20000.00", "20000.00", "12000.00", "8000.00", "5000.00",
             "3000.00", "3000.00", "1000.00", "500.00"]


@pytest.fixture(scope="module")
async def book(shared: Harness) -> list[tuple[Decimal, str, str]]:
    """(score, debt id, tier) of every open debt, in the expected order; plus a settled debt and a dollar one."""
    debts = [debt(100, TODAY, principal=exposure) for exposure in EXPOSURES]
    settled = debt(100, TODAY, principal="90000.00")
    dollars = debt(100, TODAY, principal="20000.00", currency="USD")
    await publish_all(shared, *debts, settled, dollars,
                      snapshot(settled, version=2, first_unpaid=None, as_of=TODAY, total="0.00", status="settled"))
    ranked = []
    for reg in [*debts, dollars]:
        score = (reg.total_outstanding * Decimal("0.38")).quantize(Decimal("0.01"))
        tier = next((f"P{index}" for index, floor in enumerate((20000, 5000, 1000), start=1) if score >= floor), "P4")
        ranked.append((score, str(reg.debt_id), tier))
    return sorted(ranked, key=lambda item: (-item[0], item[1]))


async def walk(service: Harness, query: str, limit: int) -> list[list[dict[str, Any]]]:
    pages, after = [], None
    while True:
        path = f"/v1/priorities?limit={limit}{query}" + (f"&after={after}" if after else "")
        response = await service.client.get(path, headers=COLLECTOR)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page["items"])
        after = page["next_cursor"]
        if after is None:
            return pages
        assert len(pages) < 20, "paging does not end"


@pytest.mark.parametrize("limit", [1, 4, 5, 13, 500])
async def test_paging_walks_every_open_debt_once_in_rank_order(shared: Harness, book: list[Any], limit: int) -> None:
    pages = await walk(shared, "", limit)
    walked = [item for page in pages for item in page]
    assert [item["debt_id"] for item in walked] == [debt_id for _, debt_id, _ in book]
    assert [item["rank"] for item in walked] == list(range(1, len(book) + 1))
    assert [Decimal(item["priority_score"]) for item in walked] == [score for score, _, _ in book]
    assert [item["priority_tier"] for item in walked] == [tier for _, _, tier in book]
    assert all(len(page) <= limit for page in pages)


async def test_the_first_page_shows_what_a_collector_needs(shared: Harness, book: list[Any]) -> None:
    top = (await shared.client.get("/v1/priorities?limit=1", headers=COLLECTOR)).json()["items"][0]
    assert (top["rank"], top["priority_score"], top["priority_tier"], top["dpd_bucket"], top["five_tier_class"],
            top["exposure"], top["currency"]) == (1, "22800.00", "P1", "M4", "substandard", "60000.00", "CNY")


@pytest.mark.parametrize(("tier", "limit"), [("P1", 1), ("P2", 2), ("P3", 2), ("P4", 3)])
async def test_a_tier_is_ranked_and_paged_on_its_own(shared: Harness, book: list[Any], tier: str, limit: int) -> None:
    walked = [item for page in await walk(shared, f"&tier={tier}", limit) for item in page]
    expected = [debt_id for _, debt_id, found in book if found == tier]
    assert [item["debt_id"] for item in walked] == expected
    assert [item["rank"] for item in walked] == list(range(1, len(expected) + 1))


async def test_a_currency_is_ranked_on_its_own(shared: Harness, book: list[Any]) -> None:
    [page] = await walk(shared, "&currency=USD", 10)
    assert [(item["rank"], item["currency"], item["priority_score"]) for item in page] == [(1, "USD", "7600.00")]


@pytest.mark.parametrize("query", ["after=not-a-cursor", "after=" + base64.urlsafe_b64encode(b"x|y").decode(),
                                   "tier=P5", "currency=usd", "limit=0", "limit=501"])
async def test_bad_paging_and_filters_are_refused(shared: Harness, book: list[Any], query: str) -> None:
    response = await shared.client.get(f"/v1/priorities?{query}", headers=COLLECTOR)
    assert response.status_code == 422, response.text


# -- the CSV export -------------------------------------------------------------------------------


async def _export(service: Harness, query: str = "") -> list[dict[str, str]]:
    response = await service.client.get(f"/v1/priorities.csv{query}", headers=COLLECTOR)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="priorities.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


async def test_the_csv_export_is_the_whole_worklist_in_rank_order(shared: Harness, book: list[Any]) -> None:
    rows = await _export(shared)
    pages = [item for page in await walk(shared, "", 500) for item in page]
    assert rows == [{column: str(value) for column, value in item.items()} for item in pages]
    assert [row["rank"] for row in rows] == [str(rank) for rank in range(1, len(book) + 1)]
    assert rows[0]["priority_score"] == "22800.00" and rows[0]["exposure"] == "60000.00"


async def test_the_csv_export_reads_the_worklist_in_chunks(shared: Harness, book: list[Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # A chunk smaller than the book: ranks and order must carry over from one chunk's transaction to the next.
    original = service.whole_ranking
    monkeypatch.setattr(service, "whole_ranking", lambda *args, **kwargs: original(*args, **kwargs, chunk_size=5))
    assert [row["debt_id"] for row in await _export(shared)] == [debt_id for _, debt_id, _ in book]


async def test_the_csv_export_takes_the_lists_filters(shared: Harness, book: list[Any]) -> None:
    assert [(row["rank"], row["currency"]) for row in await _export(shared, "?currency=USD")] == [("1", "USD")]
    p4 = await _export(shared, "?tier=P4")
    assert [row["debt_id"] for row in p4] == [debt_id for _, debt_id, tier in book if tier == "P4"]
    refused = await shared.client.get("/v1/priorities.csv?tier=P9", headers=COLLECTOR)
    assert refused.status_code == 422
