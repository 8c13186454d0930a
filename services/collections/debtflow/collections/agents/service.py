"""Agent use cases: manage collectors, build a collector's worklist (routed by team and skill, ordered by promise
due, callback and priority, only what the contact policy permits now), claim, release and reassign cases, record
the outcome of a contact (through the contact policy first), and keep vulnerable borrowers' teams from crm."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.agents import rules
from debtflow.collections.agents.models import (
    CaseAgentState,
    CaseClaim,
    Collector,
    ContactOutcome,
    SpecialistTeam,
)
from debtflow.collections.agents.schemas import CollectorIn, OutcomeIn
from debtflow.collections.agents.settings import AgentSettings
from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.contact_policy import service as contact_policy
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.contact_policy.rules import ProposedContact
from debtflow.collections.costs.rules import CostItem, UnitPrices
from debtflow.collections.costs.service import record_costs
from debtflow.collections.promises import service as promises
from debtflow.collections.promises.models import PromiseToPay
from debtflow.collections.schedule.models import PlannedAction
from debtflow.common.auth import Actor, Role, normalise_identity
from debtflow.common.db import UnitOfWork, UnitOfWorkFactory
from debtflow.common.db.expressions import one_of
from debtflow.common.events import CloudEvent, ContactOutcomeRecorded, VulnerabilityRecorded, event_tenant
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Conflict, InvalidInput, NotFound, field_error

#: Candidates read per round of the worklist: the policy may refuse some, so read more than asked for.
_ROUNDS, _POOL_FACTOR = 4, 3


# -- collectors --------------------------------------------------------------------------------------------------

async def put_collector(uow: UnitOfWork, subject: str, request: CollectorIn, *, actor: Actor,
                        now: datetime) -> Collector:
    """Create or replace a collector's team, skills and languages (a supervisor's call)."""
    identity = normalise_identity(subject)
    collector = await uow.session.get(Collector, identity, with_for_update=True)
    if collector is None:
        collector = Collector(identity=identity)
        uow.session.add(collector)
    collector.subject, collector.team, collector.active = subject, request.team, request.active
    collector.skills, collector.languages = sorted(set(request.skills)), sorted(set(request.languages))
    collector.updated_by, collector.updated_at = actor.identity, now
    return collector


async def get_collector(session: AsyncSession, subject: str) -> Collector:
    collector = await session.get(Collector, normalise_identity(subject))
    if collector is None:
        raise NotFound(f"no collector {subject}")
    return collector


async def list_collectors(session: AsyncSession, *, team: str | None, limit: int,
                          after: str | None) -> tuple[list[Collector], str | None]:
    query = select(Collector)
    if team is not None:
        query = query.where(Collector.team == team)
    if after is not None:
        (identity,) = decode_cursor(after, str)
        query = query.where(Collector.identity > identity)
    rows = list(await session.scalars(query.order_by(Collector.identity).limit(limit + 1)))
    return page_of(rows, limit, lambda collector: (collector.identity,))


async def _working_collector(session: AsyncSession, identity: str) -> Collector:
    collector = await session.get(Collector, identity)
    if collector is None or not collector.active:
        # 409, not 403: the role is right, the collector's set-up is missing (a state a supervisor can change).
        raise Conflict(f"{identity} is not an active collector: a supervisor adds them with "
                       "PUT /v1/collectors/{subject}", slug="not-a-collector")
    return collector


# -- the worklist ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WorkItem:
    case: CollectionCase
    promise_due_on: date | None
    callback_at: datetime | None
    claimed_until: datetime | None


async def worklist(session: AsyncSession, *, actor: Actor, settings: AgentSettings, policy: ContactPolicy,
                   now: datetime, limit: int) -> list[WorkItem]:
    """The calling collector's next best cases to call now: those their team and skills take, not claimed by
    someone else, no callback later; promises falling due first, then callbacks due, then priority; and only
    those the contact policy lets them call now."""
    collector = await _working_collector(session, actor.identity)
    query = _candidates(collector, settings, now)
    chosen: list[WorkItem] = []
    pool = limit * _POOL_FACTOR
    for round_number in range(_ROUNDS):
        rows = (await session.execute(query.offset(round_number * pool).limit(pool))).all()
        chosen += await _callable_now(session, rows, now, policy)
        if len(chosen) >= limit or len(rows) < pool:
            break
    return chosen[:limit]


async def _callable_now(session: AsyncSession, rows: Sequence[Any], now: datetime,
                        policy: ContactPolicy) -> list[WorkItem]:
    if not rows:
        return []
    proposals = [ProposedContact(debt_id=row[0].debt_id, borrower_id=row[0].borrower_id, channel="call", at=now,
                                 actor="agent") for row in rows]
    decisions = await contact_policy.decide(session, proposals, policy=policy)
    return [WorkItem(row[0], row[1], row[2], row[3]) for row, decision in zip(rows, decisions, strict=True)
            if decision.outcome == "allowed"]


def _candidates(collector: Collector, settings: AgentSettings, now: datetime) -> Any:
    """Cases, with the promise falling due and the callback that order them, in worklist order."""
    today = now.astimezone(ZoneInfo(settings.promise_timezone)).date()
    promise_due = (select(func.min(PromiseToPay.due_on))
                   .where(PromiseToPay.debt_id == CollectionCase.debt_id, PromiseToPay.status == "open",
                          PromiseToPay.due_on <= today).scalar_subquery())
    claims = CaseClaim.__table__.alias("claims")
    # A case is for people when its strategy's step now is a call (the dispatcher queued it), a promise falls due
    # or the borrower asked to be called back; the digital steps of other cases are not a collector's to dial.
    call_due = (select(PlannedAction.id).where(
        PlannedAction.debt_id == CollectionCase.debt_id, PlannedAction.channel == "call",
        PlannedAction.status == "queued").exists())
    query = (select(CollectionCase, promise_due.label("promise_due_on"), CaseAgentState.callback_at,
                    claims.c.expires_at)
             .outerjoin(CaseAgentState, CaseAgentState.debt_id == CollectionCase.debt_id)
             .outerjoin(claims, and_(claims.c.debt_id == CollectionCase.debt_id, claims.c.expires_at > now))
             .where(CollectionCase.status == "active", _routed_to(collector.team, settings),
                    or_(claims.c.collector.is_(None), claims.c.collector == collector.identity),
                    or_(CaseAgentState.callback_at.is_(None), CaseAgentState.callback_at <= now),
                    or_(call_due, promise_due.is_not(None), CaseAgentState.callback_at.is_not(None))))
    if rules.HIGH_VALUE_SKILL not in collector.skills:
        query = query.where(CollectionCase.exposure < settings.agent_high_value_exposure)
    return query.order_by(promise_due.is_(None), promise_due, CaseAgentState.callback_at.is_(None),
                          CaseAgentState.callback_at, CollectionCase.priority_score.is_(None),
                          CollectionCase.priority_score.desc(), CollectionCase.debt_id)


def _specialist_team() -> Any:
    """The team of the borrower's latest active vulnerability, if any."""
    return (select(SpecialistTeam.team)
            .where(SpecialistTeam.borrower_id == CollectionCase.borrower_id,
                   SpecialistTeam.tenant.is_not_distinct_from(CollectionCase.tenant), SpecialistTeam.active)
            .order_by(SpecialistTeam.recorded_at.desc()).limit(1).scalar_subquery())


