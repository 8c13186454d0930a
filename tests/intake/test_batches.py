"""Batch endpoints: JSON, NDJSON and CSV, per-item results with line numbers, chunked commits, safe retries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from debtflow.common.events import DebtRegistered, PaymentReceived
from debtflow.intake.borrowers.models import Borrower
from debtflow.intake.debts.models import Debt
from debtflow.intake.debts.schemas import DEFAULT_CSV_COLUMNS
from debtflow.intake.payments.models import Payment
from debtflow.intake.payments.schemas import PAYMENT_CSV_COLUMNS
from support.harness import Harness, harness
from support.intake import (
    LENDER,
    PHONE,
    SUPERVISOR,
    csv_text,
    default,
    get_borrower,
    get_debt,
    ndjson,
    payment,
    post_batch,
    register,
    stored_nothing,
)
from support.problems import assert_problem

DEFAULTS = "/v1/defaults:batch"
PAYMENTS = "/v1/payments:batch"



def csv_default(loan_id: str, **cells: str) -> dict[str, str]:
    row = {"loan_id": loan_id, "borrower_id": "BR-1", "currency": "CNY", "as_of_date": "2026-11-27",
           "principal_outstanding": "1000.00", "interest_outstanding": "100.00",
           "penalty_interest_outstanding": "30.00", "fees_outstanding": "20.00",
           "first_unpaid_due_date": "2026-02-15"}
    return {**row, **cells}


async def test_a_json_array_of_defaults_is_registered_with_results_in_order(intake: Harness) -> None:
    result = await post_batch(intake, DEFAULTS, [default("LN-1"), default("LN-2", borrower_id="BR-2"),
                                                 default("LN-3")])
    assert (result["received"], result["outcomes"]) == (3, {"created": 3})
    assert [(item["line"], item["key"], item["outcome"], item["problem"]) for item in result["results"]] == [
        (1, "LN-1", "created", None), (2, "LN-2", "created", None), (3, "LN-3", "created", None)]
    for item in result["results"]:
        assert (await get_debt(intake, item["id"]))["loan_id"] == item["key"]
    assert await intake.count(Debt) == 3
    assert await intake.count(Borrower) == 2
    await intake.settled()
    assert len(intake.emitted(DebtRegistered)) == 3


async def test_one_loan_twice_in_a_batch_is_one_debt(intake: Harness) -> None:
    result = await post_batch(intake, DEFAULTS, [
        default(), default(principal_outstanding="5.00"), default(as_of_date="2026-11-28", principal_outstanding="900.00"),
    ])
    assert [item["outcome"] for item in result["results"]] == ["created", "unchanged", "updated"]
    assert len({item["id"] for item in result["results"]}) == 1
    debt = await get_debt(intake, result["results"][0]["id"])
    assert (debt["version"], debt["principal_outstanding"], debt["as_of_date"]) == (2, "900.00", "2026-11-28")
    assert await intake.count(Debt) == 1
    history = (await intake.client.get(f"/v1/debts/{debt['id']}/history", headers=SUPERVISOR)).json()["items"]
    assert [(entry["version"], entry["cause"], entry["total_change"]) for entry in history] == [
        (1, "registered", "1150.00"), (2, "default_update", "-100.00")]


async def test_ndjson_reports_a_malformed_line_by_number_and_processes_the_rest(intake: Harness) -> None:
    body = ndjson([default("LN-1"), "", '{"loan_id": "LN-2", "borrower_id": ', default("LN-3"), "[1]"])
    result = await post_batch(intake, DEFAULTS, body, content_type="application/x-ndjson")
    assert result["received"] == 4
    assert result["outcomes"] == {"created": 2, "rejected": 2}
    assert [(item["line"], item["outcome"]) for item in result["results"]] == [
        (1, "created"), (3, "rejected"), (4, "created"), (5, "rejected")]
    malformed = result["results"][1]["problem"]
    assert malformed["type"] == "urn:debtflow:problem:malformed-item"
    assert malformed["detail"].startswith("line 3: malformed JSON")
    assert await intake.count(Debt) == 2


async def test_an_ndjson_address_with_a_unicode_line_separator_is_registered(intake: Harness) -> None:
    # Valid JSON may carry U+2028 unescaped (json.dumps(..., ensure_ascii=False) does); it does not end the line.
    item = default("LN-1", borrower={"address": "上海市浦东新区\u2028世纪大道100号"})
    body = (json.dumps(item, ensure_ascii=False) + "\n" + json.dumps(default("LN-2")) + "\n").encode()
    result = await post_batch(intake, DEFAULTS, body, content_type="application/x-ndjson")
    assert [(item["line"], item["key"], item["outcome"]) for item in result["results"]] == [
        (1, "LN-1", "created"), (2, "LN-2", "created")]
    assert (await get_borrower(intake, "BR-1"))["address"] == "上海市浦东新区\u2028世纪大道100号"


async def test_an_invalid_item_names_its_line_and_field_and_the_rest_is_registered(intake: Harness) -> None:
    result = await post_batch(intake, DEFAULTS, [
        default("LN-1"), default("LN-2", fees_outstanding="1.234", borrower_id="BR-2"), default("LN-3", nickname="x"),
        "not an object", default("LN-5"),
    ])
    assert [(item["line"], item["key"], item["outcome"]) for item in result["results"]] == [
        (1, "LN-1", "created"), (2, "LN-2", "rejected"), (3, "LN-3", "rejected"), (4, None, "rejected"),
        (5, "LN-5", "created")]
    second, third = result["results"][1]["problem"], result["results"][2]["problem"]
    assert (second["type"], second["status"]) == ("urn:debtflow:problem:validation-error", 422)
    assert second["detail"] == "line 2: invalid fees_outstanding"
    assert [error["field"] for error in second["errors"]] == ["fees_outstanding"]
    assert [error["field"] for error in third["errors"]] == ["nickname"]
    assert await intake.count(Debt) == 2
    assert await intake.count(Borrower) == 1  # the rejected item's borrower was not stored


async def test_csv_with_the_documented_header(intake: Harness) -> None:
    rows = [
        csv_default("LN-1", product="cash_loan", collateralised="true", borrower_name="李四",
                    borrower_id_type="resident_id", borrower_id_number="11010519491231002X",
                    borrower_phones=f"{PHONE};+86 139 0013 9000", borrower_emails="li.si@example.com",
                    borrower_timezone="Asia/Shanghai"),
        csv_default("LN-2", borrower_id="BR-2", disbursed_amount="2000.00", disbursed_on="2025-01-10",
                    maturity_date="2026-01-10", contract_rate="0.18"),
    ]
    result = await post_batch(intake, DEFAULTS, csv_text(DEFAULT_CSV_COLUMNS, rows), content_type="text/csv")
    assert [(item["line"], item["key"], item["outcome"]) for item in result["results"]] == [
        (2, "LN-1", "created"), (3, "LN-2", "created")]
    first = await get_debt(intake, result["results"][0]["id"])
    assert (first["product"], first["collateralised"], first["total_outstanding"]) == ("cash_loan", True, "1150.00")
    second = await get_debt(intake, result["results"][1]["id"])
    assert (second["disbursed_amount"], second["contract_rate"], second["maturity_date"]) == (
        "2000.00", "0.180000", "2026-01-10")
    borrower = await get_borrower(intake, "BR-1")
    assert (borrower["name"], borrower["phones"], borrower["emails"], borrower["timezone"]) == (
        "李四", [PHONE, "+8613900139000"], ["li.si@example.com"], "Asia/Shanghai")


async def test_a_malformed_csv_line_is_reported_by_number_and_the_rest_is_registered(intake: Harness) -> None:
    good = csv_text(DEFAULT_CSV_COLUMNS, [csv_default("LN-1"), csv_default("LN-3")]).decode().splitlines()
    body = "\n".join([good[0], good[1], "LN-2,BR-1,too,few,cells", good[2], ""]).encode()
    result = await post_batch(intake, DEFAULTS, body, content_type="text/csv")
    assert [(item["line"], item["outcome"]) for item in result["results"]] == [
        (2, "created"), (3, "rejected"), (4, "created")]
    problem = result["results"][1]["problem"]
    assert problem["detail"] == f"line 3: expected {len(DEFAULT_CSV_COLUMNS)} fields, found 5"
    assert await intake.count(Debt) == 2


async def test_an_invalid_csv_value_names_its_line_and_field(intake: Harness) -> None:
    rows = [csv_default("LN-1", borrower_phones="138-0013"), csv_default("LN-2", collateralised="perhaps")]
    result = await post_batch(intake, DEFAULTS, csv_text(DEFAULT_CSV_COLUMNS, rows), content_type="text/csv")
    assert [(item["line"], item["outcome"]) for item in result["results"]] == [(2, "rejected"), (3, "rejected")]
    assert [error["field"] for error in result["results"][0]["problem"]["errors"]] == ["borrower.phones.0"]
    assert [error["field"] for error in result["results"][1]["problem"]["errors"]] == ["collateralised"]
    assert "138-0013" not in json.dumps(result)  # the refused value, possibly personal data, is not echoed
    await stored_nothing(intake)


async def test_an_unknown_csv_column_is_422_naming_it(intake: Harness) -> None:
    body = b"loan_id,borrower_id,borrower_nickname\nLN-1,BR-1,Xiao Li\n"
    response = await intake.client.post(DEFAULTS, content=body, headers={**LENDER, "Content-Type": "text/csv"})
    problem = assert_problem(response, 422, "validation-error")
    assert "borrower_nickname" in problem["detail"]
    assert [(error["field"], error["rule"]) for error in problem["errors"]] == [("body", "csv_header")]
    await stored_nothing(intake)


async def test_an_empty_batch_is_422(intake: Harness) -> None:
    for body, content_type in ((b"[]", "application/json"), (b"", "application/x-ndjson"),
                               (",".join(DEFAULT_CSV_COLUMNS).encode() + b"\n", "text/csv")):
        response = await intake.client.post(DEFAULTS, content=body, headers={**LENDER, "Content-Type": content_type})
        problem = assert_problem(response, 422, "validation-error")
        assert problem["errors"][0]["rule"] == "min_items", content_type


async def test_a_body_that_is_not_a_json_array_is_422(intake: Harness) -> None:
    for body in (json.dumps(default()).encode(), b'[{"loan_id": "LN-1",'):
        response = await intake.client.post(DEFAULTS, content=body,
                                            headers={**LENDER, "Content-Type": "application/json"})
        assert_problem(response, 422, "validation-error")
    await stored_nothing(intake)


async def test_a_wrong_content_type_is_415(intake: Harness) -> None:
    for path in (DEFAULTS, PAYMENTS, "/v1/snapshots:batch"):
        for content_type in ("text/plain", "application/xml", "multipart/form-data"):
            response = await intake.client.post(path, content=json.dumps([default()]).encode(),
                                                headers={**LENDER, "Content-Type": content_type})
            problem = assert_problem(response, 415, "unsupported-media-type")
            assert "text/csv" in problem["detail"], (path, content_type)
    await stored_nothing(intake)


async def test_only_lending_cores_post_batches(intake: Harness) -> None:
    response = await intake.client.post(DEFAULTS, json=[default()], headers=SUPERVISOR)
    assert_problem(response, 403)
    await stored_nothing(intake)


async def test_results_can_list_only_the_rejected(intake: Harness) -> None:
    result = await post_batch(intake, DEFAULTS, [default("LN-1"), default("LN-2", currency="XXX"), default("LN-3")],
                              results="rejected")
    assert (result["received"], result["outcomes"]) == (3, {"created": 2, "rejected": 1})
    assert [(item["line"], item["key"]) for item in result["results"]] == [(2, "LN-2")]


async def test_ten_thousand_defaults_in_one_request_and_a_retry_creates_nothing(intake: Harness) -> None:
    items = [default(f"LN-{number:05d}", borrower_id=f"BR-{number % 250}", principal_outstanding=f"{number + 1}.00")
             for number in range(10_000)]
    body = ndjson(items)
    first = await post_batch(intake, DEFAULTS, body, content_type="application/x-ndjson", results="rejected")
    assert first == {"received": 10_000, "outcomes": {"created": 10_000}, "results": []}
    assert await intake.count(Debt) == 10_000
    assert await intake.count(Borrower) == 250
    outbox = await intake.outbox_count()
    assert outbox == 10_250  # a registration per debt and per borrower

    again = await post_batch(intake, DEFAULTS, body, content_type="application/x-ndjson", results="rejected")
    assert again == {"received": 10_000, "outcomes": {"unchanged": 10_000}, "results": []}
    assert await intake.count(Debt) == 10_000
    assert await intake.outbox_count() == outbox
    page = (await intake.client.get("/v1/debts", params={"limit": 1, "status": "open"}, headers=SUPERVISOR)).json()
    assert page["items"][0]["version"] == 1


async def test_concurrent_retries_of_one_batch_register_each_loan_once(intake: Harness) -> None:
    items = [default(f"LN-{number}", borrower_id=f"BR-{number % 7}") for number in range(40)]
    responses = await asyncio.gather(*(intake.client.post(DEFAULTS, json=items, headers=LENDER) for _ in range(3)))
    assert [response.status_code for response in responses] == [200] * 3, [response.text for response in responses]
    created = sum(response.json()["outcomes"].get("created", 0) for response in responses)
    unchanged = sum(response.json()["outcomes"].get("unchanged", 0) for response in responses)
    assert (created, unchanged) == (40, 80)
    assert await intake.count(Debt) == 40
    assert await intake.count(Borrower) == 7
    await intake.settled()
    assert len(intake.emitted(DebtRegistered)) == 40


async def test_concurrent_batches_sharing_new_borrowers_are_all_accepted(database_url: str) -> None:
    """Eight files in flight at once, each in chunks of 25, every chunk registering borrowers that
    another file's chunk is registering too: each collision is tried again, nothing is refused or lost."""
    async with harness("intake", database_url, batch_chunk_size=25) as intake:
        files = [[default(f"LN-{batch}-{number}", borrower_id=f"BR-{(number + 7 * batch) % 150}")
                  for number in range(150)] for batch in range(8)]
        responses = await asyncio.gather(*(intake.client.post(DEFAULTS, json=items, headers=LENDER)
                                           for items in files))
        assert [response.status_code for response in responses] == [200] * 8, [r.text[:300] for r in responses]
        assert [response.json()["outcomes"] for response in responses] == [{"created": 150}] * 8
        assert await intake.count(Debt) == 1200
        assert await intake.count(Borrower) == 150


