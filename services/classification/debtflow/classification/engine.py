"""Applying a classification: the current row, its history, bucket spells, and the event when something changed."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import DebtClassified
from debtflow.classification.facts import NONPERFORMING, borrower_nonperforming_shares, debt_facts, pauses_of
from debtflow.classification.models import (
    BucketSpell,
    ClassificationHistoryRow,
    DebtClassificationRow,
    DebtFactsRow,
    ReageRun,
)
from debtflow.classification.rules import Classification, DebtFacts, PriorState, classify
from debtflow.classification.ruleset import RuleSet
from debtflow.classification.rulesets import ActiveRules, active_rules

_T = TypeVar("_T")

#: A late run steps through at most this many change days per debt (years of boundaries; a safety stop).
MAX_STEPS = 1000


@dataclass(frozen=True)
class Cause:
    """Why a debt is being classified: an event (type and id) or a job (re-ageing, rule-set activation)."""

    kind: str
    ref: str | None = None


async def reclassify(uow: UnitOfWork, debt_id: uuid.UUID, *, cause: Cause, facts: DebtFactsRow | None = None) -> bool:
    """Classify one debt from its current facts, as of the latest day anything is known for. True if news.

    A handler that holds the facts row already (maybe not yet inserted) passes it, saving a read."""
    session = uow.session
    facts = facts or await session.get(DebtFactsRow, debt_id)
    if facts is None or facts.intake_version == 0:
        return False  # nothing from intake yet (say a score before the registration): wait for the facts
    active = await _once_per_transaction(session, active_rules)
    current = await session.get(DebtClassificationRow, debt_id, with_for_update=True)
    as_of = max(facts.facts_as_of, current.as_of_date if current else facts.facts_as_of)
    was_nonperforming = current is not None and current.five_tier_class in NONPERFORMING
    current, changed = await apply(uow, facts, current, as_of=as_of, active=active, cause=cause, now=utcnow())
    # Facts dated before the last re-ageing run: catch up with it now, as that run would have done.
    reaged_to = await _once_per_transaction(session, last_reage_day)
    if current.next_change_on is not None and current.next_change_on <= reaged_to:
        changed |= await advance(uow, facts, current, to_day=reaged_to, active=active, cause=Cause("reage"),
                                 now=utcnow())
    if active.rules.contagion.enabled and was_nonperforming != (current.five_tier_class in NONPERFORMING):
        await spread_to_borrower(uow, facts.borrower_id, exclude=debt_id, day=current.as_of_date, active=active)
    return changed


async def _once_per_transaction(session: AsyncSession, read: Callable[[AsyncSession], Awaitable[_T]]) -> _T:
    """`read(session)`, asked once per unit of work: a consumer's batch classifies up to a poll's events in
    one transaction, and the active rule set and the last re-ageing day are the same for all of them."""
    cache = session.info.setdefault("classification_reads", {})
    if read not in cache:
        cache[read] = await read(session)
    return cache[read]  # type: ignore[no-any-return]


async def apply(uow: UnitOfWork, facts: DebtFactsRow, current: DebtClassificationRow | None, *, as_of: date,
                active: ActiveRules, cause: Cause, now: datetime) -> tuple[DebtClassificationRow, bool]:
    """Classify on one day and store it; announce it if a dimension changed. Returns the row and whether."""
    previous = _snapshot(current)
    result = await classify_on(uow.session, facts, current, as_of, active)
    current = await store(uow.session, facts, current, result, as_of=as_of, active=active, cause=cause, now=now)
    news = _is_news(previous, current)
    if news:
        announce(uow, facts, result, as_of=as_of, previous=previous, active=active, now=now)
    return current, news


@dataclass(frozen=True)
class Standing:
    """Where a debt's classification stands before it is advanced: what `walk` starts from."""

    as_of_date: date
    next_change_on: date | None
    ifrs9_stage: int
    stage_improving_since: date | None
    snapshot: dict[str, object]  # the dimensions that make news (see SNAPSHOT_FIELDS)

    @classmethod
    def of(cls, current: DebtClassificationRow) -> Standing:
        return cls(current.as_of_date, current.next_change_on, current.ifrs9_stage, current.stage_improving_since,
                   _snapshot(current))


@dataclass(frozen=True)
class Step:
    """One change day of a walk: the classification on that day, and whether a dimension changed on it."""

    day: date
    result: Classification
    snapshot: dict[str, object]
    news: bool