def _routed_to(team: str, settings: AgentSettings) -> Any:
    """The SQL form of rules.team_for: the specialist team when there is one, else the bucket's team."""
    named, takes_default = rules.buckets_of(team, settings.agent_team_by_bucket)
    every_named = [bucket for bucket in settings.agent_team_by_bucket if bucket != "default"]
    by_bucket = CollectionCase.dpd_bucket.in_(sorted(named)) if named else None
    if takes_default:
        unnamed = CollectionCase.dpd_bucket.not_in(every_named)
        by_bucket = unnamed if by_bucket is None else or_(by_bucket, unnamed)
    specialist = _specialist_team()
    if by_bucket is None:
        return specialist == team
    return or_(specialist == team, and_(specialist.is_(None), by_bucket))


# -- claims ------------------------------------------------------------------------------------------------------

async def claim(uow: UnitOfWork, debt_id: uuid.UUID, *, actor: Actor, minutes: int, now: datetime) -> CaseClaim:
    """Lock the case for the calling collector (renewing their own claim); 409 naming who holds it until when."""
    await _active_case(uow.session, debt_id)
    await _working_collector(uow.session, actor.identity)
    return await _hold(uow, debt_id, collector=actor.identity, until=now + timedelta(minutes=minutes), now=now,
                       assigned_by=None)