# -- payments --------------------------------------------------------------------------------------------------


async def test_a_payments_batch_judges_each_payment_on_its_own(intake: Harness) -> None:
    debt = await register(intake)
    result = await post_batch(intake, PAYMENTS, [
        payment("PAY-1", "100.00"),
        payment("PAY-2", "50.00", loan_id="LN-NOPE"),
        payment("PAY-1", "100.00"),
        payment("PAY-3", "10.00", currency="USD"),
        payment("PAY-1", "999.00"),
        payment("PAY-4", "-5.00"),
        payment("PAY-5", "20.00"),
    ])
    assert [(item["line"], item["key"], item["outcome"]) for item in result["results"]] == [
        (1, "PAY-1", "created"), (2, "PAY-2", "rejected"), (3, "PAY-1", "unchanged"), (4, "PAY-3", "rejected"),
        (5, "PAY-1", "rejected"), (6, "PAY-4", "rejected"), (7, "PAY-5", "created")]
    problems = [item["problem"] for item in result["results"] if item["problem"]]
    assert [problem["type"].rsplit(":", 1)[1] for problem in problems] == [
        "unknown-loan", "validation-error", "payment-id-reused", "validation-error"]
    assert result["results"][0]["id"] == result["results"][2]["id"]
    assert (await get_debt(intake, debt["id"]))["total_outstanding"] == "1030.00"
    await intake.settled()
    assert sorted(event.data.lending_core_payment_id for event in intake.emitted(PaymentReceived)) == ["PAY-1",
                                                                                                     "PAY-5"]
    assert await intake.count(Payment) == 2


