"""Collections use cases for the case itself: open or update it when the debt is classified, close it when the
debt is paid off, sold or written off (cancelling what was planned), reopen it when it is overdue again, take in
the segment facts other services announce, escalate it to legal, read it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.cases.models import BorrowerFacts, CollectionCase, DebtFacts
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.schedule.models import PlannedAction
from debtflow.collections.schedule.service import plan_next_steps, start_path
from debtflow.collections.strategies.service import StrategyBook, strategy_book
from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.bulk import update_rows
from debtflow.common.db.expressions import one_of
from debtflow.common.events import (
    BorrowerCircumstanceRecorded,
    CloudEvent,
    CollectionCaseClosed,
    CollectionCaseReopened,
    ComplaintReceived,
    ComplaintResolved,
    ContactRestricted,
    DebtClassified,
    DebtEscalatedToLegal,
    DebtRegistered,
    DebtSold,
    DebtUpdated,
    DebtWrittenOff,
    DisputeResolved,
    HardshipEnded,
    PaymentReceived,
    ScheduledAction,
    ScoreUpdated,
    StrategyAssigned,
    VulnerabilityRecorded,
)
from debtflow.common.problems import Conflict, NotFound

#: What classification's overdue type says about collection: nothing is overdue, or the debt is closed.
_NOT_COLLECTED = {"current": "cured", "closed": "closed"}
#: Steps not carried out yet: planned, being sent, or queued for a collector (a closed case needs none of them).
PENDING = ("scheduled", "dispatching", "queued")


async def cases_of(session: AsyncSession, debt_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CollectionCase]:
    """The cases of these debts, in one query."""
    return {case.debt_id: case for case in await session.scalars(
        select(CollectionCase).where(one_of(CollectionCase.debt_id, set(debt_ids))))}


async def assign_strategies(uow: UnitOfWork, events: list[CloudEvent[Any]], *, policy: ContactPolicy) -> None:
    """Set-based, for classification's and intake's and legal's debt events: the run's cases in one query, each
    event applied in order in memory, then what closing cancels in one UPDATE and the new steps planned together."""
    cases = await cases_of(uow.session, {event.payload.debt_id for event in events})
    new_debts = [e.payload for e in events if isinstance(e.payload, DebtClassified) and e.payload.debt_id not in cases]
    classifying = any(isinstance(event.payload, DebtClassified) for event in events)
    book = await strategy_book(uow.session) if classifying else None
    facts = await known_facts(uow.session, new_debts) if new_debts else KnownFacts({}, {})
    now = utcnow()
    to_plan: dict[uuid.UUID, CollectionCase] = {}
    closed: dict[uuid.UUID, tuple[CollectionCase, str]] = {}
    for event in events:
        with uow.on_behalf_of(event):  # what it emits, and the case's tenant, are this event's
            payload = event.payload
            if isinstance(payload, DebtClassified) and book is not None:
                case = _classified(uow, cases, payload, book, facts, now)
                if case is None:
                    continue
                if case.status == "closed":
                    closed[case.debt_id] = (case, case.close_reason or "closed")
                    to_plan.pop(case.debt_id, None)
                elif case.status == "active" and case.next_action_at is None:
                    closed.pop(case.debt_id, None)
                    to_plan[case.debt_id] = case
            else:
                case = cases.get(payload.debt_id)
                reason = _disposal_reason(payload)
                if case is not None and reason is not None and case.status != "closed":
                    _close(case, reason, now)
                    closed[case.debt_id] = (case, reason)
                    to_plan.pop(case.debt_id, None)
    await _announce_closures(uow, events, closed, now)
    if book is not None:
        await plan_next_steps(uow, list(to_plan.values()), book, now=now, policy=policy)


def _classified(uow: UnitOfWork, cases: dict[uuid.UUID, CollectionCase], classified: DebtClassified,
                book: StrategyBook, facts: KnownFacts, now: datetime) -> CollectionCase | None:
    """Open, update, close or reopen the debt's case; a new strategy (or version, or arm) starts its path."""
    case = cases.get(classified.debt_id)
    if case is not None and case.classified_as_of > classified.as_of_date:
        return None  # an older classification arriving late changes nothing
    if case is None:
        case = cases[classified.debt_id] = CollectionCase(
            debt_id=classified.debt_id, status="active", entered_at=now, exposure_at_entry=classified.exposure,
            assigned_at=now, path_started_at=now, strategy_code="", strategy_version=0, step_index=0,
            vulnerable=False, borrower_id=classified.borrower_id)
        facts.give_to(case)
        uow.session.add(case)
    _take_segment(case, classified, uow.tenant, now)
    stop = classified.status if classified.status != "open" else _NOT_COLLECTED.get(classified.overdue_type or "")
    if stop is not None:
        if case.status != "closed" and case.status != "escalated":
            _close(case, stop, now)
        return case
    if case.status == "closed":
        case.status, case.closed_at, case.close_reason = "active", None, None
        case.next_action_at = case.next_action_channel = None
        case.strategy_code = ""  # the path starts again from its first step
        uow.emit(CollectionCaseReopened(debt_id=case.debt_id, borrower_id=case.borrower_id,
                                        dpd_bucket=case.dpd_bucket, reopened_at=now))
    if case.status == "active":
        _choose_strategy(uow, case, book, now)
    return case


