"""Borrowers' phones as lending cores send them (national format of the phone region) stored and searched as E.164."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from debtflow.intake.debts.schemas import DEFAULT_CSV_COLUMNS
from debtflow.intake.settings import IntakeSettings
from support.harness import Harness, harness
from support.intake import (
    LENDER,
    OTHER_PHONE,
    PHONE,
    PII_READER,
    borrower,
    csv_text,
    default,
    full_default,
    get_borrower,
    post_batch,
    register,
    stored_nothing,
)
from support.problems import assert_problem

REFUSAL_CN = "not a valid phone number for region CN; send E.164 such as +8613123456789"


async def search(intake: Harness, phone: str) -> list[str]:
    response = await intake.client.post("/v1/borrowers:search", json={"phone": phone}, headers=PII_READER)
    assert response.status_code == 200, response.text
    return [found["borrower_id"] for found in response.json()["items"]]


def refusals(problem: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {error["field"]: (error["rule"], error["message"]) for error in problem["errors"]}


async def test_national_spellings_of_one_phone_are_stored_once_as_e164(intake: Harness) -> None:
    await register(intake, full_default(borrower=borrower(phones=["13800138000", "138-0013-8000"])))
    assert (await get_borrower(intake))["phones"] == [PHONE]


async def test_a_phone_that_is_not_valid_is_422_naming_its_place_in_the_list(intake: Harness) -> None:
    body = full_default(borrower=borrower(phones=["139-0013-9000", "138-0013"]))
    response = await intake.client.post("/v1/defaults", json=body, headers=LENDER)
    problem = assert_problem(response, 422, "validation-error", fields={"borrower.phones.1"})
    assert refusals(problem) == {"borrower.phones.1": ("phone_number", REFUSAL_CN)}
    assert "138-0013" not in response.text and "1380013" not in response.text
    await stored_nothing(intake)


async def test_a_csv_batch_with_national_phones_stores_e164(intake: Harness) -> None:
    row = {"loan_id": "LN-1", "borrower_id": "BR-1", "currency": "CNY", "as_of_date": "2026-11-27",
           "principal_outstanding": "1000.00", "first_unpaid_due_date": "2026-02-15",
           "borrower_phones": "138-0013-8000; (139) 0013 9000; 13800138000"}
    result = await post_batch(intake, "/v1/defaults:batch", csv_text(DEFAULT_CSV_COLUMNS, [row]),
                              content_type="text/csv")
    assert [item["outcome"] for item in result["results"]] == ["created"]
    assert (await get_borrower(intake))["phones"] == [PHONE, OTHER_PHONE]


async def test_a_search_in_national_format_finds_the_borrower_stored_in_e164(intake: Harness) -> None:
    await register(intake, full_default(borrower=borrower(phones=[PHONE])))
    await register(intake, default("LN-2", borrower_id="BR-2", borrower=borrower(phones=["139 0013 9000"])))
    assert await search(intake, "138-0013-8000") == ["BR-1"]
    assert await search(intake, "13800138000") == ["BR-1"]
    assert await search(intake, "0086 138 0013 8000") == ["BR-1"]
    assert await search(intake, OTHER_PHONE) == ["BR-2"]
    assert await search(intake, "137-0013-7000") == []


async def test_a_search_by_a_phone_that_is_not_valid_is_422_naming_phone(intake: Harness) -> None:
    response = await intake.client.post("/v1/borrowers:search", json={"phone": "138-0013"}, headers=PII_READER)
    problem = assert_problem(response, 422, "validation-error", fields={"phone"})
    assert refusals(problem)["phone"] == ("phone_number", REFUSAL_CN)


async def test_the_phone_region_setting_decides_what_a_national_number_means(database_url: str) -> None:
    async with harness("intake", database_url, phone_region="US") as american:
        await register(american, full_default(borrower=borrower(phones=["(415) 555-2671", PHONE])))
        assert (await get_borrower(american))["phones"] == ["+14155552671", PHONE]
        assert await search(american, "415.555.2671") == ["BR-1"]
        response = await american.client.post("/v1/defaults", headers=LENDER, json=full_default(
            "LN-2", borrower_id="BR-2", borrower=borrower(phones=["13800138000"])))
        problem = assert_problem(response, 422, "validation-error", fields={"borrower.phones.0"})
        rule, message = refusals(problem)["borrower.phones.0"]
        assert (rule, message.split(";")[0]) == ("phone_number", "not a valid phone number for region US")


def test_the_phone_region_defaults_to_cn_and_must_have_a_numbering_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEBTFLOW_PHONE_REGION", raising=False)
    monkeypatch.delenv("DEBTFLOW_INTAKE_PHONE_REGION", raising=False)
    assert IntakeSettings().phone_region == "CN"
    monkeypatch.setenv("DEBTFLOW_PHONE_REGION", "hk")
    assert IntakeSettings().phone_region == "HK"
    monkeypatch.setenv("DEBTFLOW_INTAKE_PHONE_REGION", "Mars")
    with pytest.raises(ValidationError, match="numbering plan"):
        IntakeSettings()
