"""Intake over HTTP on SQLite and PostgreSQL: registering defaults, idempotency, announcements and bad input."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from debtflow.common.events import BorrowerRegistered, DebtRegistered
from debtflow.intake.debts.models import Debt
from support import token
from support.harness import Harness

LENDER = token("lender")
OTHER_LENDER = token("lender", subject="lending-core-b")
STAFF = token("supervisor", subject="supervisor-1")
TODAY = date.today()


def default(**overrides: Any) -> dict[str, Any]:
    return {
        "loan_id": "LN-2026-000123", "borrower_id": "BR-88812", "currency": "CNY",
        "principal_outstanding": "12000.00", "interest_outstanding": "350.40", "fees_outstanding": "50.00",
        "first_unpaid_due_date": "2026-02-15", "as_of_date": "2026-11-27", **overrides,
    }



async def test_a_default_is_registered_with_exact_amounts(intake: Harness) -> None:
    response = await intake.client.post("/v1/defaults", json=default(interest_outstanding="350.4"), headers=LENDER)
    assert response.status_code == 201, response.text
    debt = response.json()
    assert response.headers["location"] == f"/v1/debts/{debt['id']}"
    assert {key: debt[key] for key in ("principal_outstanding", "interest_outstanding", "fees_outstanding",
                                       "total_outstanding")} == {
        "principal_outstanding": "12000.00", "interest_outstanding": "350.40", "fees_outstanding": "50.00",
        "total_outstanding": "12400.40",
    }
    assert (debt["source_system"], debt["loan_id"], debt["borrower_id"], debt["currency"]) == (
        "lending-core-a", "LN-2026-000123", "BR-88812", "CNY"
    )
    assert (debt["first_unpaid_due_date"], debt["as_of_date"], debt["status"]) == ("2026-02-15", "2026-11-27", "open")

    fetched = await intake.client.get(response.headers["location"], headers=LENDER)
    assert fetched.status_code == 200
    assert fetched.json() == debt


async def test_amounts_sent_as_json_numbers_stay_exact(intake: Harness) -> None:
    response = await intake.client.post(
        "/v1/defaults",
        json=default(principal_outstanding=0.1, interest_outstanding=0.2, fees_outstanding=1234567890123.45),
        headers=LENDER,
    )
    assert response.status_code == 201, response.text
    assert response.json()["total_outstanding"] == "1234567890123.75"


async def test_the_registration_is_announced_once(intake: Harness) -> None:
    response = await intake.client.post("/v1/defaults", json=default(), headers=LENDER)
    assert response.status_code == 201, response.text
    debt = response.json()
    await intake.settled()

    records = [record for record in intake.broker.records("debtflow.intake.events")
               if record.header("ce_type") == "debtflow.debt.registered.v1"]
    assert len(records) == 1
    assert records[0].key == debt["id"].encode()
    [event] = intake.emitted(DebtRegistered)
    [borrower] = intake.emitted(BorrowerRegistered)
    assert borrower.subject == "BR-88812"
    assert (event.type, event.subject, event.source) == ("debtflow.debt.registered.v1", debt["id"], "/services/intake")
    payload = event.data
    assert isinstance(payload, DebtRegistered)
    assert payload.model_dump(mode="json", exclude={"registered_at"}) == {
        "debt_id": debt["id"], "borrower_id": "BR-88812", "source_system": "lending-core-a",
        "loan_id": "LN-2026-000123", "currency": "CNY", "principal_outstanding": "12000.00",
        "interest_outstanding": "350.40", "fees_outstanding": "50.00", "total_outstanding": "12400.40",
        "first_unpaid_due_date": "2026-02-15", "as_of_date": "2026-11-27",
        "penalty_interest_outstanding": "0.00", "product": None, "version": 1,
    }
    outbox = intake.runtime.definition.messaging.outbox
    async with intake.runtime.sessions() as session:
        [row] = (await session.execute(select(outbox).where(outbox.c.event_id == event.id))).all()
    assert (row.event_id, row.event_type, row.message_key) == (event.id, event.type, debt["id"])
    assert row.published_at is not None
    assert row.envelope.encode() == records[0].value


async def test_posting_a_registered_loan_again_returns_it_unchanged_and_announces_nothing(intake: Harness) -> None:
    first = await intake.client.post("/v1/defaults", json=default(), headers=LENDER)
    assert first.status_code == 201, first.text
    again = await intake.client.post("/v1/defaults", json=default(), headers=LENDER)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    changed = await intake.client.post("/v1/defaults", json=default(principal_outstanding="1.00"), headers=LENDER)
    assert changed.status_code == 200, changed.text
    assert changed.json() == first.json()

    await intake.settled()
    assert await intake.count(Debt) == 1
    assert await intake.outbox_count() == 2  # the debt and, the first time, its borrower
    assert len(intake.emitted(DebtRegistered)) == 1


async def test_the_same_loan_id_from_another_lending_core_is_another_debt(intake: Harness) -> None:
    ours = await intake.client.post("/v1/defaults", json=default(), headers=LENDER)
    theirs = await intake.client.post("/v1/defaults", json=default(), headers=OTHER_LENDER)
    assert (ours.status_code, theirs.status_code) == (201, 201), theirs.text
    assert ours.json()["id"] != theirs.json()["id"]
    assert theirs.json()["source_system"] == "lending-core-b"
    await intake.settled()
    assert sorted(event.data.source_system for event in intake.emitted(DebtRegistered)) == [
        "lending-core-a", "lending-core-b"
    ]


async def test_concurrent_duplicate_posts_register_one_debt_and_one_event(intake: Harness) -> None:
    responses = await asyncio.gather(
        *(intake.client.post("/v1/defaults", json=default(), headers=LENDER) for _ in range(10))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 9 + [201], [response.text for response in responses]
    assert len({response.json()["id"] for response in responses}) == 1
    await intake.settled()
    assert await intake.count(Debt) == 1
    assert await intake.outbox_count() == 2  # the debt and, the first time, its borrower
    assert len(intake.emitted(DebtRegistered)) == 1


@pytest.mark.parametrize(
    ("reader", "status"),
    [
        pytest.param(LENDER, 200, id="the-lending-core-that-registered-it"),
        pytest.param(STAFF, 200, id="staff"),
        pytest.param(token("collector", subject="collector-1"), 200, id="collector"),
        pytest.param(OTHER_LENDER, 404, id="another-lending-core"),
        pytest.param({}, 401, id="no-token"),
    ],
)
async def test_reading_a_debt(intake: Harness, reader: dict[str, str], status: int) -> None:
    created = await intake.client.post("/v1/defaults", json=default(), headers=LENDER)
    response = await intake.client.get(created.headers["location"], headers=reader)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json() == created.json()
    else:
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_unknown_debt_is_not_found(intake: Harness) -> None:
    response = await intake.client.get(f"/v1/debts/{uuid.uuid4()}", headers=STAFF)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 401, id="no-token"),
        pytest.param({"Authorization": "Bearer not-a-token"}, 401, id="bad-token"),
        pytest.param(token("collector"), 403, id="collector-may-not-register"),
    ],
)
async def test_only_lending_cores_register_defaults(intake: Harness, headers: dict[str, str], status: int) -> None:
    response = await intake.client.post("/v1/defaults", json=default(), headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await intake.count(Debt) == 0


def _without(field: str) -> dict[str, Any]:
    body = default()
    del body[field]
    return body


BAD_DEFAULTS = [
    pytest.param(default(principal_outstanding="-1.00"), "principal_outstanding", id="negative-money"),
    pytest.param(default(interest_outstanding="twelve"), "interest_outstanding", id="non-numeric-money"),
    pytest.param(default(fees_outstanding="1.234"), "fees_outstanding", id="three-decimals"),
    pytest.param(default(currency="XYZ"), "currency", id="unknown-currency"),
    pytest.param(default(currency="cny"), "currency", id="lowercase-currency"),
    pytest.param(default(currency="KWD"), "currency", id="currency-with-three-minor-units"),
    pytest.param(default(first_unpaid_due_date="2026-11-28", as_of_date="2026-11-27"), "first_unpaid_due_date",
                 id="due-date-after-as-of-date"),
    pytest.param(default(as_of_date=(TODAY + timedelta(days=5)).isoformat(),
                         first_unpaid_due_date=TODAY.isoformat()), "as_of_date", id="as-of-date-in-the-future"),
    pytest.param(_without("loan_id"), "loan_id", id="missing-loan-id"),
    pytest.param(default(nickname="Lao Wang"), "nickname", id="unknown-field"),
    pytest.param(default(principal_outstanding="0.00", interest_outstanding="0", fees_outstanding="0.00"), "body",
                 id="all-balances-zero"),
    pytest.param(default(loan_id="LN 2026 000123"), "loan_id", id="loan-id-with-spaces"),
    pytest.param(default(currency="JPY", principal_outstanding="12000.50"), "principal_outstanding",
                 id="jpy-with-decimals"),
    pytest.param(default(principal_outstanding="12345678901234567.00"), "principal_outstanding",
                 id="seventeen-integer-digits"),
    pytest.param(default(principal_outstanding=1234567890123456.7), "principal_outstanding",
                 id="json-number-with-too-many-digits"),
    pytest.param(default(first_unpaid_due_date="2026-02-30"), "first_unpaid_due_date", id="impossible-date"),
]


@pytest.mark.parametrize(("body", "field"), BAD_DEFAULTS)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    intake: Harness, body: dict[str, Any], field: str
) -> None:
    response = await intake.client.post("/v1/defaults", json=body, headers=LENDER)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:debtflow:problem:validation-error"
    assert field in {error["field"] for error in problem["errors"]}, problem
    assert all(error["rule"] for error in problem["errors"])
    assert await intake.count(Debt) == 0
    assert await intake.outbox_count() == 0


async def test_balances_that_fit_one_by_one_but_not_in_total_are_refused_not_a_server_error(intake: Harness) -> None:
    # Each balance has 16 integer digits (allowed); their total has 17, which no debt or event can carry.
    body = default(principal_outstanding="9999999999999999.99", interest_outstanding="1.00", fees_outstanding="0")
    response = await intake.client.post("/v1/defaults", json=body, headers=LENDER)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await intake.count(Debt) == 0
    assert await intake.outbox_count() == 0


async def test_a_body_that_is_not_json_content_is_refused_with_415(intake: Harness) -> None:
    response = await intake.client.post(
        "/v1/defaults", content=b"loan_id=LN-1&borrower_id=BR-1",
        headers={**LENDER, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:debtflow:problem:unsupported-media-type"
    assert await intake.count(Debt) == 0


async def test_malformed_json_is_refused_with_422(intake: Harness) -> None:
    response = await intake.client.post(
        "/v1/defaults", content=b'{"loan_id": "LN-1", "borrower_id": ', headers={**LENDER, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["rule"] for error in response.json()["errors"]] == ["json_invalid"]
    assert await intake.count(Debt) == 0
    assert await intake.outbox_count() == 0


async def test_amounts_are_stored_exactly(intake: Harness) -> None:
    response = await intake.client.post(
        "/v1/defaults", json=default(principal_outstanding="9999999999999.99", interest_outstanding="0.01", fees_outstanding="0"),
        headers=LENDER,
    )
    assert response.status_code == 201, response.text
    async with intake.runtime.sessions() as session:
        debt = await session.get(Debt, uuid.UUID(response.json()["id"]))
    assert debt is not None
    assert debt.principal_outstanding == Decimal("9999999999999.99")
    assert debt.total_outstanding == Decimal("10000000000000.00")
