"""Issue 3's bad input, each its own case: a 422 problem+json naming the field, nothing stored, nothing echoed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from debtflow.intake.payments.models import Payment
from support import POSTGRES_URL, fresh_database
from support.harness import Harness, harness
from support.intake import (
    LENDER,
    PHONE,
    borrower,
    default,
    full_default,
    get_debt,
    payment,
    register,
    stored_nothing,
)
from support.problems import assert_problem, fields_of


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db_kind(request: pytest.FixtureRequest) -> str:
    """Module-wide here: the many refusal cases share one service per database, since none may store anything."""
    if request.param == "postgres" and not POSTGRES_URL:
        pytest.skip("DEBTFLOW_TEST_POSTGRES_URL is not set")
    return str(request.param)


@pytest.fixture(scope="module")
async def shared(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """A service with nothing stored, shared by every case of this module that must store nothing."""
    async with fresh_database(db_kind, tmp_path_factory.mktemp("intake")) as url, harness("intake", url) as running:
        yield running


@pytest.fixture(scope="module")
async def paid(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Harness, Any]]:
    """A service holding one debt with one payment (PAY-1, 100.00), shared by the refused payments and reversals."""
    async with fresh_database(db_kind, tmp_path_factory.mktemp("intake")) as url, harness("intake", url) as running:
        await register(running)
        await running.client.post("/v1/payments", json=payment(), headers=LENDER)
        [debt] = (await running.client.get("/v1/debts", headers=LENDER)).json()["items"]
        assert (debt["total_outstanding"], debt["version"]) == ("1050.00", 2)
        yield running, debt


async def unchanged(intake: Harness, debt: dict[str, Any]) -> None:
    assert await get_debt(intake, debt["id"]) == debt
    assert await intake.count(Payment) == 1
    assert await intake.outbox_count() == 2 + 1  # debt and borrower registered, one payment received


def without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != field}


BAD_DEFAULTS = [
    pytest.param(full_default(principal_outstanding="-5.00"), "principal_outstanding", id="negative-money"),
    pytest.param(full_default(disbursed_amount="-1500.00"), "disbursed_amount", id="negative-disbursed-amount"),
    pytest.param(full_default(interest_outstanding="one hundred"), "interest_outstanding", id="non-numeric-money"),
    pytest.param(full_default(penalty_interest_outstanding=True), "penalty_interest_outstanding",
                 id="boolean-money"),
    pytest.param(full_default(fees_outstanding="20.001"), "fees_outstanding", id="more-than-two-decimals"),
    pytest.param(full_default(instalments=[{"sequence": 1, "due_date": "2026-02-15", "principal": "300.005"}]),
                 "instalments.0.principal", id="instalment-with-three-decimals"),
    pytest.param(full_default(currency="ABC"), "currency", id="unknown-currency"),
    pytest.param(full_default(first_unpaid_due_date="2026-11-28", as_of_date="2026-11-27"), "first_unpaid_due_date",
                 id="due-date-after-as-of-date"),
    pytest.param(full_default(disbursed_on="2026-09-01", maturity_date="2026-08-15"), "maturity_date",
                 id="disbursement-after-maturity"),
    pytest.param(full_default(disbursed_on="2026-11-28", as_of_date="2026-11-27", maturity_date="2027-11-28"),
                 "disbursed_on", id="disbursed-after-as-of-date"),
    pytest.param(full_default(disbursed_amount="999.99"), "principal_outstanding",
                 id="outstanding-principal-above-disbursed-amount"),
    pytest.param(full_default(borrower=borrower(id_number="110105194912310021")), "borrower.id_number",
                 id="identity-check-character"),
    pytest.param(full_default(borrower=borrower(id_number="11010519491332002X")), "borrower.id_number",
                 id="identity-birth-date"),
    pytest.param(full_default(borrower=borrower(id_type="passport", id_number="E-123/456")), "borrower.id_number",
                 id="passport-number-with-punctuation"),
    pytest.param(full_default(borrower=borrower(id_type="passport", id_number="E１２３４５６")), "borrower.id_number",
                 id="passport-number-with-full-width-digits"),
    pytest.param(full_default(borrower=borrower(id_number="１１０１０５１９４９１２３１００２X")), "borrower.id_number",
                 id="resident-id-with-full-width-digits"),
    pytest.param(full_default(borrower=borrower(name="Zhang\u202eSan")), "borrower.name", id="name-with-bidi-override"),
    pytest.param(full_default(borrower=borrower(address="1 Road\x00")), "borrower.address", id="address-with-nul"),
    pytest.param(full_default(principal_outstanding="1_000"), "principal_outstanding", id="amount-with-underscore"),
    pytest.param(full_default(principal_outstanding=9007199254740993), "principal_outstanding",
                 id="amount-beyond-float-precision"),
    pytest.param(full_default(first_unpaid_due_date="0001-01-01"), "first_unpaid_due_date", id="due-in-year-1"),
    pytest.param(full_default(first_unpaid_due_date="2026-01-01T00:00:00"), "first_unpaid_due_date",
                 id="due-as-a-datetime"),
    pytest.param(full_default(borrower=borrower(phones=["+86138001380009999"])), "borrower.phones.0",
                 id="phone-too-long"),
    pytest.param(full_default(borrower=borrower(phones=[PHONE, "138-0013"])), "borrower.phones.1",
                 id="national-phone-too-short"),
    pytest.param(full_default(borrower=borrower(emails=["zhang at example.com"])), "borrower.emails.0",
                 id="malformed-email"),
    pytest.param(full_default(borrower=borrower(timezone="China/Beijing")), "borrower.timezone",
                 id="unknown-time-zone"),
    pytest.param(full_default(borrower=borrower(date_of_birth="2099-01-01")), "borrower.date_of_birth",
                 id="birth-in-the-future"),
    pytest.param(full_default(nickname="Lao Zhang"), "nickname", id="unknown-top-level-field"),
    pytest.param(full_default(borrower=borrower(nickname="Lao Zhang")), "borrower.nickname",
                 id="unknown-borrower-field"),
    pytest.param(full_default(instalments=[{"sequence": 1, "due_date": "2026-02-15", "principal": "1.00",
                                            "penalty": "1.00"}]), "instalments.0.penalty",
                 id="unknown-instalment-field"),
    pytest.param(without(full_default(), "loan_id"), "loan_id", id="missing-loan-id"),
    pytest.param(without(full_default(), "borrower_id"), "borrower_id", id="missing-borrower-id"),
    pytest.param(without(full_default(), "as_of_date"), "as_of_date", id="missing-as-of-date"),
    pytest.param(without(full_default(), "principal_outstanding"), "principal_outstanding",
                 id="missing-principal"),
    pytest.param(without(full_default(), "first_unpaid_due_date"), "first_unpaid_due_date",
                 id="missing-first-unpaid-due-date"),
    pytest.param(full_default(instalments=[{"sequence": 1, "due_date": "2026-03-15", "principal": "10.00"}]),
                 "instalments", id="schedule-disagrees-with-first-unpaid-due-date"),
    pytest.param(full_default(instalments=[{"sequence": 1, "due_date": "2026-02-15", "principal": "600.00"},
                                           {"sequence": 2, "due_date": "2026-03-15", "principal": "600.00"}]),
                 "instalments", id="schedule-principal-above-outstanding"),
    pytest.param(full_default(instalments=[{"sequence": 1, "due_date": "2026-02-15", "principal": "1.00"},
                                           {"sequence": 1, "due_date": "2026-03-15", "principal": "1.00"}]),
                 "instalments", id="repeated-instalment-sequence"),
    pytest.param(full_default(product="mortgage"), "product", id="unknown-product"),
    pytest.param(full_default(contract_rate="-0.1"), "contract_rate", id="negative-rate"),
]


@pytest.mark.parametrize(("body", "field"), BAD_DEFAULTS)
async def test_a_bad_default_is_refused_naming_the_field_and_nothing_is_stored(
    shared: Harness, body: dict[str, Any], field: str
) -> None:
    response = await shared.client.post("/v1/defaults", json=body, headers=LENDER)
    problem = assert_problem(response, 422, "validation-error")
    assert field in fields_of(problem), problem
    assert field in problem["detail"]
    assert all(error["rule"] and error["message"] for error in problem["errors"])
    await stored_nothing(shared)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(full_default(borrower=borrower(id_number="110105194912310021")), id="identity-number"),
        pytest.param(full_default(borrower=borrower(phones=["+86 138 0013 80009999"])), id="phone"),
        pytest.param(full_default(borrower=borrower(emails=["zhang.sanfeng at example.com"])), id="email"),
    ],
)
async def test_a_refused_personal_value_is_not_echoed_back(shared: Harness, body: dict[str, Any]) -> None:
    response = await shared.client.post("/v1/defaults", json=body, headers=LENDER)
    assert_problem(response, 422)
    for value in ("110105194912310021", "80009999", "zhang.sanfeng", "张三丰"):
        assert value not in response.text


async def test_a_body_that_is_not_json_is_415(shared: Harness) -> None:
    response = await shared.client.post("/v1/defaults", content=b"loan_id=LN-1",
                                        headers={**LENDER, "Content-Type": "text/plain"})
    assert_problem(response, 415, "unsupported-media-type")
    await stored_nothing(shared)


async def test_malformed_json_is_422_with_its_position(shared: Harness) -> None:
    response = await shared.client.post("/v1/defaults", content=json.dumps(default())[:-5].encode(),
                                        headers={**LENDER, "Content-Type": "application/json"})
    problem = assert_problem(response, 422, "validation-error")
    assert [error["rule"] for error in problem["errors"]] == ["json_invalid"]
    await stored_nothing(shared)


def _paid_in(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


BAD_PAYMENTS = [
    pytest.param(payment(amount="-10.00"), "amount", id="negative-amount"),
    pytest.param(payment(amount="0.00"), "amount", id="zero-amount"),
    pytest.param(payment(amount="ten"), "amount", id="non-numeric-amount"),
    pytest.param(payment(amount="10.005"), "amount", id="more-than-two-decimals"),
    pytest.param(payment(currency="ZZZ"), "currency", id="unknown-currency"),
    pytest.param(payment(paid_at="2026-11-28T09:15:00"), "paid_at", id="paid-at-without-time-zone"),
    pytest.param(payment(paid_at=_paid_in(60)), "paid_at", id="paid-in-the-future"),
    pytest.param(payment(channel="Bank Transfer"), "channel", id="malformed-channel"),
    pytest.param(payment(note="thanks"), "note", id="unknown-field"),
    pytest.param(without(payment(), "payment_id"), "payment_id", id="missing-payment-id"),
    pytest.param(without(payment(), "paid_at"), "paid_at", id="missing-paid-at"),
]


@pytest.mark.parametrize(("body", "field"), BAD_PAYMENTS)
async def test_a_bad_payment_is_refused_naming_the_field_and_nothing_changes(
    paid: tuple[Harness, Any], body: dict[str, Any], field: str
) -> None:
    intake, debt = paid
    response = await intake.client.post("/v1/payments", json={**body, "payment_id": "PAY-2"}
                                        if "payment_id" in body else body, headers=LENDER)
    problem = assert_problem(response, 422, "validation-error")
    assert field in fields_of(problem), problem
    await unchanged(intake, debt)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"reason_code": "Bounced!"}, "reason_code", id="malformed-reason"),
        pytest.param({}, "reason_code", id="missing-reason"),
        pytest.param({"reason_code": "bounced", "note": "x"}, "note", id="unknown-field"),
    ],
)
async def test_a_bad_reversal_is_refused_naming_the_field(paid: tuple[Harness, Any], body: dict[str, Any],
                                                         field: str) -> None:
    intake, debt = paid
    response = await intake.client.post("/v1/payments/PAY-1/reversal", json=body, headers=LENDER)
    problem = assert_problem(response, 422, "validation-error")
    assert field in fields_of(problem)
    await unchanged(intake, debt)
