"""Registering defaults with full loan terms, and repeats: newer figures update, same or older ones change nothing."""

from __future__ import annotations

import pytest

from debtflow.common.events import BorrowerRegistered, BorrowerUpdated, DebtRegistered, DebtUpdated
from debtflow.intake.borrowers.models import Borrower
from debtflow.intake.debts.models import BalanceHistory, Debt, Instalment
from support.harness import Harness
from support.intake import (
    LENDER,
    OTHER_LENDER,
    SUPERVISOR,
    default,
    full_default,
    get_debt,
    get_history,
    register,
    schedule_of,
)


async def test_a_default_with_loan_terms_schedule_and_borrower_is_registered(intake: Harness) -> None:
    response = await intake.client.post("/v1/defaults", json=full_default(), headers=LENDER)
    assert response.status_code == 201, response.text
    debt = response.json()
    assert {key: debt[key] for key in (
        "loan_id", "borrower_id", "source_system", "product", "currency", "disbursed_amount", "disbursed_on",
        "maturity_date", "contract_rate", "principal_outstanding", "interest_outstanding",
        "penalty_interest_outstanding", "fees_outstanding", "total_outstanding", "credit_balance",
        "recovered_after_disposal", "first_unpaid_due_date", "as_of_date", "collateralised", "guaranteed", "status",
        "version")} == {
        "loan_id": "LN-1", "borrower_id": "BR-1", "source_system": "lending-core-a", "product": "instalment_loan",
        "currency": "CNY", "disbursed_amount": "1500.00", "disbursed_on": "2025-08-15", "maturity_date": "2026-08-15",
        "contract_rate": "0.240000", "principal_outstanding": "1000.00", "interest_outstanding": "100.00",
        "penalty_interest_outstanding": "30.00", "fees_outstanding": "20.00", "total_outstanding": "1150.00",
        "credit_balance": "0.00", "recovered_after_disposal": "0.00", "first_unpaid_due_date": "2026-02-15",
        "as_of_date": "2026-11-27", "collateralised": True, "guaranteed": False, "status": "open", "version": 1,
    }
    assert await schedule_of(intake, debt["id"]) == [
        (1, "2026-02-15", "300.00", "40.00", "0.00", "0.00"),
        (2, "2026-03-15", "300.00", "30.00", "0.00", "0.00"),
        (3, "2026-04-15", "400.00", "30.00", "0.00", "0.00"),
    ]
    [entry] = await get_history(intake, debt["id"])
    assert (entry["version"], entry["cause"], entry["total_change"], entry["status"]) == (
        1, "registered", "1150.00", "open")

    await intake.settled()
    [registered] = intake.emitted(DebtRegistered)
    assert registered.data.debt_id.hex == debt["id"].replace("-", "")
    assert (registered.data.product, str(registered.data.penalty_interest_outstanding),
            str(registered.data.total_outstanding)) == ("instalment_loan", "30.00", "1150.00")
    [borrower] = intake.emitted(BorrowerRegistered)
    assert (borrower.data.borrower_id, borrower.data.version, borrower.data.region) == ("BR-1", 1, "Beijing")