def _take_segment(case: CollectionCase, classified: DebtClassified, tenant: str | None, now: datetime) -> None:
    case.borrower_id = classified.borrower_id
    case.tenant = tenant or case.tenant
    case.dpd_bucket = classified.dpd_bucket
    case.five_tier_class = classified.five_tier_class
    case.overdue_type = classified.overdue_type
    case.days_past_due = classified.days_past_due
    case.classified_as_of = classified.as_of_date
    case.exposure = classified.exposure
    case.currency = classified.currency
    case.priority_score = classified.priority_score
    case.priority_tier = classified.priority_tier
    case.updated_at = now


def _choose_strategy(uow: UnitOfWork, case: CollectionCase, book: StrategyBook, now: datetime) -> None:
    """Keep the path when the strategy in force for the segment is the one the case is on; else start the new one
    (its first step is planned by the caller, with every other in the run) and announce it."""
    strategy, experiment, arm = book.choose(case)
    if (strategy.code, strategy.version) == (case.strategy_code, case.strategy_version):
        return
    previous = case.strategy_code or None
    start_path(case, strategy, now, experiment_id=experiment.id if experiment else None, arm=arm)
    first = strategy.steps[0]
    uow.emit(StrategyAssigned(
        debt_id=case.debt_id, borrower_id=case.borrower_id, strategy_code=strategy.code,
        previous_strategy_code=previous if previous != strategy.code else None, dpd_bucket=case.dpd_bucket,
        first_action=ScheduledAction(channel=first.channel, scheduled_for=max(now, case.path_started_at)),
        assigned_at=now))


def _disposal_reason(payload: Any) -> str | None:
    """Why intake's or legal's event ends collection on the debt, if it does."""
    if isinstance(payload, DebtUpdated):
        return None if payload.status == "open" else payload.status
    if isinstance(payload, DebtSold):
        return "sold"
    if isinstance(payload, DebtWrittenOff):
        return "written_off"
    return None


def _close(case: CollectionCase, reason: str, now: datetime) -> None:
    case.status, case.closed_at, case.close_reason = "closed", now, reason
    case.next_action_at = case.next_action_channel = None
    case.updated_at = now


async def _announce_closures(uow: UnitOfWork, events: list[CloudEvent[Any]],
                             closed: dict[uuid.UUID, tuple[CollectionCase, str]], now: datetime) -> None:
    """Cancel every pending action of the cases closed in this run (one UPDATE), then announce each closure."""
    if not closed:
        return
    await uow.session.flush()
    pending = {debt_id: 0 for debt_id in closed}
    for debt_id in await uow.session.scalars(select(PlannedAction.debt_id).where(
            one_of(PlannedAction.debt_id, set(closed)), PlannedAction.status.in_(PENDING))):
        pending[debt_id] += 1
    await uow.session.execute(
        update(PlannedAction).where(one_of(PlannedAction.debt_id, set(closed)), PlannedAction.status.in_(PENDING))
        .values(status="cancelled", rule="case_closed", decided_at=now).execution_options(synchronize_session=False))
    causes = {event.payload.debt_id: event for event in events}
    for debt_id, (case, reason) in closed.items():
        with uow.on_behalf_of(causes[debt_id]):
            uow.emit(CollectionCaseClosed(debt_id=debt_id, borrower_id=case.borrower_id, reason=reason,
                                          cancelled_actions=pending[debt_id], closed_at=now))