async def release(uow: UnitOfWork, debt_id: uuid.UUID, *, actor: Actor, now: datetime) -> None:
    """Give the case back: its holder, or a supervisor."""
    held = await _current_claim(uow.session, debt_id, now)
    if held is None:
        raise Conflict(f"debt {debt_id} is not claimed", slug="not-claimed")
    if held.collector != actor.identity and Role.SUPERVISOR not in actor.roles:
        raise _claimed_by_other(held)
    await uow.session.delete(held)


async def reassign(uow: UnitOfWork, debt_id: uuid.UUID, *, collector: str, actor: Actor, minutes: int,
                   now: datetime) -> CaseClaim:
    """A supervisor gives the case to another collector, whoever held it."""
    await _active_case(uow.session, debt_id)
    target = await _working_collector(uow.session, normalise_identity(collector))
    held = await uow.session.get(CaseClaim, debt_id, with_for_update=True)
    if held is not None:
        await uow.session.delete(held)
        await uow.session.flush()
    return await _hold(uow, debt_id, collector=target.identity, until=now + timedelta(minutes=minutes), now=now,
                       assigned_by=actor.identity)


async def _hold(uow: UnitOfWork, debt_id: uuid.UUID, *, collector: str, until: datetime, now: datetime,
                assigned_by: str | None) -> CaseClaim:
    held = await uow.session.get(CaseClaim, debt_id, with_for_update=True)
    if held is not None and held.expires_at > now and held.collector != collector:
        raise _claimed_by_other(held)
    if held is None:
        held = CaseClaim(debt_id=debt_id, collector=collector, claimed_at=now, expires_at=until,
                         assigned_by=assigned_by)
        try:
            async with uow.savepoint():  # two first claims at once: the loser learns who won
                uow.session.add(held)
                await uow.session.flush()
        except IntegrityError:
            winner = await uow.session.get(CaseClaim, debt_id, populate_existing=True)
            raise _claimed_by_other(winner) from None  # type: ignore[arg-type]
        return held
    if held.collector != collector or held.expires_at <= now:
        held.claimed_at = now
    held.collector, held.expires_at, held.assigned_by = collector, until, assigned_by
    return held


def _claimed_by_other(held: CaseClaim) -> Conflict:
    return Conflict(f"debt {held.debt_id} is claimed by {held.collector} until "
                    f"{held.expires_at:%Y-%m-%d %H:%M} UTC", slug="case-claimed", claimed_by=held.collector,
                    claimed_until=held.expires_at.isoformat())


async def _current_claim(session: AsyncSession, debt_id: uuid.UUID, now: datetime) -> CaseClaim | None:
    held = await session.get(CaseClaim, debt_id, with_for_update=True)
    return held if held is not None and held.expires_at > now else None


async def _active_case(session: AsyncSession, debt_id: uuid.UUID) -> CollectionCase:
    case = await session.get(CollectionCase, debt_id)
    if case is None:
        raise NotFound(f"no collection case for debt {debt_id}")
    if case.status != "active":
        raise Conflict(f"the case of debt {debt_id} is {case.status}: it is not worked from the queues",
                       slug="case-not-active", current_state=case.status)
    return case


# -- outcomes ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordedOutcome:
    outcome: ContactOutcome
    promise: PromiseToPay | None
    next_step: str | None