async def test_payments_as_ndjson_and_csv_and_a_retry_changes_nothing(intake: Harness) -> None:
    debt = await register(intake)
    as_ndjson = ndjson([payment("PAY-1", "100.00"), payment("PAY-2", "50.00")])
    as_csv = csv_text(PAYMENT_CSV_COLUMNS, [payment("PAY-3", "25.00", channel="alipay")])
    first = await post_batch(intake, PAYMENTS, as_ndjson, content_type="application/x-ndjson")
    second = await post_batch(intake, PAYMENTS, as_csv, content_type="text/csv")
    assert [(item["line"], item["outcome"]) for item in first["results"] + second["results"]] == [
        (1, "created"), (2, "created"), (2, "created")]
    await intake.settled()
    published = len(intake.emitted())
    assert (await post_batch(intake, PAYMENTS, as_ndjson, content_type="application/x-ndjson"))["outcomes"] == {
        "unchanged": 2}
    assert (await post_batch(intake, PAYMENTS, as_csv, content_type="text/csv"))["outcomes"] == {"unchanged": 1}
    after = await get_debt(intake, debt["id"])
    assert (after["total_outstanding"], after["version"]) == ("975.00", 4)
    await intake.settled()
    assert len(intake.emitted()) == published


# -- limits and chunks ---------------------------------------------------------------------------------------


