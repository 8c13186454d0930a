"""Payments: idempotent on the payment id, allocated by the waterfall, recoveries after a debt is disposed of."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal

import pytest

from debtflow.common.events import PaymentReceived
from debtflow.intake.payments.models import Payment
from support.harness import Harness, harness
from support.intake import (
    LENDER,
    OTHER_LENDER,
    SUPERVISOR,
    balances,
    default,
    dispose,
    full_default,
    get_debt,
    get_history,
    pay,
    payment,
    register,
    schedule_of,
)
from support.problems import assert_problem, fields_of


async def test_a_payment_is_allocated_penalty_fees_interest_principal(intake: Harness) -> None:
    debt = await register(intake)
    recorded = await pay(intake, payment(amount="100.00"))
    assert {key: recorded[key] for key in ("payment_id", "debt_id", "amount", "currency", "channel",
                                           "applied_penalty_interest", "applied_fees", "applied_interest",
                                           "applied_principal", "credit", "post_disposal", "status")} == {
        "payment_id": "PAY-1", "debt_id": debt["id"], "amount": "100.00", "currency": "CNY",
        "channel": "bank_transfer", "applied_penalty_interest": "30.00", "applied_fees": "20.00",
        "applied_interest": "50.00", "applied_principal": "0.00", "credit": "0.00", "post_disposal": False,
        "status": "applied",
    }
    after = await get_debt(intake, debt["id"])
    assert balances(after) == {"principal_outstanding": "1000.00", "interest_outstanding": "50.00",
                               "penalty_interest_outstanding": "0.00", "fees_outstanding": "0.00",
                               "total_outstanding": "1050.00", "credit_balance": "0.00"}
    assert (after["version"], after["status"], after["first_unpaid_due_date"]) == (2, "open", "2026-02-15")
    history = await get_history(intake, debt["id"])
    assert [(entry["cause"], entry["cause_ref"], entry["total_change"]) for entry in history] == [
        ("registered", None, "1150.00"), ("payment", "PAY-1", "-100.00")]


async def test_the_same_payment_twice_is_recorded_once(intake: Harness) -> None:
    debt = await register(intake)
    first = await pay(intake)
    again = await pay(intake, expect=200)
    # The first answer echoes paid_at as sent (+08:00), the repeat reads it back in UTC: the same instant.
    assert datetime.fromisoformat(again.pop("paid_at")) == datetime.fromisoformat(first.pop("paid_at"))
    assert again == first
    assert (await get_debt(intake, debt["id"]))["total_outstanding"] == "1050.00"
    await intake.settled()
    assert await intake.count(Payment) == 1
    assert len(intake.emitted(PaymentReceived)) == 1


async def test_the_same_payment_id_with_different_details_is_409(intake: Harness) -> None:
    debt = await register(intake)
    other = await register(intake, default("LN-2"))
    await pay(intake)
    for changed in ({"amount": "100.01"}, {"paid_at": "2026-11-28T09:16:00+08:00"}, {"channel": "alipay"},
                    {"loan_id": "LN-2"}):
        response = await intake.client.post("/v1/payments", json=payment(**changed), headers=LENDER)
        assert_problem(response, 409, "payment-id-reused")
    assert (await get_debt(intake, debt["id"]))["total_outstanding"] == "1050.00"
    assert (await get_debt(intake, other["id"]))["version"] == 1
    assert await intake.count(Payment) == 1


async def test_the_same_paid_at_in_another_time_zone_is_the_same_payment(intake: Harness) -> None:
    await register(intake)
    first = await pay(intake, payment(paid_at="2026-11-28T09:15:00+08:00"))
    again = await pay(intake, payment(paid_at="2026-11-28T01:15:00Z"), expect=200)
    assert again["id"] == first["id"]


async def test_a_payment_for_an_unknown_loan_is_404_and_nothing_is_stored(intake: Harness) -> None:
    await register(intake)
    await intake.settled()
    outbox = await intake.outbox_count()
    response = await intake.client.post("/v1/payments", json=payment(loan_id="LN-NOPE"), headers=LENDER)
    problem = assert_problem(response, 404, "unknown-loan")
    assert "LN-NOPE" in problem["detail"]
    assert await intake.count(Payment) == 0
    assert await intake.outbox_count() == outbox


async def test_a_payment_for_another_lending_cores_loan_is_an_unknown_loan(intake: Harness) -> None:
    await register(intake)
    response = await intake.client.post("/v1/payments", json=payment(), headers=OTHER_LENDER)
    assert_problem(response, 404, "unknown-loan")
    assert await intake.count(Payment) == 0


async def test_a_payment_in_another_currency_is_422_naming_currency(intake: Harness) -> None:
    debt = await register(intake)
    response = await intake.client.post("/v1/payments", json=payment(currency="USD"), headers=LENDER)
    problem = assert_problem(response, 422, "validation-error")
    assert fields_of(problem) == {"currency"}
    assert "CNY" in problem["errors"][0]["message"]
    assert await intake.count(Payment) == 0
    assert (await get_debt(intake, debt["id"]))["version"] == 1


async def test_an_overpayment_is_held_as_credit_and_the_debt_is_settled(intake: Harness) -> None:
    debt = await register(intake)
    recorded = await pay(intake, payment(amount="1200.50"))
    assert (recorded["applied_principal"], recorded["credit"]) == ("1000.00", "50.50")
    after = await get_debt(intake, debt["id"])
    assert balances(after) == {"principal_outstanding": "0.00", "interest_outstanding": "0.00",
                               "penalty_interest_outstanding": "0.00", "fees_outstanding": "0.00",
                               "total_outstanding": "0.00", "credit_balance": "50.50"}
    assert (after["status"], after["first_unpaid_due_date"]) == ("settled", None)
    [entry] = (await get_history(intake, debt["id"]))[1:]
    assert (entry["credit_balance"], entry["total_change"], entry["status"]) == ("50.50", "-1150.00", "settled")


async def test_paying_exactly_everything_settles_the_debt(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake, payment("PAY-1", "150.00"))
    await pay(intake, payment("PAY-2", "1000.00"))
    after = await get_debt(intake, debt["id"])
    assert (after["status"], after["total_outstanding"], after["credit_balance"], after["first_unpaid_due_date"]) == (
        "settled", "0.00", "0.00", None)
    # A payment after that is all credit.
    extra = await pay(intake, payment("PAY-3", "5.00"))
    assert (extra["credit"], extra["applied_principal"]) == ("5.00", "0.00")
    assert (await get_debt(intake, debt["id"]))["credit_balance"] == "5.00"


async def test_instalments_are_covered_oldest_first_and_move_the_first_unpaid_due_date(intake: Harness) -> None:
    debt = await register(intake, full_default())
    # 450 = penalty 30 + fees 20 + interest 100 + principal 300: instalment 1 is paid off.
    await pay(intake, payment("PAY-1", "450.00"))
    assert (await get_debt(intake, debt["id"]))["first_unpaid_due_date"] == "2026-03-15"
    assert await schedule_of(intake, debt["id"]) == [
        (1, "2026-02-15", "300.00", "40.00", "300.00", "40.00"),
        (2, "2026-03-15", "300.00", "30.00", "0.00", "30.00"),
        (3, "2026-04-15", "400.00", "30.00", "0.00", "30.00"),
    ]
    await pay(intake, payment("PAY-2", "299.99"))
    assert (await get_debt(intake, debt["id"]))["first_unpaid_due_date"] == "2026-03-15"  # one cent short
    await pay(intake, payment("PAY-3", "0.01"))
    assert (await get_debt(intake, debt["id"]))["first_unpaid_due_date"] == "2026-04-15"
    await pay(intake, payment("PAY-4", "400.00"))
    after = await get_debt(intake, debt["id"])
    assert (after["first_unpaid_due_date"], after["status"], after["total_outstanding"]) == (None, "settled", "0.00")

    await intake.settled()
    moved = [(event.data.lending_core_payment_id, event.data.first_unpaid_due_date_after)
             for event in intake.emitted(PaymentReceived)]
    assert [(ref, day.isoformat() if day else None) for ref, day in moved] == [
        ("PAY-1", "2026-03-15"), ("PAY-2", "2026-03-15"), ("PAY-3", "2026-04-15"), ("PAY-4", None)]


async def test_payment_received_carries_the_allocation_and_the_balances_after(intake: Harness) -> None:
    debt = await register(intake)
    recorded = await pay(intake, payment(amount="170.00", channel="wechat_pay"))
    await intake.settled()
    [event] = intake.emitted(PaymentReceived)
    assert (event.subject, event.type) == (debt["id"], "debtflow.payment.received.v1")
    assert event.data.model_dump(mode="json", exclude={"paid_at"}) == {
        "payment_id": recorded["id"], "lending_core_payment_id": "PAY-1", "debt_id": debt["id"],
        "borrower_id": "BR-1", "amount": "170.00", "currency": "CNY", "channel": "wechat_pay",
        "allocation": {"penalty_interest": "30.00", "fees": "20.00", "interest": "100.00", "principal": "20.00",
                       "credit": "0.00"},
        "post_disposal": False,
        "balances_after": {"principal": "980.00", "interest": "0.00", "penalty_interest": "0.00", "fees": "0.00",
                           "total": "980.00", "credit": "0.00"},
        "first_unpaid_due_date_after": "2026-02-15", "status_after": "open", "version": 2,
    }


async def test_payments_of_a_debt_are_listed_oldest_first(intake: Harness) -> None:
    debt = await register(intake)
    await register(intake, default("LN-2"))
    await pay(intake, payment("PAY-LATE", "10.00", paid_at="2026-11-28T10:00:00+08:00"))
    await pay(intake, payment("PAY-EARLY", "20.00", paid_at="2026-11-27T10:00:00+08:00"))
    await pay(intake, payment("PAY-OTHER", "30.00", loan_id="LN-2"))
    response = await intake.client.get("/v1/payments", params={"debt_id": debt["id"]}, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    assert [(row["payment_id"], row["amount"]) for row in response.json()["items"]] == [("PAY-EARLY", "20.00"),
                                                                               ("PAY-LATE", "10.00")]


@pytest.mark.parametrize("kind", ["sold", "written_off"])
async def test_a_payment_after_disposal_is_a_recovery_and_leaves_the_balances(intake: Harness, kind: str) -> None:
    debt = await register(intake)
    await dispose(intake, kind, debt)
    disposed = await get_debt(intake, debt["id"])
    assert disposed["status"] == kind

    recorded = await pay(intake, payment(amount="200.00"))
    assert recorded["post_disposal"] is True
    assert [recorded[key] for key in ("applied_penalty_interest", "applied_fees", "applied_interest",
                                      "applied_principal", "credit")] == ["0.00"] * 5
    after = await get_debt(intake, debt["id"])
    assert balances(after) == balances(disposed)
    assert (after["status"], after["recovered_after_disposal"], after["version"]) == (kind, "200.00",
                                                                                      disposed["version"] + 1)
    await pay(intake, payment("PAY-2", "50.00"))
    assert (await get_debt(intake, debt["id"]))["recovered_after_disposal"] == "250.00"

    await intake.settled()
    first = intake.emitted(PaymentReceived)[0].data
    assert first.post_disposal is True
    assert first.allocation.model_dump(mode="json") == {"penalty_interest": "0.00", "fees": "0.00", "interest": "0.00",
                                                        "principal": "0.00", "credit": "0.00"}
    assert (str(first.balances_after.total), first.status_after) == ("1150.00", kind)


class TestPrincipalFirstWaterfall:
    """A lender configured to pay principal first, then interest, penalty interest and fees."""

    @pytest.fixture
    async def intake(self, database_url: str) -> AsyncIterator[Harness]:
        async with harness("intake", database_url,
                           payment_waterfall="principal,interest,penalty_interest,fees") as running:
            yield running

    async def test_payments_follow_the_configured_order(self, intake: Harness) -> None:
        debt = await register(intake)
        first = await pay(intake, payment("PAY-1", "1050.00"))
        assert (first["applied_principal"], first["applied_interest"], first["applied_penalty_interest"],
                first["applied_fees"]) == ("1000.00", "50.00", "0.00", "0.00")
        second = await pay(intake, payment("PAY-2", "90.00"))
        assert (second["applied_interest"], second["applied_penalty_interest"], second["applied_fees"]) == (
            "50.00", "30.00", "10.00")
        after = await get_debt(intake, debt["id"])
        assert (after["fees_outstanding"], after["total_outstanding"]) == ("10.00", "10.00")

    async def test_the_batch_endpoint_uses_the_same_order(self, intake: Harness) -> None:
        debt = await register(intake)
        response = await intake.client.post("/v1/payments:batch", json=[payment("PAY-1", "1010.00")], headers=LENDER)
        assert response.status_code == 200, response.text
        after = await get_debt(intake, debt["id"])
        assert (after["principal_outstanding"], after["interest_outstanding"],
                after["penalty_interest_outstanding"]) == ("0.00", "90.00", "30.00")


async def test_concurrent_payments_on_one_debt_are_all_applied(intake: Harness) -> None:
    debt = await register(intake)
    responses = await asyncio.gather(*(intake.client.post("/v1/payments", json=payment(f"PAY-{n}", "10.00"),
                                                          headers=LENDER) for n in range(12)))
    assert [response.status_code for response in responses] == [201] * 12, [r.text for r in responses]
    after = await get_debt(intake, debt["id"])
    assert (after["total_outstanding"], after["version"]) == ("1030.00", 13)
    history = await get_history(intake, debt["id"])
    assert [entry["version"] for entry in history] == list(range(1, 14))


async def test_payment_amounts_stay_exact(intake: Harness) -> None:
    debt = await register(intake, default(principal_outstanding="0.30", interest_outstanding="0.00",
                                          penalty_interest_outstanding="0.00", fees_outstanding="0.00"))
    for number in range(3):
        await pay(intake, payment(f"PAY-{number}", "0.10"))
    after = await get_debt(intake, debt["id"])
    assert (after["total_outstanding"], after["status"]) == ("0.00", "settled")
    total = sum((Decimal(row["amount"]) for row in (await intake.client.get(
        "/v1/payments", params={"debt_id": debt["id"]}, headers=SUPERVISOR)).json()["items"]), Decimal(0))
    assert total == Decimal("0.30")