async def record_outcome(uow: UnitOfWorkFactory, debt_id: uuid.UUID, request: OutcomeIn, *, actor: Actor,
                         settings: AgentSettings, policy: ContactPolicy, now: datetime) -> RecordedOutcome:
    """Check the details, ask the contact policy (a refusal is recorded there and answered 422 naming the rule),
    then record the outcome and what it drives: a callback, a promise, the contact point reported wrong."""
    occurred_at = request.occurred_at or now
    async with uow() as unit:
        case = await _outcome_case(unit.session, debt_id, actor, request, settings, now, occurred_at)
    await contact_policy.authorise_logged_contact(uow, ProposedContact(
        debt_id=debt_id, borrower_id=case.borrower_id, channel=request.channel, at=occurred_at, actor="agent",
        party=request.party, contact_point_id=request.contact_point_id,
        connected=rules.OUTCOMES[request.outcome].connected, collectors=request.collectors),
        policy=policy, actor_subject=actor.identity)
    async with uow() as unit:
        return await _record(unit, case, request, actor=actor, settings=settings, now=now, occurred_at=occurred_at)


async def _outcome_case(session: AsyncSession, debt_id: uuid.UUID, actor: Actor, request: OutcomeIn,
                        settings: AgentSettings, now: datetime, occurred_at: datetime) -> CollectionCase:
    """The case, when the caller holds its claim (or is a supervisor) and the details fit the outcome."""
    case = await session.get(CollectionCase, debt_id)
    if case is None:
        raise NotFound(f"no collection case for debt {debt_id}")
    if Role.SUPERVISOR not in actor.roles:
        held = await session.get(CaseClaim, debt_id)
        if held is None or held.expires_at <= now or held.collector != actor.identity:
            raise Conflict(f"claim debt {debt_id} before recording an outcome of it", slug="claim-required",
                           **({"claimed_by": held.collector} if held is not None and held.expires_at > now else {}))
    problems = rules.outcome_problems(request.outcome, party=request.party, has_promise=request.promise is not None,
                                      callback_at=request.callback_at, occurred_at=occurred_at, now=now,
                                      callback_max_days=settings.agent_callback_max_days)
    if problems:
        raise InvalidInput("the outcome's details do not fit it",
                           errors=[field_error(field, rule, message) for field, rule, message in problems])
    if request.promise is not None:
        promises.check_terms(due_on=request.promise.due_on, currency=request.promise.currency,
                             case_currency=case.currency, today=_today(now, settings),
                             max_days=settings.promise_max_days)
    return case


async def _record(uow: UnitOfWork, case: CollectionCase, request: OutcomeIn, *, actor: Actor,
                  settings: AgentSettings, now: datetime, occurred_at: datetime) -> RecordedOutcome:
    outcome = ContactOutcome(
        id=uuid.uuid4(), debt_id=case.debt_id, tenant=case.tenant, borrower_id=case.borrower_id,
        outcome=request.outcome, channel=request.channel, party=request.party,
        contact_point_id=request.contact_point_id, duration_seconds=request.duration_seconds,
        occurred_at=occurred_at, callback_at=request.callback_at, recorded_by=actor.identity, recorded_at=now)
    uow.session.add(outcome)
    promise = None
    if request.promise is not None:
        promise = await promises.make_promise(
            uow, debt_id=case.debt_id, borrower_id=case.borrower_id, tenant=case.tenant,
            amount=request.promise.amount, currency=request.promise.currency, due_on=request.promise.due_on,
            outcome_id=outcome.id, made_by=actor.identity, now=now, grace_days=settings.promise_grace_days,
            zone=ZoneInfo(settings.promise_timezone))
        outcome.promise_id = promise.id
    await _leave_state(uow.session, case.debt_id, request, now)
    if request.channel == "call":  # the strategy's call step is done: the path goes on without it
        await uow.session.execute(
            update(PlannedAction).where(PlannedAction.debt_id == case.debt_id, PlannedAction.channel == "call",
                                        PlannedAction.status == "queued")
            .values(status="sent", rule=None, decided_at=now).execution_options(synchronize_session=False))
    await record_costs(uow, [_contact_cost(settings, case, request, outcome.id)], at=now)
    uow.emit(ContactOutcomeRecorded(
        debt_id=case.debt_id, borrower_id=case.borrower_id, outcome_id=outcome.id, outcome=request.outcome,
        channel=request.channel, party=request.party, contact_point_id=request.contact_point_id,
        duration_seconds=request.duration_seconds, agent=actor.identity, promise_id=outcome.promise_id,
        callback_at=request.callback_at, occurred_at=occurred_at), tenant=case.tenant)
    return RecordedOutcome(outcome, promise, next_step_for(request.outcome, case.borrower_id,
                                                           request.contact_point_id))


