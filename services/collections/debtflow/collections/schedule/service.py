"""Planning and carrying out the steps of each case's path: the next step is planned when a path starts or a step
is done, at its day offset, moved to when the contact policy would allow it; at dispatch time the policy is asked
again (a restriction recorded meanwhile wins), and what it decides is recorded.

Dispatch runs in two short transactions around the network call to a gateway, so no database transaction waits
on a provider: the first claims due actions (FOR UPDATE SKIP LOCKED: replicas share the work) and records the
policy's decisions; the second records what the gateway answered and plans the next step."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.contact_policy import service as contact_policy
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.contact_policy.rules import ContactDecision, ProposedContact
from debtflow.collections.promises.models import PromiseToPay
from debtflow.collections.schedule.models import PlannedAction
from debtflow.collections.strategies.rules import CONTACT_CHANNELS, Step, Strategy
from debtflow.collections.strategies.service import StrategyBook, strategy_book
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.bulk import copy_rows, update_rows
from debtflow.common.db.expressions import one_of
from debtflow.common.events import CollectionActionTaken

#: Steps carried out by people (the agents' worklist, field collectors) or agencies: queued, not sent.
QUEUED_CHANNELS = frozenset({"call", "field_visit", "agency"})
#: A suppressed step waits this long before the policy is asked again (a hold may have been lifted).
RETRY_SUPPRESSED_AFTER = timedelta(days=1)


def start_path(case: CollectionCase, strategy: Strategy, now: datetime, *, experiment_id: str | None,
               arm: str | None) -> None:
    """Put the case at the first step of a new strategy's path (pending steps of the old one are cancelled by
    plan_next_steps); its day offsets count from now."""
    case.strategy_code, case.strategy_version = strategy.code, strategy.version
    case.experiment_id, case.arm = experiment_id, arm
    case.step_index, case.path_started_at, case.path_exit = 0, now, None
    case.assigned_at = now
    case.next_action_at = case.next_action_channel = None


def step_due(case: Any, step: Step, now: datetime) -> datetime:
    """When a step is due: its day offset from the path's start, never before now."""
    return max(now, case.path_started_at + timedelta(days=step.day))


def proposal_for(case: Any, channel: str, at: datetime) -> ProposedContact:
    return ProposedContact(debt_id=case.debt_id, borrower_id=case.borrower_id, channel=channel, at=at)


async def plan_next_steps(uow: UnitOfWork, cases: Sequence[Any], book: StrategyBook, *,
                          now: datetime, policy: ContactPolicy, replace_pending: bool = True) -> int:
    """Plan the step each case is at (set-based: one policy call for all, one INSERT), cancelling any other
    pending step of the case (`replace_pending`; the daily run plans only cases with nothing pending); a case past
    its last step has completed its path. `cases` are CollectionCase rows or anything with their attributes
    (the daily run's light copies); their next-action summary is set on them. Returns how many were planned."""
    planned: list[tuple[Any, Step, datetime]] = []
    for case in cases:
        strategy = book.by_code(case.strategy_code)
        if case.status != "active" or strategy is None or case.step_index >= len(strategy.steps):
            case.next_action_at = case.next_action_channel = None
            if strategy is not None and case.status == "active":
                case.path_exit = "completed"
            continue
        step = strategy.steps[case.step_index]
        planned.append((case, step, step_due(case, step, now)))
    if not planned:
        return 0
    decisions = await contact_policy.decide(uow.session, [
        proposal_for(case, step.channel, due) for case, step, due in planned if step.channel in CONTACT_CHANNELS],
        policy=policy, tenants={case.debt_id: case.tenant for case, _, _ in planned})
    timing = iter(decisions)
    rows = []
    for case, step, due in planned:
        if step.channel in CONTACT_CHANNELS:
            due = _planned_time(next(timing), due)
        case.next_action_channel, case.next_action_at = step.channel, due
        rows.append({"id": uuid.uuid4(), "debt_id": case.debt_id, "borrower_id": case.borrower_id,
                     "tenant": case.tenant, "strategy_code": case.strategy_code,
                     "strategy_version": case.strategy_version, "step_index": case.step_index,
                     "channel": step.channel, "template_code": step.template, "tone": step.tone, "due_at": due,
                     "status": "scheduled", "rule": None, "attempts": 0, "created_at": now, "decided_at": None})
    if replace_pending:
        await _cancel_pending(uow, [case.debt_id for case, _, _ in planned], now, rule="replanned")
    await copy_rows(uow.session, PlannedAction.__table__, rows)
    return len(rows)


def _planned_time(decision: ContactDecision, due: datetime) -> datetime:
    """Where the policy would put a step due then: later if it defers it (hours, holiday, caps); a hold does not
    move it (it may be lifted by then: dispatch asks again)."""
    if decision.outcome == "deferred" and decision.not_before is not None:
        return max(due, decision.not_before)
    return due


