"""Promises to pay on SQLite and PostgreSQL, from intake's published payment events: kept when paid in time (and
reopened by a reversal), partly kept or broken once due date and grace passed, counted on the case."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from debtflow.collections.promises.service import resolve_overdue
from debtflow.common.clock import utcnow
from debtflow.common.events import PromiseMade, PromiseResolved
from support.agents import SUPERVISOR, agents_service, collector, paid, reversed_
from support.harness import Harness, classified


@pytest.fixture(scope="module")
async def service(shared_db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with agents_service(shared_db_kind, tmp_path_factory.mktemp("promises")) as running:
        yield running


async def _promised(service: Harness, amount: str = "300.00") -> tuple[uuid.UUID, str]:
    """A case whose borrower promised `amount` by today; its debt id and borrower id."""
    debt_id, borrower_id = uuid.uuid4(), f"BR-{uuid.uuid4().hex[:8]}"
    await service.publish(classified(debt_id, borrower_id=borrower_id, dpd_bucket="M4"))
    await service.settled()
    me = await collector(service, f"c-{uuid.uuid4().hex[:6]}")
    await service.client.post(f"/v1/cases/{debt_id}:claim", headers=me)
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    response = await service.client.post(f"/v1/cases/{debt_id}/outcomes", headers=me, json={
        "outcome": "promise_to_pay", "promise": {"amount": amount, "currency": "CNY", "due_on": str(today)}})
    assert response.status_code == 201, response.text
    return debt_id, borrower_id


def _resolutions(service: Harness, debt_id: uuid.UUID) -> list[tuple[str, str]]:
    return [(event.data.outcome, str(event.data.paid_amount)) for event in service.emitted(PromiseResolved)
            if event.data.debt_id == debt_id]


async def test_a_promise_paid_in_time_is_kept_and_a_reversal_reopens_it(service: Harness) -> None:
    debt_id, borrower_id = await _promised(service)
    payment = paid(debt_id, "300.00", borrower_id=borrower_id)
    await service.publish(payment)
    await service.settled()
    assert _resolutions(service, debt_id) == [("kept", "300.00")]
    [made] = [event for event in service.emitted(PromiseMade) if event.data.debt_id == debt_id]
    assert made.data.amount == payment.amount

    await service.publish(reversed_(payment, left="1000.00", version=3))
    await service.settled()
    assert _resolutions(service, debt_id) == [("kept", "300.00"), ("reopened", "0.00")]
    stats = await service.get_json(f"/v1/cases/{debt_id}/promise-stats", SUPERVISOR)
    assert (stats["made"], stats["kept"], stats["broken"]) == (1, 0, 0)


async def test_past_due_and_grace_a_promise_is_partly_kept_or_broken_and_broken_ones_are_counted(
        service: Harness) -> None:
    partly, partly_borrower = await _promised(service)
    broken, _ = await _promised(service)
    await service.publish(paid(partly, "100.00", borrower_id=partly_borrower))
    await service.settled()
    assert _resolutions(service, partly) == []  # still open: the borrower has until due date and grace

    assert await resolve_overdue(service.runtime.uow, now=utcnow() + timedelta(days=30)) >= 2
    await service.settled()
    assert _resolutions(service, partly) == [("partly_kept", "100.00")]
    assert _resolutions(service, broken) == [("broken", "0.00")]
    stats = await service.get_json(f"/v1/cases/{broken}/promise-stats", SUPERVISOR)
    assert (stats["made"], stats["broken"]) == (1, 1)
    [promise] = (await service.get_json(f"/v1/cases/{broken}/promises", SUPERVISOR))["items"]
    assert promise["status"] == "broken"
