"""Payment plans and settlements on SQLite and PostgreSQL: a plan within a collector's authority accepted emits
DebtRestructured; a settlement beyond one supervisor's needs a second (four eyes), and paid emits DebtSettled."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from debtflow.common.clock import utcnow
from debtflow.common.events import DebtRestructured, DebtSettled, PaymentPlanChanged
from support import token
from support.agents import agents_service, collector, paid
from support.harness import Harness, classified, registered
from support.problems import assert_problem


@pytest.fixture(scope="module")
async def service(shared_db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with agents_service(shared_db_kind, tmp_path_factory.mktemp("arrangements")) as running:
        yield running


async def _debt(service: Harness) -> tuple[uuid.UUID, str]:
    """A case owing CNY 1150.00: principal 1000, interest 100, fees 50."""
    debt_id, borrower_id = uuid.uuid4(), f"BR-{uuid.uuid4().hex[:8]}"
    await service.publish(registered(debt_id, borrower_id=borrower_id, principal="1000.00", interest="100.00",
                                     fees="50.00"))
    await service.publish(classified(debt_id, borrower_id=borrower_id, dpd_bucket="M4", exposure="1150.00"))
    await service.settled()
    return debt_id, borrower_id


async def test_a_plan_the_borrower_accepts_restructures_the_debt_and_payments_fill_its_instalments(
        service: Harness) -> None:
    debt_id, borrower_id = await _debt(service)
    me = await collector(service, f"c-{uuid.uuid4().hex[:6]}")
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    body = {"total_amount": "1100.00", "down_payment": {"due_on": str(today), "amount": "100.00"},
            "instalments": [{"due_on": str(today + timedelta(days=30 * n)), "amount": "500.00"} for n in (1, 2)]}
    wrong = {**body, "total_amount": "1000.00"}
    assert_problem(await service.client.post(f"/v1/cases/{debt_id}/payment-plans", json=wrong, headers=me), 422,
                   "validation-error", fields={"instalments"})

    proposed = await service.client.post(f"/v1/cases/{debt_id}/payment-plans", json=body, headers=me)
    assert proposed.status_code == 201, proposed.text
    plan = proposed.json()
    assert (plan["status"], plan["discount_percent"], plan["waived_fees"], plan["waived_interest"]) == (
        "approved", "4.35", "50.00", "0.00")  # within a collector's 10 %; fees go before interest
    accepted = await service.client.post(f"/v1/payment-plans/{plan['id']}:accept", json={"channel": "call"},
                                         headers=me)
    assert accepted.status_code == 200, accepted.text
    await service.publish(paid(debt_id, "100.00", borrower_id=borrower_id, left="1050.00"))
    await service.settled()

    [restructured] = [event for event in service.emitted(DebtRestructured) if event.data.debt_id == debt_id]
    assert restructured.data.plan_id == uuid.UUID(plan["id"])
    changes = [event.data.status for event in service.emitted(PaymentPlanChanged) if event.data.debt_id == debt_id]
    assert changes == ["approved", "accepted"]
    now = await service.get_json(f"/v1/payment-plans/{plan['id']}", me)
    assert [item["status"] for item in now["instalments"]] == ["paid", "due", "due"]


async def test_a_large_discount_takes_two_supervisors_and_a_settlement_paid_settles_the_debt(
        service: Harness) -> None:
    debt_id, borrower_id = await _debt(service)
    me = await collector(service, f"c-{uuid.uuid4().hex[:6]}")
    pay_by = str(utcnow().date() + timedelta(days=14))
    too_much = await service.client.post(f"/v1/cases/{debt_id}/settlements", json={"amount": "300.00",
                                                                                "pay_by": pay_by}, headers=me)
    assert_problem(too_much, 422, "validation-error", fields={"amount"})  # 73.91 %: above the 70 % ceiling

    proposed = await service.client.post(f"/v1/cases/{debt_id}/settlements", json={"amount": "800.00",
                                                                                "pay_by": pay_by}, headers=me)
    assert proposed.status_code == 201, proposed.text
    settlement = proposed.json()
    assert (settlement["status"], settlement["discount_percent"]) == ("proposed", "30.44")
    path = f"/v1/settlements/{settlement['id']}"
    assert_problem(await service.client.post(f"{path}:accept", json={"channel": "call"}, headers=me), 409,
                   "invalid-transition")
    first = await service.client.post(f"{path}:approve", headers=token("supervisor", subject="sup-1"))
    assert first.json()["status"] == "proposed"  # above one supervisor's 30 %: a second one must agree
    assert_problem(await service.client.post(f"{path}:approve", headers=token("supervisor", subject="SUP-1")), 403,
                   "four-eyes")
    second = await service.client.post(f"{path}:approve", headers=token("supervisor", subject="sup-2"))
    assert second.json()["status"] == "approved"
    assert (await service.client.post(f"{path}:accept", json={"channel": "call"}, headers=me)).status_code == 200

    await service.publish(paid(debt_id, "800.00", borrower_id=borrower_id, left="350.00"))
    await service.settled()
    [settled] = [event for event in service.emitted(DebtSettled) if event.data.debt_id == debt_id]
    assert (str(settled.data.settlement_amount), settled.data.currency) == ("800.00", "CNY")
    assert (await service.get_json(path, me))["status"] == "paid"
