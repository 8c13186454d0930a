"""Payment reversals: balances, credit, schedule, status and due date restored exactly; idempotent per reason."""

from __future__ import annotations

import pytest

from debtflow.common.events import PaymentReversed
from support.harness import Harness
from support.intake import (
    LENDER,
    OTHER_LENDER,
    SUPERVISOR,
    balances,
    dispose,
    full_default,
    get_debt,
    get_history,
    pay,
    payment,
    register,
    reverse,
    schedule_of,
)
from support.problems import assert_problem


async def test_a_reversal_restores_each_balance_exactly(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake, payment("PAY-1", "170.00"))  # penalty 30, fees 20, interest 100, principal 20
    await pay(intake, payment("PAY-2", "100.00"))  # principal 100
    reversed_ = await reverse(intake, "PAY-1", "bounced")
    assert (reversed_["payment_id"], reversed_["status"], reversed_["reversal_reason"]) == ("PAY-1", "reversed",
                                                                                           "bounced")
    assert reversed_["reversed_at"] is not None
    after = await get_debt(intake, debt["id"])
    assert balances(after) == {"principal_outstanding": "900.00", "interest_outstanding": "100.00",
                               "penalty_interest_outstanding": "30.00", "fees_outstanding": "20.00",
                               "total_outstanding": "1050.00", "credit_balance": "0.00"}
    assert (after["version"], after["status"]) == (4, "open")
    history = await get_history(intake, debt["id"])
    assert [(entry["version"], entry["cause"], entry["cause_ref"], entry["total_change"]) for entry in history] == [
        (1, "registered", None, "1150.00"), (2, "payment", "PAY-1", "-170.00"), (3, "payment", "PAY-2", "-100.00"),
        (4, "reversal", "PAY-1", "170.00")]
    listed = (await intake.client.get("/v1/payments", params={"debt_id": debt["id"]}, headers=SUPERVISOR)).json()["items"]
    assert [(row["payment_id"], row["status"]) for row in listed] == [("PAY-1", "reversed"), ("PAY-2", "applied")]


async def test_reversing_a_payment_that_settled_the_debt_reopens_it(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake, payment("PAY-1", "1200.00"))
    settled = await get_debt(intake, debt["id"])
    assert (settled["status"], settled["credit_balance"], settled["first_unpaid_due_date"]) == ("settled", "50.00",
                                                                                                 None)
    await reverse(intake, "PAY-1", "chargeback")
    after = await get_debt(intake, debt["id"])
    assert balances(after) == balances(debt)  # the credit goes too
    # The debt had no schedule: it is overdue again from where it was before the payment.
    assert (after["status"], after["first_unpaid_due_date"]) == ("open", "2026-02-15")


async def test_a_cured_debt_becomes_overdue_again_when_an_earlier_payment_is_reversed(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake, payment("PAY-1", "150.00"))
    await pay(intake, payment("PAY-2", "1000.00"))
    assert (await get_debt(intake, debt["id"]))["first_unpaid_due_date"] is None
    await reverse(intake, "PAY-1")
    after = await get_debt(intake, debt["id"])
    assert (after["status"], after["total_outstanding"], after["first_unpaid_due_date"]) == ("open", "150.00",
                                                                                             "2026-02-15")


async def test_a_reversal_takes_back_exactly_the_instalments_the_payment_covered(intake: Harness) -> None:
    debt = await register(intake, full_default())
    await pay(intake, payment("PAY-1", "450.00"))
    await pay(intake, payment("PAY-2", "300.00"))
    assert (await get_debt(intake, debt["id"]))["first_unpaid_due_date"] == "2026-04-15"

    await reverse(intake, "PAY-2")
    assert (await get_debt(intake, debt["id"]))["first_unpaid_due_date"] == "2026-03-15"
    assert await schedule_of(intake, debt["id"]) == [
        (1, "2026-02-15", "300.00", "40.00", "300.00", "40.00"),
        (2, "2026-03-15", "300.00", "30.00", "0.00", "30.00"),
        (3, "2026-04-15", "400.00", "30.00", "0.00", "30.00"),
    ]
    await pay(intake, payment("PAY-3", "300.00"))
    await reverse(intake, "PAY-1")
    after = await get_debt(intake, debt["id"])
    assert balances(after) == {"principal_outstanding": "700.00", "interest_outstanding": "100.00",
                               "penalty_interest_outstanding": "30.00", "fees_outstanding": "20.00",
                               "total_outstanding": "850.00", "credit_balance": "0.00"}
    assert after["first_unpaid_due_date"] == "2026-02-15"
    assert await schedule_of(intake, debt["id"]) == [
        (1, "2026-02-15", "300.00", "40.00", "0.00", "0.00"),
        (2, "2026-03-15", "300.00", "30.00", "300.00", "0.00"),
        (3, "2026-04-15", "400.00", "30.00", "0.00", "0.00"),
    ]


