"""What each consumed event means for a debt's facts, applied set-based: `classify_events` takes a poll's run.

The run's debts are read at once (classifications.batch); each event, in order, changes the facts of the debts
it names in memory, and each debt it changed is reclassified as that event left it; the run is written in one
flush. `zone` (the lender's business time zone, in which days are counted) is bound by consumers.build_handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from debtflow.classification.classifications.batch import DebtsInRun
from debtflow.classification.classifications.repository import Cause
from debtflow.classification.facts.models import DebtFactsRow
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
    EventPayload,
    HardshipEnded,
    HardshipGranted,
    LegalCaseOpened,
    LimitationUpdated,
    PaymentReceived,
    PaymentReversed,
    ScoreUpdated,
)


async def classify_events(uow: UnitOfWork, events: list[CloudEvent[Any]], *, zone: ZoneInfo) -> None:
    """Apply a run of events (a debt's in the order they happened) and reclassify what each one changed."""
    wholly = {event.payload.borrower_id for event in events if event.payload.debt_id is None}
    run = await DebtsInRun.load(uow.session, debt_ids={event.payload.debt_id for event in events} - {None},
                                borrowers_whole=wholly, borrowers={event.payload.borrower_id for event in events})
    for event in events:
        with uow.on_behalf_of(event):
            changed = _APPLY[type(event.payload)](run, event.payload, _Context(uow.tenant, zone, event))
            for facts in changed:
                await run.reclassify(uow, facts, cause=_cause(event))
    await run.flush()


class _Context:
    """What an event's facts change needs besides the payload: its tenant, the business zone, its time."""

    def __init__(self, tenant: str | None, zone: ZoneInfo, event: CloudEvent[Any]) -> None:
        self.tenant, self.zone, self.event = tenant, zone, event


# Each function changes the facts of the debts an event names and returns those to reclassify.
FactsChange = Callable[[DebtsInRun, Any, _Context], list[DebtFactsRow]]

# -- intake: the figures ----------------------------------------------------------------------------------


def _registered(run: DebtsInRun, debt: DebtRegistered, context: _Context) -> list[DebtFactsRow]:
    facts = run.facts_for(debt.debt_id, tenant=context.tenant, borrower_id=debt.borrower_id, currency=debt.currency,
                          as_of=debt.as_of_date)
    facts.registered_at = facts.registered_at or debt.registered_at
    apply_intake_facts(facts, version=debt.version, currency=debt.currency, exposure=debt.total_outstanding,
                       first_unpaid_due_date=debt.first_unpaid_due_date, status="open", as_of=debt.as_of_date)
    return [facts]


def _updated(run: DebtsInRun, debt: DebtUpdated, context: _Context) -> list[DebtFactsRow]:
    facts = run.facts_for(debt.debt_id, tenant=context.tenant, borrower_id=debt.borrower_id, currency=debt.currency,
                          as_of=debt.as_of_date)
    newer = apply_intake_facts(facts, version=debt.version, currency=debt.currency, exposure=debt.balances.total,
                               first_unpaid_due_date=debt.first_unpaid_due_date, status=debt.status,
                               as_of=debt.as_of_date)
    return [facts] if newer else []


def _payment(run: DebtsInRun, payment: PaymentReceived | PaymentReversed, context: _Context) -> list[DebtFactsRow]:
    """A payment or a reversal moves the first unpaid due date, so the day count starts again from it."""
    day = business_day(context.event.time, context.zone)
    facts = run.facts_for(payment.debt_id, tenant=context.tenant, borrower_id=payment.borrower_id,
                          currency=payment.currency, as_of=day)
    newer = apply_intake_facts(facts, version=payment.version, currency=payment.currency,
                               exposure=payment.balances_after.total,
                               first_unpaid_due_date=payment.first_unpaid_due_date_after,
                               status=payment.status_after, as_of=day)
    return [facts] if newer else []


# -- crm: the borrower's circumstances ----------------------------------------------------------------------


def _dispute_opened(run: DebtsInRun, opened: DisputeOpened, context: _Context) -> list[DebtFactsRow]:
    return _pause_started(run, _facts_named(run, opened, context), "dispute", "disputed", str(opened.dispute_id),
                          opened.opened_on, None)


def _dispute_resolved(run: DebtsInRun, resolved: DisputeResolved, context: _Context) -> list[DebtFactsRow]:
    return _pause_ended(run, _facts_named(run, resolved, context), "disputed", str(resolved.dispute_id),
                        resolved.resolved_on)


def _hardship_granted(run: DebtsInRun, granted: HardshipGranted, context: _Context) -> list[DebtFactsRow]:
    return _pause_started(run, _facts_named(run, granted, context), "hardship", "hardship", str(granted.hardship_id),
                          granted.starts_on, granted.ends_on)


def _hardship_ended(run: DebtsInRun, ended: HardshipEnded, context: _Context) -> list[DebtFactsRow]:
    return _pause_ended(run, _facts_named(run, ended, context), "hardship", str(ended.hardship_id), ended.ended_on)


def _pause_started(run: DebtsInRun, named: list[DebtFactsRow], reason: str, flag: str, source_ref: str,
                   starts_on: date, ends_on: date | None) -> list[DebtFactsRow]:
    """A dispute or hardship stops the clock of each debt it covers (once per dispute or hardship id)."""
    for facts in named:
        run.start_pause(facts.debt_id, reason=reason, source_ref=source_ref, starts_on=starts_on, ends_on=ends_on)
    return _flagged(named, flag, True)


def _pause_ended(run: DebtsInRun, named: list[DebtFactsRow], flag: str, source_ref: str,
                 ends_on: date) -> list[DebtFactsRow]:
    for facts in named:
        run.end_pause(facts.debt_id, source_ref=source_ref, ends_on=ends_on)
    return _flagged(named, flag, False)


#: The restrictions that make a debt uncontactable for classification's rules (stage 2, overdue type): a cease on
#: some channels, a representative or stated times still leave a way to reach the borrower; collections enforces those.
_UNREACHABLE = ("cease_contact", "uncontactable")


def _contact_restricted(run: DebtsInRun, restriction: ContactRestricted, context: _Context) -> list[DebtFactsRow]:
    if restriction.restriction not in _UNREACHABLE or restriction.channels is not None:
        return []
    return _flagged(_facts_named(run, restriction, context), restriction.restriction, restriction.active)


def _circumstance(run: DebtsInRun, recorded: BorrowerCircumstanceRecorded, context: _Context) -> list[DebtFactsRow]:
    return _flagged(_facts_named(run, recorded, context), recorded.circumstance, recorded.active)


# -- collections, legal and credit ----------------------------------------------------------------------------


def _restructured(run: DebtsInRun, restructured: DebtRestructured, context: _Context) -> list[DebtFactsRow]:
    facts = _facts_named(run, restructured, context)[0]
    facts.restructured_on = restructured.restructured_on
    return _flagged([facts], "restructured", True)


def _legal_action(run: DebtsInRun, payload: DebtEscalatedToLegal | LegalCaseOpened,
                  context: _Context) -> list[DebtFactsRow]:
    """An escalation to legal or an opened case: the debt is in legal action (IFRS 9 stage 3)."""
    return _flagged(_facts_named(run, payload, context), "legal_action", True)


def _limitation_updated(run: DebtsInRun, updated: LimitationUpdated, context: _Context) -> list[DebtFactsRow]:
    [facts] = _facts_named(run, updated, context)
    facts.limitation_expires_on = updated.limitation_expires_on
    return [facts]


def _score_updated(run: DebtsInRun, scored: ScoreUpdated, context: _Context) -> list[DebtFactsRow]:
    [facts] = _facts_named(run, scored, context)
    facts.collection_score = scored.recovery_probability
    return [facts]


# -- shared steps ---------------------------------------------------------------------------------------------


def _facts_named(run: DebtsInRun, payload: Any, context: _Context) -> list[DebtFactsRow]:
    """The facts of the debt an event names, or of all the borrower's debts known so far when it names none."""
    if payload.debt_id is not None:
        return [run.facts_for(payload.debt_id, tenant=context.tenant, borrower_id=payload.borrower_id)]
    return run.facts_of_borrower(payload.borrower_id, context.tenant)


def _flagged(named: list[DebtFactsRow], flag: str, active: bool) -> list[DebtFactsRow]:
    """Raise or lower a flag on each debt; each is reclassified whether the flag changed or not (which also
    brings it up to the latest day known)."""
    for facts in named:
        set_flag(facts, flag, active)
    return named


def _cause(event: CloudEvent[Any]) -> Cause:
    return Cause(event.type.removeprefix("debtflow.").rsplit(".", 1)[0], event.id)


_APPLY: dict[type[EventPayload], FactsChange] = {
    DebtRegistered: _registered,
    DebtUpdated: _updated,
    PaymentReceived: _payment,
    PaymentReversed: _payment,
    DisputeOpened: _dispute_opened,
    DisputeResolved: _dispute_resolved,
    HardshipGranted: _hardship_granted,
    HardshipEnded: _hardship_ended,
    ContactRestricted: _contact_restricted,
    BorrowerCircumstanceRecorded: _circumstance,
    DebtRestructured: _restructured,
    DebtEscalatedToLegal: _legal_action,
    LegalCaseOpened: _legal_action,
    LimitationUpdated: _limitation_updated,
    ScoreUpdated: _score_updated,
}
#: The event types classification follows (consumers.py maps each to one set-based handler).
FACTS_EVENTS = tuple(_APPLY)
