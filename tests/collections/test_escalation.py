"""Escalation before the path says so, and a promise holding the path: the triggers as a pure rule, then on
SQLite and PostgreSQL a large exposure and a long silence sending cases to legal, and a due step waiting for the
borrower's promise instead of chasing them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from debtflow.collections.cases.escalation import escalate_on_triggers, fired
from debtflow.collections.channels.gateways import build_gateways
from debtflow.collections.promises.models import PromiseToPay
from debtflow.collections.schedule.jobs import dispatch_due
from debtflow.collections.strategies.rules import EscalationTriggers
from debtflow.common.clock import utcnow
from debtflow.common.events import CloudEvent, DebtEscalatedToLegal
from support import token
from support.crm import borrower_event
from support.harness import Harness, classified

STAFF = token("supervisor", subject="supervisor-1")
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
TRIGGERS = EscalationTriggers(exposure_at_least=Decimal("200000.00"), broken_promises=3, no_contact_days=60)


@pytest.mark.parametrize(
    ("exposure", "broken", "entered_days_ago", "spoke_days_ago", "reason"),
    [("199999.99", 2, 10, None, None), ("200000.00", 0, 0, None, "exposure_threshold"),
     ("100.00", 3, 0, None, "broken_promises"), ("100.00", 0, 60, None, "no_contact"),
     ("100.00", 0, 90, 59, None), ("100.00", 0, 90, 60, "no_contact")],
)
def test_the_first_trigger_that_fires_is_the_reason(exposure: str, broken: int, entered_days_ago: int,
                                                     spoke_days_ago: int | None, reason: str | None) -> None:
    spoke = None if spoke_days_ago is None else NOW - timedelta(days=spoke_days_ago)
    assert fired(TRIGGERS, exposure=Decimal(exposure), broken_promises=broken,
                 entered_at=NOW - timedelta(days=entered_days_ago), last_conversation_at=spoke, now=NOW) == reason
    assert fired(EscalationTriggers(), exposure=Decimal("1e9"), broken_promises=99, entered_at=NOW - timedelta(
        days=999), last_conversation_at=None, now=NOW) is None  # no trigger, no escalation


async def _case(service: Harness, bucket: str, exposure: str = "1000.00") -> uuid.UUID:
    debt_id = uuid.uuid4()
    borrower_id = f"BR-{debt_id.hex[:10]}"
    await service.deliver(CloudEvent.new(borrower_event(service.runtime.settings.field_cipher,
                                                        borrower_id=borrower_id), source_service="intake"))
    await service.settled()
    await service.publish(classified(debt_id, borrower_id=borrower_id, dpd_bucket=bucket, exposure=exposure,
                                     overdue_type="default"))
    await service.settled()
    return debt_id


async def test_a_large_exposure_and_a_long_silence_go_to_legal(shared: Harness) -> None:
    large, quiet, ordinary = (await _case(shared, "M2", "250000.00"), await _case(shared, "M3"),
                              await _case(shared, "M1"))
    await escalate_on_triggers(shared.runtime.uow, now=utcnow())
    await shared.settled()
    assert (await shared.get_json(f"/v1/cases/{large}", STAFF))["escalation_reason"] == "exposure_threshold"
    assert (await shared.get_json(f"/v1/cases/{quiet}", STAFF))["status"] == "active"

    await escalate_on_triggers(shared.runtime.uow, now=utcnow() + timedelta(days=61))  # two months, not a word
    await shared.settled()
    assert (await shared.get_json(f"/v1/cases/{quiet}", STAFF))["escalation_reason"] == "no_contact"
    # early-reminder (M1) has no triggers: it follows its path.
    assert (await shared.get_json(f"/v1/cases/{ordinary}", STAFF))["status"] == "active"
    reasons = {e.data.debt_id: e.data.reason_code for e in shared.emitted(DebtEscalatedToLegal)}
    assert (reasons.get(large), reasons.get(quiet), reasons.get(ordinary)) == ("exposure_threshold", "no_contact",
                                                                               None)


async def test_a_due_step_waits_for_the_borrowers_promise(shared: Harness) -> None:
    debt_id = await _case(shared, "M1")
    [step] = await shared.get_json(f"/v1/cases/{debt_id}/actions", STAFF)
    due = datetime.fromisoformat(step["due_at"])
    deadline = due + timedelta(days=5)
    async with shared.runtime.uow() as unit:
        unit.session.add(PromiseToPay(
            id=uuid.uuid4(), debt_id=debt_id, borrower_id="BR-x", amount=Decimal("300.00"), currency="CNY",
            due_on=deadline.date(), deadline_at=deadline, status="open", paid_amount=Decimal("0.00"), made_at=due,
            made_by="collector-7"))
    while await dispatch_due(shared.runtime, build_gateways(shared.runtime.settings), now=due + timedelta(seconds=1)):
        pass
    [waiting] = await shared.get_json(f"/v1/cases/{debt_id}/actions", STAFF)
    assert (waiting["status"], waiting["rule"]) == ("scheduled", "strategy.promise_made")
    assert datetime.fromisoformat(waiting["due_at"]) == deadline
    decisions = await shared.get_json(f"/v1/contact-decisions?debt_id={debt_id}", STAFF)
    assert decisions["items"] == []  # not a contact: the contact policy was not asked