async def test_reversing_twice_for_the_same_reason_changes_nothing(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake)
    first = await reverse(intake, "PAY-1", "bounced")
    again = await reverse(intake, "PAY-1", "bounced", expect=200)
    assert again == first
    after = await get_debt(intake, debt["id"])
    assert (after["version"], after["total_outstanding"]) == (3, "1150.00")
    await intake.settled()
    assert len(intake.emitted(PaymentReversed)) == 1


async def test_reversing_again_for_another_reason_is_409(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake)
    await reverse(intake, "PAY-1", "bounced")
    response = await intake.client.post("/v1/payments/PAY-1/reversal", json={"reason_code": "chargeback"},
                                        headers=LENDER)
    problem = assert_problem(response, 409, "conflict")
    assert "bounced" in problem["detail"]
    assert (await get_debt(intake, debt["id"]))["version"] == 3


async def test_posting_a_reversed_payment_again_does_not_apply_it_again(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake)
    await reverse(intake)
    again = await pay(intake, expect=200)
    assert again["status"] == "reversed"
    assert (await get_debt(intake, debt["id"]))["total_outstanding"] == "1150.00"


async def test_reversing_an_unknown_payment_is_404(intake: Harness) -> None:
    await register(intake)
    response = await intake.client.post("/v1/payments/PAY-NOPE/reversal", json={"reason_code": "bounced"},
                                        headers=LENDER)
    assert_problem(response, 404, "unknown-payment")


async def test_another_lending_core_cannot_reverse_our_payment(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake)
    response = await intake.client.post("/v1/payments/PAY-1/reversal", json={"reason_code": "bounced"},
                                        headers=OTHER_LENDER)
    assert_problem(response, 404, "unknown-payment")
    assert (await get_debt(intake, debt["id"]))["total_outstanding"] == "1050.00"


async def test_payment_reversed_is_announced_with_what_was_undone(intake: Harness) -> None:
    debt = await register(intake)
    recorded = await pay(intake, payment("PAY-1", "1200.00"))
    await reverse(intake, "PAY-1", "posted_in_error")
    await intake.settled()
    [event] = intake.emitted(PaymentReversed)
    assert (event.subject, event.type) == (debt["id"], "debtflow.payment.reversed.v1")
    assert event.data.model_dump(mode="json", exclude={"reversed_at"}) == {
        "payment_id": recorded["id"], "lending_core_payment_id": "PAY-1", "debt_id": debt["id"],
        "borrower_id": "BR-1", "amount": "1200.00", "currency": "CNY",
        "reversed_allocation": {"penalty_interest": "30.00", "fees": "20.00", "interest": "100.00",
                                "principal": "1000.00", "credit": "50.00"},
        "post_disposal": False,
        "balances_after": {"principal": "1000.00", "interest": "100.00", "penalty_interest": "30.00",
                           "fees": "20.00", "total": "1150.00", "credit": "0.00"},
        "first_unpaid_due_date_after": "2026-02-15", "status_after": "open", "reason_code": "posted_in_error",
        "version": 3,
    }


@pytest.mark.parametrize("kind", ["sold", "written_off"])
async def test_reversing_a_recovery_reduces_what_was_recovered(intake: Harness, kind: str) -> None:
    debt = await register(intake)
    await dispose(intake, kind, debt)
    await pay(intake, payment("PAY-1", "200.00"))
    await pay(intake, payment("PAY-2", "75.00"))
    disposed = await get_debt(intake, debt["id"])
    assert disposed["recovered_after_disposal"] == "275.00"
    await reverse(intake, "PAY-1")
    after = await get_debt(intake, debt["id"])
    assert (after["recovered_after_disposal"], after["status"]) == ("75.00", kind)
    assert balances(after) == balances(disposed)
    await intake.settled()
    [event] = intake.emitted(PaymentReversed)
    assert event.data.post_disposal is True
    assert str(event.data.reversed_allocation.credit) == "0.00"


async def test_reversing_a_payment_made_before_a_sale_keeps_the_debt_sold(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake, payment("PAY-1", "100.00"))
    await dispose(intake, "sold", debt)
    await reverse(intake, "PAY-1")
    after = await get_debt(intake, debt["id"])
    assert (after["status"], after["total_outstanding"], after["recovered_after_disposal"]) == ("sold", "1150.00",
                                                                                                "0.00")