def walk(facts: DebtFacts, status: str, standing: Standing, to_day: date, rules: RuleSet) -> list[Step]:
    """Every change day from where the debt stands up to `to_day`, and `to_day` itself (pure: no I/O).

    Each step is classified on the day it happened, from the step before (IFRS 9 cure probation depends on
    it), so a late run keeps every bucket a debt passed through.
    """
    steps: list[Step] = []
    as_of, due, snapshot = standing.as_of_date, standing.next_change_on, standing.snapshot
    prior = PriorState(standing.ifrs9_stage, standing.stage_improving_since)
    for _ in range(MAX_STEPS):
        day = max(as_of, to_day if due is None or due >= to_day else due)
        result = classify(facts, day, rules, prior)
        now_snapshot = _result_snapshot(result, status)
        steps.append(Step(day, result, now_snapshot, now_snapshot != snapshot))
        if day >= to_day:
            break
        as_of, due, snapshot = day, result.next_change_on, now_snapshot
        prior = PriorState(result.ifrs9_stage, result.stage_improving_since)
    return steps


async def advance(uow: UnitOfWork, facts: DebtFactsRow, current: DebtClassificationRow, *, to_day: date,
                  active: ActiveRules, cause: Cause, now: datetime) -> bool:
    """Move one debt through every change day up to `to_day`, each stored on its day; one event says where
    it ended up. (The daily run does the same for many debts at once: see reage.)"""
    previous = _snapshot(current)
    pauses = (await pauses_of(uow.session, [facts.debt_id])).get(facts.debt_id, ())
    share = (await borrower_nonperforming_shares(uow.session, {facts.borrower_id})).get(facts.borrower_id) \
        if active.rules.contagion.enabled else None
    steps = walk(debt_facts(facts, pauses, share), facts.status, Standing.of(current), to_day, active.rules)
    for step in steps:
        await store(uow.session, facts, current, step.result, as_of=step.day, active=active, cause=cause, now=now)
    news = _is_news(previous, current)
    if news:
        announce(uow, facts, steps[-1].result, as_of=steps[-1].day, previous=previous, active=active, now=now)
    return news


async def classify_on(session: AsyncSession, facts: DebtFactsRow, current: DebtClassificationRow | None, day: date,
                      active: ActiveRules) -> Classification:
    pauses = (await pauses_of(session, [facts.debt_id])).get(facts.debt_id, ())
    share = (await borrower_nonperforming_shares(session, {facts.borrower_id})).get(facts.borrower_id) \
        if active.rules.contagion.enabled else None
    prior = PriorState(current.ifrs9_stage, current.stage_improving_since) if current else None
    return classify(debt_facts(facts, pauses, share), day, active.rules, prior)


async def store(session: AsyncSession, facts: DebtFactsRow, current: DebtClassificationRow | None,
                result: Classification, *, as_of: date, active: ActiveRules, cause: Cause,
                now: datetime) -> DebtClassificationRow:
    """Write the current row; when a dimension changed, also a history row and the bucket spells, dated `as_of`."""
    previous = _snapshot(current)
    if current is None:
        current = DebtClassificationRow(debt_id=facts.debt_id, first_classified_at=now)
        session.add(current)
    if current.registered_at is None and facts.registered_at is not None:
        current.registered_at = facts.registered_at
        current.seconds_to_classify = max(0, int((current.first_classified_at - facts.registered_at).total_seconds()))
    current.borrower_id, current.currency, current.exposure = facts.borrower_id, facts.currency, facts.exposure
    current.status, current.as_of_date = facts.status, as_of
    current.days_past_due, current.dpd_bucket = result.days_past_due, result.dpd_bucket
    current.five_tier_class, current.ifrs9_stage = result.five_tier_class, result.ifrs9_stage
    current.stage_improving_since, current.default_flag = result.stage_improving_since, result.default_flag
    current.overdue_type, current.priority_score = result.overdue_type, result.priority_score
    current.priority_tier, current.reason_codes = result.priority_tier, list(result.reason_codes)
    current.ruleset_version, current.next_change_on = active.version, result.next_change_on
    current.classified_at = now
    if not _is_news(previous, current):
        return current
    await _move_bucket(session, facts.debt_id, previous, result, day=as_of, now=now)
    session.add(ClassificationHistoryRow(
        debt_id=facts.debt_id, as_of_date=as_of, days_past_due=result.days_past_due, dpd_bucket=result.dpd_bucket,
        five_tier_class=result.five_tier_class, ifrs9_stage=result.ifrs9_stage, default_flag=result.default_flag,
        overdue_type=result.overdue_type, priority_score=result.priority_score, priority_tier=result.priority_tier,
        exposure=facts.exposure, status=facts.status, first_unpaid_due_date=facts.first_unpaid_due_date,
        reason_codes=list(result.reason_codes), ruleset_version=active.version, cause=cause.kind,
        cause_ref=cause.ref, classified_at=now,
    ))
    return current