async def test_a_newer_as_of_date_updates_the_debt(intake: Harness) -> None:
    first = await register(intake, full_default())
    newer = full_default(
        as_of_date="2026-11-28", principal_outstanding="700.00", interest_outstanding="60.00",
        penalty_interest_outstanding="45.00", fees_outstanding="20.00", first_unpaid_due_date="2026-03-15",
        instalments=[{"sequence": 2, "due_date": "2026-03-15", "principal": "300.00", "interest": "30.00"},
                     {"sequence": 3, "due_date": "2026-04-15", "principal": "400.00", "interest": "30.00"}],
        product="cash_loan", guaranteed=True,
    )
    response = await intake.client.post("/v1/defaults", json=newer, headers=LENDER)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["id"] == first["id"]
    assert response.headers["location"] == f"/v1/debts/{first['id']}"
    assert (updated["version"], updated["as_of_date"], updated["total_outstanding"], updated["principal_outstanding"],
            updated["first_unpaid_due_date"], updated["product"], updated["guaranteed"]) == (
        2, "2026-11-28", "825.00", "700.00", "2026-03-15", "cash_loan", True)
    assert updated["registered_at"] == first["registered_at"]
    assert await get_debt(intake, first["id"]) == updated

    assert await schedule_of(intake, first["id"]) == [  # the old schedule is replaced, not merged
        (2, "2026-03-15", "300.00", "30.00", "0.00", "0.00"),
        (3, "2026-04-15", "400.00", "30.00", "0.00", "0.00"),
    ]
    history = await get_history(intake, first["id"])
    assert [(entry["version"], entry["cause"], entry["total_change"]) for entry in history] == [
        (1, "registered", "1150.00"), (2, "default_update", "-325.00")]

    await intake.settled()
    [event] = intake.emitted(DebtUpdated)
    assert (event.data.cause, event.data.version, str(event.data.balances.total), event.data.as_of_date.isoformat(),
            event.data.status) == ("default_update", 2, "825.00", "2026-11-28", "open")
    assert str(event.data.debt_id) == first["id"]
    assert await intake.count(Debt) == 1
    assert len(intake.emitted(DebtRegistered)) == 1
    assert intake.emitted(BorrowerUpdated) == []  # the borrower's data did not change


@pytest.mark.parametrize("as_of_date", ["2026-11-27", "2026-11-20"], ids=["same-as-of", "older-as-of"])
async def test_a_repeat_with_the_same_or_an_older_as_of_date_changes_nothing(intake: Harness, as_of_date: str) -> None:
    first = await register(intake, full_default())
    await intake.settled()
    published = len(intake.emitted())
    outbox = await intake.outbox_count()

    repeat = full_default(as_of_date=as_of_date, principal_outstanding="1.00", interest_outstanding="0.00",
                          penalty_interest_outstanding="0.00", fees_outstanding="0.00", instalments=[],
                          first_unpaid_due_date="2026-01-15")
    again = await register(intake, repeat, expect=200)
    assert again == first
    assert await schedule_of(intake, first["id"]) != []
    assert len(await get_history(intake, first["id"])) == 1
    await intake.settled()
    assert len(intake.emitted()) == published
    assert await intake.outbox_count() == outbox
    assert await intake.count(Debt) == 1


async def test_never_a_second_debt_for_the_same_loan(intake: Harness) -> None:
    await register(intake, default())
    for as_of in ("2026-11-25", "2026-11-27", "2026-11-28", "2026-11-28", "2026-11-26"):
        await register(intake, default(as_of_date=as_of), expect=200)
    assert await intake.count(Debt) == 1
    assert await intake.count(Borrower) == 1
    [debt] = (await intake.client.get("/v1/debts", headers=SUPERVISOR)).json()["items"]
    assert (debt["version"], debt["as_of_date"]) == (2, "2026-11-28")
    assert await intake.count(BalanceHistory) == 2


async def test_a_default_without_a_schedule_keeps_none_and_a_later_one_can_add_it(intake: Harness) -> None:
    debt = await register(intake, default())
    assert await schedule_of(intake, debt["id"]) == []
    await register(intake, full_default(as_of_date="2026-11-28"), expect=200)
    assert len(await schedule_of(intake, debt["id"])) == 3
    assert await intake.count(Instalment) == 3


async def test_two_lending_cores_each_have_their_own_loan_with_the_same_id(intake: Harness) -> None:
    ours = await register(intake, default())
    theirs = await register(intake, default(), headers=OTHER_LENDER)
    assert ours["id"] != theirs["id"]
    await register(intake, default(as_of_date="2026-11-28", principal_outstanding="1.00"), headers=OTHER_LENDER,
                   expect=200)
    assert (await get_debt(intake, ours["id"]))["version"] == 1
    assert (await get_debt(intake, theirs["id"]))["version"] == 2
