"""What each consumed event means for a debt's facts; every handler ends by reclassifying what it touched.

Handlers are use cases of the shape `(uow, event)`; `zone` (the lender's business time zone, in which days
are counted) is bound by consumers.build_handlers.
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from debtflow.classification.classifications.service import Cause, reclassify
from debtflow.classification.facts.models import DebtFactsRow
from debtflow.classification.facts.repository import end_pause, facts_for, facts_of_borrower, start_pause
from debtflow.classification.facts.rules import apply_intake_facts, business_day, set_flag
from debtflow.common.db import UnitOfWork
from debtflow.common.events import (
    BorrowerCircumstanceRecorded,
    CloudEvent,
    ContactRestricted,
    DebtEscalatedToLegal,
    DebtRegistered,
    DebtRestructured,
    DebtUpdated,
    DisputeOpened,
    DisputeResolved,
    HardshipEnded,
    HardshipGranted,
    LegalCaseOpened,
    LimitationUpdated,
    PaymentReceived,
    PaymentReversed,
    ScoreUpdated,
)

# -- intake: the figures ----------------------------------------------------------------------------------


async def on_debt_registered(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
    debt = event.payload
    facts = await facts_for(uow.session, debt.debt_id, tenant=uow.tenant, borrower_id=debt.borrower_id, currency=debt.currency,
                            as_of=debt.as_of_date)
    facts.registered_at = facts.registered_at or debt.registered_at
    apply_intake_facts(facts, version=debt.version, currency=debt.currency, exposure=debt.total_outstanding,
                       first_unpaid_due_date=debt.first_unpaid_due_date, status="open", as_of=debt.as_of_date)
    await reclassify(uow, debt.debt_id, cause=_cause(event), facts=facts)


async def on_debt_updated(uow: UnitOfWork, event: CloudEvent[DebtUpdated]) -> None:
    debt = event.payload
    facts = await facts_for(uow.session, debt.debt_id, tenant=uow.tenant, borrower_id=debt.borrower_id, currency=debt.currency,
                            as_of=debt.as_of_date)
    if apply_intake_facts(facts, version=debt.version, currency=debt.currency, exposure=debt.balances.total,
                          first_unpaid_due_date=debt.first_unpaid_due_date, status=debt.status, as_of=debt.as_of_date):
        await reclassify(uow, debt.debt_id, cause=_cause(event), facts=facts)


async def on_payment(uow: UnitOfWork, event: CloudEvent[Any], *, zone: ZoneInfo) -> None:
    """A payment or a reversal moves the first unpaid due date, so the day count starts again from it."""
    payment: PaymentReceived | PaymentReversed = event.payload
    day = business_day(event.time, zone)
    facts = await facts_for(uow.session, payment.debt_id, tenant=uow.tenant, borrower_id=payment.borrower_id,
                            currency=payment.currency, as_of=day)
    if apply_intake_facts(facts, version=payment.version, currency=payment.currency,
                          exposure=payment.balances_after.total,
                          first_unpaid_due_date=payment.first_unpaid_due_date_after, status=payment.status_after,
                          as_of=day):
        await reclassify(uow, payment.debt_id, cause=_cause(event), facts=facts)


# -- crm: the borrower's circumstances ----------------------------------------------------------------------


async def on_dispute_opened(uow: UnitOfWork, event: CloudEvent[DisputeOpened]) -> None:
    opened = event.payload
    for facts in await _facts_named(uow, opened.debt_id, opened.borrower_id):
        await start_pause(uow.session, facts.debt_id, reason="dispute", source_ref=str(opened.dispute_id),
                          starts_on=opened.opened_on, ends_on=None)
        await _flag(uow, facts, "disputed", True, event)


async def on_dispute_resolved(uow: UnitOfWork, event: CloudEvent[DisputeResolved]) -> None:
    resolved = event.payload
    for facts in await _facts_named(uow, resolved.debt_id, resolved.borrower_id):
        await end_pause(uow.session, facts.debt_id, source_ref=str(resolved.dispute_id), ends_on=resolved.resolved_on)
        await _flag(uow, facts, "disputed", False, event)


async def on_hardship_granted(uow: UnitOfWork, event: CloudEvent[HardshipGranted]) -> None:
    granted = event.payload
    for facts in await _facts_named(uow, granted.debt_id, granted.borrower_id):
        await start_pause(uow.session, facts.debt_id, reason="hardship", source_ref=str(granted.hardship_id),
                          starts_on=granted.starts_on, ends_on=granted.ends_on)
        await _flag(uow, facts, "hardship", True, event)


async def on_hardship_ended(uow: UnitOfWork, event: CloudEvent[HardshipEnded]) -> None:
    ended = event.payload
    for facts in await _facts_named(uow, ended.debt_id, ended.borrower_id):
        await end_pause(uow.session, facts.debt_id, source_ref=str(ended.hardship_id), ends_on=ended.ended_on)
        await _flag(uow, facts, "hardship", False, event)


async def on_contact_restricted(uow: UnitOfWork, event: CloudEvent[ContactRestricted]) -> None:
    restriction = event.payload
    for facts in await _facts_named(uow, restriction.debt_id, restriction.borrower_id):
        await _flag(uow, facts, restriction.restriction, restriction.active, event)


async def on_circumstance(uow: UnitOfWork, event: CloudEvent[BorrowerCircumstanceRecorded]) -> None:
    recorded = event.payload
    for facts in await _facts_named(uow, recorded.debt_id, recorded.borrower_id):
        await _flag(uow, facts, recorded.circumstance, recorded.active, event)


# -- collections, legal and credit ----------------------------------------------------------------------------


async def on_restructured(uow: UnitOfWork, event: CloudEvent[DebtRestructured]) -> None:
    restructured = event.payload
    facts = await facts_for(uow.session, restructured.debt_id, tenant=uow.tenant, borrower_id=restructured.borrower_id)
    facts.restructured_on = restructured.restructured_on
    await _flag(uow, facts, "restructured", True, event)


async def on_legal_action(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """An escalation to legal or an opened case: the debt is in legal action (IFRS 9 stage 3)."""
    payload: DebtEscalatedToLegal | LegalCaseOpened = event.payload
    facts = await facts_for(uow.session, payload.debt_id, tenant=uow.tenant, borrower_id=payload.borrower_id)
    await _flag(uow, facts, "legal_action", True, event)


async def on_limitation_updated(uow: UnitOfWork, event: CloudEvent[LimitationUpdated]) -> None:
    updated = event.payload
    facts = await facts_for(uow.session, updated.debt_id, tenant=uow.tenant, borrower_id=updated.borrower_id)
    facts.limitation_expires_on = updated.limitation_expires_on
    await reclassify(uow, facts.debt_id, cause=_cause(event), facts=facts)


async def on_score_updated(uow: UnitOfWork, event: CloudEvent[ScoreUpdated]) -> None:
    scored = event.payload
    facts = await facts_for(uow.session, scored.debt_id, tenant=uow.tenant, borrower_id=scored.borrower_id)
    facts.collection_score = scored.recovery_probability
    await reclassify(uow, facts.debt_id, cause=_cause(event), facts=facts)


# -- shared steps ---------------------------------------------------------------------------------------------


async def _facts_named(uow: UnitOfWork, debt_id: uuid.UUID | None, borrower_id: str) -> list[DebtFactsRow]:
    """The facts of the debt an event names, or of all the borrower's debts known so far when it names none."""
    if debt_id is not None:
        return [await facts_for(uow.session, debt_id, tenant=uow.tenant, borrower_id=borrower_id)]
    return await facts_of_borrower(uow.session, borrower_id, uow.tenant)


async def _flag(uow: UnitOfWork, facts: DebtFactsRow, flag: str, active: bool, event: CloudEvent[Any]) -> None:
    set_flag(facts, flag, active)
    await reclassify(uow, facts.debt_id, cause=_cause(event), facts=facts)


def _cause(event: CloudEvent[Any]) -> Cause:
    return Cause(event.type.removeprefix("debtflow.").rsplit(".", 1)[0], event.id)