class TestSmallLimits:
    """A service configured for at most five items per batch."""

    @pytest.fixture
    async def intake(self, database_url: str) -> AsyncIterator[Harness]:
        async with harness("intake", database_url, batch_max_items=5) as running:
            yield running

    async def test_an_oversized_batch_is_413_and_nothing_is_stored(self, intake: Harness) -> None:
        items = [default(f"LN-{number}") for number in range(6)]
        bodies = {"application/json": json.dumps(items).encode(), "application/x-ndjson": ndjson(items),
                  "text/csv": csv_text(DEFAULT_CSV_COLUMNS, [csv_default(f"LN-{n}") for n in range(6)])}
        for content_type, body in bodies.items():
            response = await intake.client.post(DEFAULTS, content=body,
                                                headers={**LENDER, "Content-Type": content_type})
            problem = assert_problem(response, 413, "payload-too-large")
            assert "5" in problem["detail"] and "6" in problem["detail"], content_type
        await stored_nothing(intake)

    async def test_an_oversized_payments_batch_is_413(self, intake: Harness) -> None:
        await register(intake)
        response = await intake.client.post(PAYMENTS, json=[payment(f"PAY-{n}", "1.00") for n in range(6)],
                                            headers=LENDER)
        assert_problem(response, 413, "payload-too-large")
        assert await intake.count(Payment) == 0

    async def test_the_limit_itself_is_accepted(self, intake: Harness) -> None:
        result = await post_batch(intake, DEFAULTS, [default(f"LN-{number}") for number in range(5)])
        assert result["outcomes"] == {"created": 5}


