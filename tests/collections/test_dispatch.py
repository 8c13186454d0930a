"""Carrying out a case's steps on SQLite and PostgreSQL: a due SMS goes through the development gateway, the
next step is planned, the policy's decision is on record; a dispute opened in crm after planning suppresses the
step at dispatch time and ends the path; people's steps are queued; the last step hands the case to legal; a
closed case's step is never sent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from debtflow.collections.channels.gateways import build_gateways
from debtflow.collections.channels.models import ChannelMessage
from debtflow.collections.schedule.jobs import dispatch_due
from debtflow.common.events import (
    AgencyPlaced,
    CloudEvent,
    CollectionActionTaken,
    CostIncurred,
    DebtEscalatedToLegal,
    DisputeOpened,
    DisputeResolved,
    EventPayload,
)
from support import token
from support.crm import borrower_event
from support.harness import NOW, Harness, classified

TENANT = "lending-core-a"
STAFF = token("supervisor", subject="supervisor-1")


async def _deliver(service: Harness, payload: EventPayload, source: str) -> None:
    await service.deliver(CloudEvent.new(payload, source_service=source, tenant=TENANT))


async def _case(service: Harness, bucket: str) -> tuple[uuid.UUID, str]:
    """A borrower with a phone and an email (intake's event), then a classified debt of theirs."""
    debt_id = uuid.uuid4()
    borrower_id = f"BR-{debt_id.hex[:10]}"
    await _deliver(service, borrower_event(service.runtime.settings.field_cipher, borrower_id=borrower_id), "intake")
    await service.settled()
    await _deliver(service, classified(debt_id, borrower_id=borrower_id, dpd_bucket=bucket,
                                       overdue_type="early_overdue"), "classification")
    await service.settled()
    return debt_id, borrower_id


async def _actions(service: Harness, debt_id: uuid.UUID) -> list[dict[str, Any]]:
    return list(reversed(await service.get_json(f"/v1/cases/{debt_id}/actions", STAFF)))  # oldest first


async def _dispatch_at(service: Harness, moment: datetime) -> None:
    gateways = build_gateways(service.runtime.settings)
    while await dispatch_due(service.runtime, gateways, now=moment):
        pass
    await service.settled()


def _taken(service: Harness, debt_id: uuid.UUID) -> list[Any]:
    return [e.data for e in service.emitted(CollectionActionTaken) if e.data.debt_id == debt_id]


def _due(action: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(action["due_at"])


async def test_a_due_sms_is_sent_and_the_next_step_planned(shared: Harness) -> None:
    debt_id, _ = await _case(shared, "M1")
    [sms] = await _actions(shared, debt_id)
    await _dispatch_at(shared, _due(sms) + timedelta(seconds=1))

    sent, email = await _actions(shared, debt_id)
    assert (sent["channel"], sent["status"], sent["attempts"]) == ("sms", "sent", 1)
    assert (email["channel"], email["status"], email["step_index"]) == ("email", "scheduled", 1)
    assert _due(email) >= _due(sms) + timedelta(days=2)  # day 3 of the path, moved into contact hours
    assert [(t.channel, t.outcome) for t in _taken(shared, debt_id)] == [("sms", "sent")]
    [cost] = [e.data for e in shared.emitted(CostIncurred) if e.data.debt_id == debt_id]
    assert (cost.kind, cost.quantity, cost.amount) == ("sms_message", 1, shared.runtime.settings.cost_per_sms)
    assert await shared.count(ChannelMessage, ChannelMessage.action_id == uuid.UUID(sent["id"])) == 1
    case = await shared.get_json(f"/v1/cases/{debt_id}", STAFF)
    assert (case["step_index"], case["next_action_channel"], case["first_action_at"] is not None) == (
        1, "email", True)
    decisions = await shared.get_json(f"/v1/contact-decisions?debt_id={debt_id}", STAFF)
    assert [(d["channel"], d["outcome"]) for d in decisions["items"]] == [("sms", "allowed")]


async def test_a_dispute_recorded_after_planning_stops_the_step_at_dispatch(shared: Harness) -> None:
    debt_id, borrower_id = await _case(shared, "M1")
    [sms] = await _actions(shared, debt_id)
    dispute_id = uuid.uuid4()
    await _deliver(shared, DisputeOpened(debt_id=debt_id, borrower_id=borrower_id, dispute_id=dispute_id,
                                         reason_code="amount_wrong", kind="amount", opened_on=NOW.date(),
                                         opened_at=NOW), "crm")
    await shared.settled()
    await _dispatch_at(shared, _due(sms) + timedelta(seconds=1))

    [suppressed] = await _actions(shared, debt_id)
    assert suppressed["status"] == "suppressed" and "dispute" in suppressed["rule"]
    assert [(t.outcome, t.rule) for t in _taken(shared, debt_id)] == [("suppressed", suppressed["rule"])]
    assert await shared.count(ChannelMessage, ChannelMessage.action_id == uuid.UUID(suppressed["id"])) == 0
    case = await shared.get_json(f"/v1/cases/{debt_id}", STAFF)
    assert (case["path_exit"], case["next_action_at"]) == ("dispute", None)  # the path waits for the dispute
    decisions = await shared.get_json(f"/v1/contact-decisions?debt_id={debt_id}", STAFF)
    assert [d["outcome"] for d in decisions["items"]] == ["suppressed"]

    # Resolved: the path goes on from the step it stopped at, and the step is sent this time.
    await _deliver(shared, DisputeResolved(debt_id=debt_id, borrower_id=borrower_id, dispute_id=dispute_id,
                                           outcome="rejected", resolved_on=NOW.date(), resolved_at=NOW), "crm")
    await shared.settled()
    case = await shared.get_json(f"/v1/cases/{debt_id}", STAFF)
    assert (case["path_exit"], case["step_index"], case["next_action_channel"]) == (None, 0, "sms")
    _, again = await _actions(shared, debt_id)
    await _dispatch_at(shared, max(_due(again), datetime.now(UTC)) + timedelta(seconds=1))
    assert [a["status"] for a in await _actions(shared, debt_id)][:2] == ["suppressed", "sent"]


async def test_people_s_steps_are_queued_and_the_last_step_hands_the_case_to_legal(shared: Harness) -> None:
    debt_id, _ = await _case(shared, "M6+")
    [placement] = await _actions(shared, debt_id)
    assert placement["channel"] == "agency"
    await _dispatch_at(shared, _due(placement) + timedelta(seconds=1))
    queued, referral = await _actions(shared, debt_id)
    assert (queued["status"], referral["channel"], referral["status"]) == ("queued", "legal", "scheduled")
    assert queued["rule"] == "agency.no_placement_rule"  # no rule takes it yet: for a supervisor to place

    # With an agency and a rule, the strategy's agency step places the debt itself.
    agency = {"code": "acme", "name": "Acme Recoveries", "max_placements": 10, "commission_schedule": {
        "source": "Agreement acme-2026", "tiers": [{"bucket": "*", "rate_percent": "15.00"}]}}
    for path, body in (("/v1/agencies", agency), ("/v1/placement-rules", {
            "name": "past M6", "buckets": ["M6+"], "currency": "CNY", "agency_codes": ["acme"]})):
        assert (await shared.client.post(path, json=body, headers=STAFF)).status_code == 201
    placed_debt, _ = await _case(shared, "M6+")
    [step] = await _actions(shared, placed_debt)
    await _dispatch_at(shared, _due(step) + timedelta(seconds=1))
    [placement] = [e.data for e in shared.emitted(AgencyPlaced) if e.data.debt_id == placed_debt]
    assert placement.agency_code == "acme"
    assert (await _actions(shared, placed_debt))[0]["rule"] is None

    await _dispatch_at(shared, _due(referral) + timedelta(seconds=1))
    case = await shared.get_json(f"/v1/cases/{debt_id}", STAFF)
    assert (case["status"], case["escalation_reason"]) == ("escalated", "strategy_path")
    [escalation] = [e for e in shared.emitted(DebtEscalatedToLegal) if e.data.debt_id == debt_id]
    assert (escalation.data.escalated_by, escalation.tenant) == ("strategy", TENANT)
    assert [t.outcome for t in _taken(shared, debt_id)] == ["queued", "handed_over"]


async def test_a_paid_off_debt_gets_no_further_action(shared: Harness) -> None:
    debt_id, borrower_id = await _case(shared, "M1")
    [sms] = await _actions(shared, debt_id)
    await _deliver(shared, classified(debt_id, borrower_id=borrower_id, dpd_bucket="M0", days_past_due=0,
                                      overdue_type="closed", status="settled",
                                      as_of=NOW.date() + timedelta(days=1)), "classification")
    await shared.settled()
    await _dispatch_at(shared, _due(sms) + timedelta(days=30))
    [cancelled] = await _actions(shared, debt_id)
    assert cancelled["status"] == "cancelled"
    assert _taken(shared, debt_id) == []
    assert await shared.count(ChannelMessage, ChannelMessage.debt_id == debt_id) == 0