async def _cancel_pending(uow: UnitOfWork, debt_ids: Sequence[uuid.UUID], now: datetime, *, rule: str) -> None:
    await uow.session.execute(
        update(PlannedAction).where(one_of(PlannedAction.debt_id, set(debt_ids)), PlannedAction.status == "scheduled")
        .values(status="cancelled", rule=rule, decided_at=now).execution_options(synchronize_session=False))


@dataclass
class Claimed:
    """A due action this replica claimed, with its case and what the policy said."""

    action: PlannedAction
    case: CollectionCase
    decision: ContactDecision | None
    #: When the debt's open promise to pay falls due (with its grace), if it has one and the strategy waits for it.
    promise_deadline: datetime | None = None


async def claim_due(uow: UnitOfWork, *, now: datetime, limit: int, policy: ContactPolicy) -> list[Claimed]:
    """First transaction: lock up to `limit` due actions no other replica holds, ask the policy about each
    contact at this moment, record every decision, and settle what needs no gateway. Returns what was claimed;
    those to send are left `dispatching`."""
    actions = list(await uow.session.scalars(
        select(PlannedAction).where(PlannedAction.status == "scheduled", PlannedAction.due_at <= now)
        .order_by(PlannedAction.due_at).limit(limit).with_for_update(skip_locked=True)))
    if not actions:
        return []
    cases = {case.debt_id: case for case in await uow.session.scalars(
        select(CollectionCase).where(one_of(CollectionCase.debt_id, {a.debt_id for a in actions}))
        .with_for_update())}
    # A step waiting for a promise is not a contact now: the policy is not asked (nor its decision recorded).
    waits = {debt_id: deadline for debt_id, deadline in (await _promise_waits(uow, actions, cases)).items()
             if deadline > now}
    contacts = [a for a in actions if a.channel in CONTACT_CHANNELS and cases[a.debt_id].status == "active"
                and a.debt_id not in waits]
    proposals = [proposal_for(cases[a.debt_id], a.channel, now) for a in contacts]
    decisions = dict(zip([a.id for a in contacts], await contact_policy.decide(uow.session, proposals, policy=policy),
                         strict=True))
    await contact_policy.record(uow, proposals, [decisions[a.id] for a in contacts],
                                action_ids=[a.id for a in contacts])
    return [Claimed(action, cases[action.debt_id], decisions.get(action.id), waits.get(action.debt_id))
            for action in actions]


async def _promise_waits(uow: UnitOfWork, actions: Sequence[PlannedAction],
                         cases: dict[uuid.UUID, CollectionCase]) -> dict[uuid.UUID, datetime]:
    """The open promises of the claimed debts whose strategy has the `promise_made` exit: the path waits for the
    promise to fall due rather than chase a borrower who has agreed to pay (one query)."""
    book = await strategy_book(uow.session)
    waiting = {a.debt_id for a in actions if (strategy := book.by_code(cases[a.debt_id].strategy_code)) is not None
               and "promise_made" in strategy.definition.exits}
    if not waiting:
        return {}
    rows = await uow.session.execute(select(PromiseToPay.debt_id, PromiseToPay.deadline_at).where(
        one_of(PromiseToPay.debt_id, waiting), PromiseToPay.status == "open"))
    return {debt_id: deadline for debt_id, deadline in rows}


@dataclass(frozen=True)
class StepResult:
    """How a claimed step ended: sent, queued for people, handed over, deferred, suppressed or failed."""

    outcome: str
    rule: str | None = None
    retry_at: datetime | None = None


def settle_without_gateway(claimed: Claimed, now: datetime) -> StepResult | None:
    """What a claimed action comes to before any gateway is called; None: it is to be sent."""
    if claimed.case.status != "active":
        return StepResult("cancelled", rule=f"case_{claimed.case.status}")
    if claimed.promise_deadline is not None and claimed.promise_deadline > now:
        return StepResult("deferred", rule="strategy.promise_made", retry_at=claimed.promise_deadline)
    decision = claimed.decision
    if decision is not None and decision.outcome == "deferred":
        return StepResult("deferred", rule=decision.rule, retry_at=decision.not_before or now + timedelta(hours=1))
    if decision is not None and decision.outcome in ("suppressed", "refused"):
        return StepResult("suppressed", rule=decision.rule)
    if claimed.action.channel in QUEUED_CHANNELS:
        return StepResult("queued")
    if claimed.action.channel == "legal":
        return StepResult("handed_over")
    return None


def exit_for(rule: str | None, exits: Sequence[str]) -> str | None:
    """The strategy exit a suppression rule stands for, if the strategy has that exit: a dispute or hardship
    ends the path (the case waits for what follows), any other hold counts as a restriction."""
    if rule is None:
        return None
    kind = "dispute" if "dispute" in rule else "hardship" if "hardship" in rule else "restriction"
    return kind if kind in exits else None