async def apply_segment_facts(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based: what segments select on, kept whether or not the case is open yet (a registration and a
    borrower's region come before the first classification): intake's product and region, credit's collection
    score, crm's vulnerability flag. Open cases take them at once; the strategy follows on the next
    classification."""
    debts = {row.debt_id: row for row in await uow.session.scalars(select(DebtFacts).where(one_of(
        DebtFacts.debt_id, {e.payload.debt_id for e in events if isinstance(e.payload, DebtRegistered | ScoreUpdated)})))}
    borrowers = {row.borrower_id: row for row in await uow.session.scalars(select(BorrowerFacts).where(one_of(
        BorrowerFacts.borrower_id,
        {e.payload.borrower_id for e in events if not isinstance(e.payload, DebtRegistered | ScoreUpdated)})))}
    for event in events:
        payload = event.payload
        if isinstance(payload, DebtRegistered | ScoreUpdated):
            facts = debts.get(payload.debt_id) or _new(uow, debts, payload.debt_id, DebtFacts(debt_id=payload.debt_id))
            if isinstance(payload, DebtRegistered):
                facts.product = payload.product
            else:
                facts.recovery_probability_bp = int((payload.recovery_probability * 10_000).to_integral_value())
        else:
            facts = borrowers.get(payload.borrower_id) or _new(
                uow, borrowers, payload.borrower_id, BorrowerFacts(borrower_id=payload.borrower_id, vulnerable=False))
            if isinstance(payload, VulnerabilityRecorded):
                facts.vulnerable = payload.active
            else:
                facts.region = payload.region
    await uow.session.flush()
    await update_rows(uow.session, CollectionCase.__table__, "debt_id", [
        {"debt_id": f.debt_id, "product": f.product, "recovery_probability_bp": f.recovery_probability_bp}
        for f in debts.values()])
    # One statement for the run's borrowers, however many (intake registers them by the thousand): every case
    # of each borrower takes the facts.
    await update_rows(uow.session, CollectionCase.__table__, "borrower_id", [
        {"borrower_id": f.borrower_id, "region": f.region, "vulnerable": f.vulnerable} for f in borrowers.values()])


def _new(uow: UnitOfWork, rows: dict[Any, Any], key: Any, row: Any) -> Any:
    rows[key] = row
    uow.session.add(row)
    return row


async def apply_outcomes(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based: what the experiments measure on each case: payments (net of reversals; recorded after a
    disposal too, they are recoveries) and complaints (a borrower-wide one counts on each of their open cases)."""
    cases = await cases_of(uow.session, {e.payload.debt_id for e in events if e.payload.debt_id is not None})
    wide = {e.payload.borrower_id for e in events if isinstance(e.payload, ComplaintReceived)
            and e.payload.debt_id is None}
    if wide:
        for case in await uow.session.scalars(select(CollectionCase).where(
                one_of(CollectionCase.borrower_id, wide), CollectionCase.status != "closed")):
            cases.setdefault(case.debt_id, case)
    for event in events:
        payload = event.payload
        if isinstance(payload, ComplaintReceived):
            for case in cases.values():
                if case.debt_id == payload.debt_id or (payload.debt_id is None and case.borrower_id ==
                                                       payload.borrower_id and case.status != "closed"):
                    case.complaints += 1
        elif (case := cases.get(payload.debt_id)) is not None:
            sign = 1 if isinstance(payload, PaymentReceived) else -1
            case.recovered = max(Decimal("0.00"), case.recovered + sign * payload.amount)


#: Strategy exits a lifted hold may end: the path goes on from the step it stopped at.
HOLD_EXITS = ("dispute", "hardship", "restriction")


async def resume_paths(uow: UnitOfWork, events: list[CloudEvent[Any]], *, policy: ContactPolicy) -> None:
    """Set-based, for crm's events that lift a hold (a dispute resolved, a hardship ended, a restriction or a
    circumstance withdrawn, a pausing complaint resolved): the paths those holds ended go on from the step they
    stopped at, planned again now (the contact policy still decides at dispatch whether the step may go)."""
    lifted = [e.payload for e in events if _lifts_a_hold(e.payload)]
    if not lifted:
        return
    debts = {p.debt_id for p in lifted if p.debt_id is not None}
    borrowers = {p.borrower_id for p in lifted if p.debt_id is None}
    query = select(CollectionCase).where(CollectionCase.status == "active", CollectionCase.path_exit.in_(HOLD_EXITS))
    cases = [case for case in await uow.session.scalars(query.where(
        one_of(CollectionCase.debt_id, debts) | one_of(CollectionCase.borrower_id, borrowers)))]
    for case in cases:
        case.path_exit = None
    if cases:
        await plan_next_steps(uow, cases, await strategy_book(uow.session), now=utcnow(), policy=policy)


def _lifts_a_hold(payload: Any) -> bool:
    if isinstance(payload, DisputeResolved | HardshipEnded):
        return True
    if isinstance(payload, ContactRestricted | BorrowerCircumstanceRecorded):
        return not payload.active
    return isinstance(payload, ComplaintResolved) and payload.collection_may_resume


@dataclass(frozen=True)
class KnownFacts:
    """What is known about the debts and borrowers of a run before their cases open (two queries)."""

    debts: dict[uuid.UUID, DebtFacts]
    borrowers: dict[str, BorrowerFacts]

    def give_to(self, case: CollectionCase) -> None:
        if (debt := self.debts.get(case.debt_id)) is not None:
            case.product, case.recovery_probability_bp = debt.product, debt.recovery_probability_bp
        if (borrower := self.borrowers.get(case.borrower_id)) is not None:
            case.region, case.vulnerable = borrower.region, borrower.vulnerable


async def known_facts(session: AsyncSession, classified: list[DebtClassified]) -> KnownFacts:
    debts = {row.debt_id: row for row in await session.scalars(
        select(DebtFacts).where(one_of(DebtFacts.debt_id, {c.debt_id for c in classified})))}
    borrowers = {row.borrower_id: row for row in await session.scalars(
        select(BorrowerFacts).where(one_of(BorrowerFacts.borrower_id, {c.borrower_id for c in classified})))}
    return KnownFacts(debts, borrowers)


async def escalate_to_legal(uow: UnitOfWork, *, debt_id: uuid.UUID, reason_code: str, actor: Actor | None,
                            ) -> CollectionCase:
    """Hand a case over to legal (a collector, or the strategy's last step); legal opens a legal case when it
    receives the event. The case leaves the queues and what was planned is cancelled."""
    case = await uow.session.get(CollectionCase, debt_id, with_for_update=True)
    if case is None:
        raise NotFound(f"no collection case for debt {debt_id}")
    if case.status == "escalated":
        raise Conflict(f"debt {debt_id} was already escalated to legal at {case.escalated_at:%Y-%m-%d %H:%M} UTC")
    now = utcnow()
    case.status, case.escalated_at, case.escalation_reason, case.updated_at = "escalated", now, reason_code, now
    case.next_action_at = case.next_action_channel = None
    await uow.session.execute(
        update(PlannedAction).where(PlannedAction.debt_id == debt_id, PlannedAction.status.in_(PENDING))
        .values(status="cancelled", rule="escalated_to_legal", decided_at=now)
        .execution_options(synchronize_session=False))
    uow.emit(
        DebtEscalatedToLegal(
            debt_id=debt_id, borrower_id=case.borrower_id, reason_code=reason_code,
            escalated_by=actor.subject if actor else "strategy", escalated_at=now,
        ),
        tenant=case.tenant,  # a request has no event to take the tenant from: the case remembers it
    )
    return case


async def get_case(session: AsyncSession, debt_id: uuid.UUID) -> CollectionCase:
    case = await session.get(CollectionCase, debt_id)
    if case is None:
        raise NotFound(f"no collection case for debt {debt_id} (yet)")
    return case


async def actions_of(session: AsyncSession, debt_id: uuid.UUID, *, limit: int = 500) -> list[PlannedAction]:
    await get_case(session, debt_id)
    return list(await session.scalars(select(PlannedAction).where(PlannedAction.debt_id == debt_id)
                                      .order_by(PlannedAction.created_at.desc(), PlannedAction.step_index.desc())
                                      .limit(limit)))