def announce(uow: UnitOfWork, facts: DebtFactsRow | Any, current: Classification, *, as_of: date,
             previous: dict[str, object], active: ActiveRules, now: datetime) -> None:
    """debt.classified: the dimensions on `as_of`, and what they were before this change. `facts` is the
    facts row, or any row with its debt_id, borrower_id, exposure, currency and status (the daily run's)."""
    uow.emit(DebtClassified(
        debt_id=facts.debt_id, borrower_id=facts.borrower_id, as_of_date=as_of,
        days_past_due=current.days_past_due, dpd_bucket=current.dpd_bucket,
        five_tier_class=current.five_tier_class,  # type: ignore[arg-type]
        previous_dpd_bucket=previous.get("dpd_bucket"),  # type: ignore[arg-type]
        previous_five_tier_class=previous.get("five_tier_class"),  # type: ignore[arg-type]
        exposure=facts.exposure, currency=facts.currency, ruleset_version=active.version,
        reason_codes=tuple(current.reason_codes), classified_at=now,
        ifrs9_stage=current.ifrs9_stage,  # type: ignore[arg-type]
        previous_ifrs9_stage=previous.get("ifrs9_stage"),  # type: ignore[arg-type]
        default_flag=current.default_flag, previous_default_flag=previous.get("default_flag"),  # type: ignore[arg-type]
        overdue_type=current.overdue_type,  # type: ignore[arg-type]
        previous_overdue_type=previous.get("overdue_type"),  # type: ignore[arg-type]
        priority_score=current.priority_score, priority_tier=current.priority_tier,  # type: ignore[arg-type]
        previous_priority_tier=previous.get("priority_tier"), status=facts.status,  # type: ignore[arg-type]
    ))


SNAPSHOT_FIELDS = ("dpd_bucket", "five_tier_class", "ifrs9_stage", "default_flag", "overdue_type", "priority_tier",
                    "status")


def _snapshot(current: DebtClassificationRow | None) -> dict[str, object]:
    return {} if current is None else {name: getattr(current, name) for name in SNAPSHOT_FIELDS}


def _result_snapshot(result: Classification, status: str) -> dict[str, object]:
    """What _snapshot would read from a row that stored `result` (the row's status is the facts' status)."""
    return {"dpd_bucket": result.dpd_bucket, "five_tier_class": result.five_tier_class,
            "ifrs9_stage": result.ifrs9_stage, "default_flag": result.default_flag,
            "overdue_type": result.overdue_type, "priority_tier": result.priority_tier, "status": status}


def _is_news(previous: dict[str, object], current: DebtClassificationRow) -> bool:
    """Anything but the day count changed (or it is the first classification)."""
    return previous != _snapshot(current)


async def _move_bucket(session: AsyncSession, debt_id: uuid.UUID, previous: dict[str, object],
                       result: Classification, *, day: date, now: datetime) -> None:
    """Close the open bucket spell and open the next one: every entry and exit, dated and timestamped."""
    if previous.get("dpd_bucket") == result.dpd_bucket:
        return
    if previous:
        await session.execute(update(BucketSpell).where(BucketSpell.debt_id == debt_id, BucketSpell.exited_on.is_(None))
                              .values(exited_on=day, exited_at=now))
    session.add(BucketSpell(debt_id=debt_id, bucket=result.dpd_bucket, entered_on=day, entered_at=now))


async def last_reage_day(session: AsyncSession) -> date:
    day = await session.scalar(select(func.max(ReageRun.as_of_date)))
    return day or date.min


async def spread_to_borrower(uow: UnitOfWork, borrower_id: str, *, exclude: uuid.UUID | None, day: date,
                             active: ActiveRules) -> int:
    """Contagion: one debt turning non-performing (or cured) may move the borrower's other debts with it."""
    session = uow.session
    others = (await session.execute(
        select(DebtFactsRow, DebtClassificationRow).join(DebtClassificationRow)
        .where(DebtFactsRow.borrower_id == borrower_id, DebtFactsRow.debt_id != exclude,
               DebtFactsRow.status == "open")
    )).all()
    moved = 0
    for facts, current in others:
        _, news = await apply(uow, facts, current, as_of=max(day, current.as_of_date), active=active,
                              cause=Cause("borrower_contagion", str(exclude) if exclude else None), now=utcnow())
        moved += news
    return moved
