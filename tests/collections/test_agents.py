"""Agents on SQLite and PostgreSQL: the worklist (the cases whose strategy step is a call, a promise falling due
or a callback; routed by team and skill, ordered by promise due then priority, only what the contact policy
permits now), claims that conflict, and an outcome the contact policy refuses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from debtflow.collections.channels.gateways import build_gateways
from debtflow.collections.schedule.jobs import dispatch_due
from debtflow.common.clock import utcnow
from debtflow.common.events import ContactOutcomeRecorded, CostIncurred, DisputeOpened
from support import token
from support.agents import SUPERVISOR, agents_service, collector
from support.harness import Harness, classified
from support.problems import assert_problem


@pytest.fixture(scope="module")
async def service(shared_db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    async with agents_service(shared_db_kind, tmp_path_factory.mktemp("agents")) as running:
        yield running


async def _case(service: Harness, *, bucket: str = "M3", priority: str = "100.00", exposure: str = "1000.00"
                ) -> uuid.UUID:
    """A case on intensive-call (M3, the mid team's), whose first step is an agent call."""
    debt_id = uuid.uuid4()
    await service.publish(classified(debt_id, borrower_id=f"BR-{debt_id.hex[:8]}", dpd_bucket=bucket,
                                     exposure=exposure, priority_score=priority, priority_tier="P2"))
    return debt_id


async def test_the_worklist_puts_promises_due_first_then_priority_and_leaves_out_what_is_not_callable_now(
        service: Harness) -> None:
    me = await collector(service, f"c-{uuid.uuid4().hex[:6]}", team="mid")
    other = await collector(service, f"c-{uuid.uuid4().hex[:6]}", team="mid")
    low, high, promised = [await _case(service, priority=score) for score in ("100.00", "900.00", "50.00")]
    early = await _case(service, bucket="M1", priority="990.00")  # the early team's
    rich = await _case(service, priority="980.00", exposure="90000.00")  # needs the high_value skill
    taken = await _case(service, priority="970.00")
    disputed = await _case(service, priority="960.00")
    later = await _case(service, priority="950.00")
    await service.settled()
    await service.publish(DisputeOpened(debt_id=disputed, borrower_id=f"BR-{disputed.hex[:8]}",
                                        dispute_id=uuid.uuid4(), reason_code="amount_wrong",
                                        opened_on=utcnow().date(), opened_at=utcnow()))
    await service.settled()
    # The dispatcher queues each due call step for the collectors (not the disputed one: the policy stops it).
    while await dispatch_due(service.runtime, build_gateways(service.runtime.settings), now=utcnow()):
        pass
    assert (await service.client.post(f"/v1/cases/{taken}:claim", headers=other)).status_code == 200
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    for debt_id, body in ((promised, {"outcome": "promise_to_pay",
                                      "promise": {"amount": "300.00", "currency": "CNY", "due_on": str(today)}}),
                          (later, {"outcome": "callback_requested",
                                   "callback_at": (utcnow() + timedelta(hours=2)).isoformat()})):
        await service.client.post(f"/v1/cases/{debt_id}:claim", headers=me)
        response = await service.client.post(f"/v1/cases/{debt_id}/outcomes", json=body, headers=me)
        assert response.status_code == 201, response.text
        await service.client.post(f"/v1/cases/{debt_id}:release", headers=me)

    response = await service.client.get("/v1/worklist?limit=50", headers=me)
    assert response.status_code == 200, response.text
    mine = [item["debt_id"] for item in response.json()["items"]
            if uuid.UUID(item["debt_id"]) in {low, high, promised, early, rich, taken, disputed, later}]
    assert mine == [str(promised), str(high), str(low)]
    assert response.json()["items"][0]["promise_due_on"] == str(today)


async def test_a_claimed_case_is_refused_to_another_collector_naming_who_holds_it_until_when(
        service: Harness) -> None:
    first_subject = f"c-{uuid.uuid4().hex[:6]}"
    first, second = await collector(service, first_subject), await collector(service, f"c-{uuid.uuid4().hex[:6]}")
    debt_id = await _case(service)
    await service.settled()

    held = await service.client.post(f"/v1/cases/{debt_id}:claim", headers=first)
    assert held.status_code == 200, held.text
    refused = assert_problem(await service.client.post(f"/v1/cases/{debt_id}:claim", headers=second), 409,
                             "case-claimed")
    assert refused["claimed_by"] == first_subject
    assert datetime.fromisoformat(refused["claimed_until"]) == datetime.fromisoformat(held.json()["expires_at"])
    outcome = await service.client.post(f"/v1/cases/{debt_id}/outcomes", json={"outcome": "no_answer"},
                                        headers=second)
    assert_problem(outcome, 409, "claim-required")
    assert_problem(await service.client.post(f"/v1/cases/{debt_id}:release", headers=second), 409, "case-claimed")

    reassigned = await service.client.post(f"/v1/cases/{debt_id}:reassign", json={"collector": "nobody-x"},
                                           headers=SUPERVISOR)
    assert_problem(reassigned, 409, "not-a-collector")
    second_subject = token("collector")  # unregistered collectors get no worklist either
    assert_problem(await service.client.get("/v1/worklist", headers=second_subject), 409, "not-a-collector")

    # The holder logs a 2-minute-and-a-bit call: it costs three started minutes, announced for credit.
    logged = await service.client.post(f"/v1/cases/{debt_id}/outcomes", headers=first, json={
        "outcome": "no_answer", "channel": "call", "duration_seconds": 121})
    assert logged.status_code == 201, logged.text
    await service.settled()
    [cost] = [e.data for e in service.emitted(CostIncurred) if e.data.debt_id == debt_id]
    assert (cost.kind, cost.quantity) == ("call_minute", 3)
    assert cost.amount == 3 * service.runtime.settings.cost_per_call_minute


async def test_an_outcome_the_contact_policy_refuses_is_422_naming_the_rule_and_records_nothing(
        service: Harness) -> None:
    me = await collector(service, f"c-{uuid.uuid4().hex[:6]}")
    debt_id = await _case(service)
    await service.settled()
    await service.publish(DisputeOpened(debt_id=debt_id, borrower_id=f"BR-{debt_id.hex[:8]}",
                                        dispute_id=uuid.uuid4(), reason_code="amount_wrong",
                                        opened_on=utcnow().date(), opened_at=utcnow()))
    await service.settled()
    await service.client.post(f"/v1/cases/{debt_id}:claim", headers=me)

    refused = await service.client.post(f"/v1/cases/{debt_id}/outcomes",
                                        json={"outcome": "right_party_contact"}, headers=me)
    problem = assert_problem(refused, 422, "contact-policy-breach")
    assert problem["rule"]
    bad = await service.client.post(f"/v1/cases/{debt_id}/outcomes", json={"outcome": "promise_to_pay"}, headers=me)
    assert_problem(bad, 422, "validation-error", fields={"promise"})
    outcomes = await service.get_json(f"/v1/cases/{debt_id}/outcomes", SUPERVISOR)
    assert outcomes["items"] == []
    await service.settled()
    assert not [event for event in service.emitted(ContactOutcomeRecorded) if event.data.debt_id == debt_id]