class TestSmallChunks:
    """A service committing three batch items per transaction."""

    @pytest.fixture
    async def intake(self, database_url: str) -> AsyncIterator[Harness]:
        async with harness("intake", database_url, batch_chunk_size=3) as running:
            yield running

    async def test_a_ten_item_batch_commits_every_chunk(self, intake: Harness) -> None:
        result = await post_batch(intake, DEFAULTS, [default(f"LN-{n}", borrower_id=f"BR-{n % 4}") for n in range(10)])
        assert result["outcomes"] == {"created": 10}
        assert [item["line"] for item in result["results"]] == list(range(1, 11))
        assert await intake.count(Debt) == 10
        assert await intake.count(Borrower) == 4
        await intake.settled()
        assert len(intake.emitted(DebtRegistered)) == 10
        again = await post_batch(intake, DEFAULTS, [default(f"LN-{n}", borrower_id=f"BR-{n % 4}") for n in range(10)])
        assert again["outcomes"] == {"unchanged": 10}

    async def test_one_bad_default_loses_no_other(self, intake: Harness) -> None:
        items = [default(f"LN-{n}") for n in range(10)]
        items[4] = default("LN-4", as_of_date="2099-01-01")
        result = await post_batch(intake, DEFAULTS, items)
        assert result["outcomes"] == {"created": 9, "rejected": 1}
        assert [(item["line"], item["outcome"]) for item in result["results"]][3:6] == [
            (4, "created"), (5, "rejected"), (6, "created")]
        assert await intake.count(Debt) == 9
        await intake.settled()
        assert len(intake.emitted(DebtRegistered)) == 9

    async def test_a_failing_payment_in_a_chunk_does_not_undo_its_neighbours(self, intake: Harness) -> None:
        debt = await register(intake)
        items = [payment(f"PAY-{n}", "10.00") for n in range(10)]
        items[1] = payment("PAY-1", "10.00", loan_id="LN-NOPE")
        items[5] = payment("PAY-5", "10.00", currency="EUR")
        result = await post_batch(intake, PAYMENTS, items)
        assert [item["outcome"] for item in result["results"]] == [
            "created", "rejected", "created", "created", "created", "rejected", "created", "created", "created",
            "created"]
        after = await get_debt(intake, debt["id"])
        assert (after["total_outstanding"], after["version"]) == ("1070.00", 9)
        await intake.settled()
        assert [event.data.lending_core_payment_id for event in intake.emitted(PaymentReceived)] == [
            f"PAY-{n}" for n in (0, 2, 3, 4, 6, 7, 8, 9)]
        assert await intake.count(Payment) == 8


class TestByteLimit:
    @pytest.fixture
    async def intake(self, database_url: str) -> AsyncIterator[Harness]:
        async with harness("intake", database_url, batch_max_bytes=2048) as running:
            yield running

    async def test_a_body_over_the_byte_limit_is_413(self, intake: Harness) -> None:
        items: list[Any] = [default(f"LN-{number}") for number in range(20)]
        response = await intake.client.post(DEFAULTS, json=items, headers=LENDER)
        assert_problem(response, 413, "payload-too-large")
        await stored_nothing(intake)