async def finish_steps(uow: UnitOfWork, results: Sequence[tuple[Claimed, StepResult]], *, now: datetime,
                       escalate: Callable[..., Any], place: Callable[..., Any], policy: ContactPolicy) -> None:
    """Second transaction: write each step's end, announce it, and plan the next step of the cases that move on
    (a suppressed step the strategy has an exit for ends the path; one it has not waits a day and is asked again)."""
    book = await strategy_book(uow.session)
    actions = {action.id: action for action in await uow.session.scalars(select(PlannedAction).where(
        one_of(PlannedAction.id, {claimed.action.id for claimed, _ in results})).with_for_update())}
    cases = {case.debt_id: case for case in await uow.session.scalars(select(CollectionCase).where(
        one_of(CollectionCase.debt_id, {claimed.case.debt_id for claimed, _ in results})).with_for_update())}
    moving_on: list[CollectionCase] = []
    for claimed, result in results:
        action, case = actions[claimed.action.id], cases[claimed.case.debt_id]
        action.decided_at, action.rule = now, result.rule
        if result.outcome == "deferred":
            action.status, action.due_at = "scheduled", result.retry_at or now
            case.next_action_at = action.due_at
            continue
        if result.outcome == "cancelled":
            action.status = "cancelled"
            continue
        action.status = {"handed_over": "sent"}.get(result.outcome, result.outcome)
        uow.emit(CollectionActionTaken(
            action_id=action.id, debt_id=case.debt_id, borrower_id=case.borrower_id,
            strategy_code=action.strategy_code, step_index=action.step_index, channel=action.channel,
            outcome=result.outcome, rule=result.rule, taken_at=now), tenant=case.tenant)
        if result.outcome == "handed_over":
            await escalate(uow, debt_id=case.debt_id, reason_code="strategy_path", actor=None)
            continue
        if action.channel == "agency" and result.outcome == "queued" and not await place(uow, debt_id=case.debt_id,
                                                                                          now=now):
            action.rule = "agency.no_placement_rule"  # queued for a supervisor to place by hand
        strategy = book.by_code(case.strategy_code)
        if result.outcome == "suppressed":
            exit_kind = exit_for(result.rule, strategy.definition.exits if strategy else ())
            if exit_kind is None:
                action.status, action.due_at = "scheduled", now + RETRY_SUPPRESSED_AFTER
                case.next_action_at = action.due_at
                continue
            case.path_exit, case.next_action_at, case.next_action_channel = exit_kind, None, None
            continue
        if result.outcome in ("sent", "queued"):
            case.first_action_at = case.first_action_at or now
        case.step_index = action.step_index + 1
        moving_on.append(case)
    await uow.session.flush()
    await plan_next_steps(uow, moving_on, book, now=now, policy=policy)


@dataclass
class CaseToPlan:
    """What planning reads and sets of a case, without an ORM object (the daily run plans a million)."""

    debt_id: uuid.UUID
    borrower_id: str
    tenant: str | None
    status: str
    strategy_code: str
    strategy_version: int
    step_index: int
    path_started_at: datetime
    next_action_channel: str | None = None
    next_action_at: datetime | None = None
    path_exit: str | None = None


_PLANNED_COLUMNS = (CollectionCase.debt_id, CollectionCase.borrower_id, CollectionCase.tenant, CollectionCase.status,
                    CollectionCase.strategy_code, CollectionCase.strategy_version, CollectionCase.step_index,
                    CollectionCase.path_started_at)


async def cases_to_plan(uow: UnitOfWork, *, after: uuid.UUID | None, limit: int) -> list[CaseToPlan]:
    """A page of active cases on a path with nothing planned (a path resumed, a strategy version activated)."""
    query = (select(*_PLANNED_COLUMNS).where(CollectionCase.status == "active",
                                             CollectionCase.next_action_at.is_(None),
                                             CollectionCase.path_exit.is_(None))
             .order_by(CollectionCase.debt_id).limit(limit))
    if after is not None:
        query = query.where(CollectionCase.debt_id > after)
    return [CaseToPlan(*row) for row in await uow.session.execute(query)]


async def plan_day(uow_factory: Callable[[], Any], *, policy: ContactPolicy, now: datetime | None = None,
                   chunk: int = 5_000) -> int:
    """Plan the next step of every active case that has none, in chunks of `chunk` cases per transaction (the
    daily run, and what `bench/collections_plan.py` measures): one read of the page, the policy's few queries,
    one INSERT of the actions and one UPDATE of the cases' summaries. Returns the number of actions planned."""
    now = now or utcnow()
    planned, after = 0, None
    while True:
        async with uow_factory() as unit:
            page = await cases_to_plan(unit, after=after, limit=chunk)
            if not page:
                return planned
            planned += await plan_next_steps(unit, page, await strategy_book(unit.session), now=now, policy=policy,
                                             replace_pending=False)
            await update_rows(unit.session, CollectionCase.__table__, "debt_id", [
                {"debt_id": case.debt_id, "next_action_channel": case.next_action_channel,
                 "next_action_at": case.next_action_at, "path_exit": case.path_exit} for case in page])
            after = page[-1].debt_id