def _contact_cost(settings: AgentSettings, case: CollectionCase, request: OutcomeIn, outcome_id: uuid.UUID) -> CostItem:
    """What the logged contact cost: started minutes of a call (at least one: an attempt occupies the line), one
    letter, SMS, email or field visit."""
    minutes = max(1, math.ceil((request.duration_seconds or 0) / 60)) if request.channel in ("call", "robo_call") else 1
    return UnitPrices.from_settings(settings).item(
        debt_id=case.debt_id, borrower_id=case.borrower_id, channel=request.channel, source_id=f"outcome:{outcome_id}",
        quantity=Decimal(minutes), tenant=case.tenant)


async def _leave_state(session: AsyncSession, debt_id: uuid.UUID, request: OutcomeIn, now: datetime) -> None:
    """The case's last outcome; a callback asked for is kept until another contact connects."""
    state = await session.get(CaseAgentState, debt_id, with_for_update=True)
    if state is None:
        state = CaseAgentState(debt_id=debt_id)
        session.add(state)
    if request.callback_at is not None or rules.OUTCOMES[request.outcome].connected:
        state.callback_at = request.callback_at
    state.last_outcome, state.last_outcome_at = request.outcome, now


def next_step_for(outcome: str, borrower_id: str, contact_point_id: uuid.UUID | None) -> str | None:
    step = rules.OUTCOMES[outcome].next_step
    if step is None:
        return None
    return step.replace("{borrower_id}", borrower_id).replace("{id}", str(contact_point_id or "{id}"))


def _today(now: datetime, settings: AgentSettings) -> date:
    return now.astimezone(ZoneInfo(settings.promise_timezone)).date()


async def list_outcomes(session: AsyncSession, debt_id: uuid.UUID, *, limit: int,
                        after: str | None) -> tuple[list[ContactOutcome], str | None]:
    """A case's logged contacts, newest first."""
    query = select(ContactOutcome).where(ContactOutcome.debt_id == debt_id)
    if after is not None:
        recorded_at, outcome_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where(or_(ContactOutcome.recorded_at < recorded_at,
                                and_(ContactOutcome.recorded_at == recorded_at, ContactOutcome.id < outcome_id)))
    rows = list(await session.scalars(query.order_by(ContactOutcome.recorded_at.desc(), ContactOutcome.id.desc())
                                      .limit(limit + 1)))
    return page_of(rows, limit, lambda row: (row.recorded_at, row.id))


# -- crm's vulnerability events ----------------------------------------------------------------------------------

async def apply_vulnerabilities(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based: each VulnerabilityRecorded sets its borrower's specialist team (an older one arriving late
    changes nothing). Other types are ignored, so this composes with the contact policy's handler."""
    recorded = [event for event in events if isinstance(event.data, VulnerabilityRecorded)]
    if not recorded:
        return
    rows = {row.vulnerability_id: row for row in await uow.session.scalars(select(SpecialistTeam).where(
        one_of(SpecialistTeam.vulnerability_id, {event.data.vulnerability_id for event in recorded})))}
    for event in recorded:
        flag: VulnerabilityRecorded = event.data
        row = rows.get(flag.vulnerability_id)
        if row is not None and row.recorded_at > flag.recorded_at:
            continue
        if row is None:
            row = rows[flag.vulnerability_id] = SpecialistTeam(vulnerability_id=flag.vulnerability_id)
            uow.session.add(row)
        row.tenant, row.borrower_id, row.team = event_tenant(event), flag.borrower_id, flag.specialist_team
        row.active, row.recorded_at = flag.active, flag.recorded_at
