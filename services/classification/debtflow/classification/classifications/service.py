"""Classifying debts: classify one on a day, move it through its change days, spread contagion to the borrower's
other debts, announce what changed; and the reads: a debt on any day, debts by priority. The event path
(classifications.batch) and the daily run (reageing) build on these."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debtflow.classification.classifications.models import ClassificationHistoryRow, DebtClassificationRow
from debtflow.classification.classifications.repository import Cause, PendingWrites, record
from debtflow.classification.classifications.rules import (
    Classification,
    DebtFacts,
    PriorState,
    classify,
    days_past_due,
)
from debtflow.classification.classifications.walk import Standing, snapshot_of, walk
from debtflow.classification.facts.models import DebtFactsRow
from debtflow.classification.facts.repository import load_one, of_tenant, pauses_of
from debtflow.classification.rulesets.active import ActiveRules, active_rules
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import DebtClassified
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import NotFound

__all__ = ["Cause", "PendingWrites", "advance_to", "announce", "apply", "classification_on", "classify_on",
           "ranked_debts", "spread_to_borrower"]


async def apply(uow: UnitOfWork, facts: DebtFactsRow, current: DebtClassificationRow | None, *, as_of: date,
                active: ActiveRules, cause: Cause, now: datetime) -> tuple[DebtClassificationRow, bool]:
    """Classify one debt on one day and store it at once; announce it if a dimension changed."""
    debt_facts = await load_one(uow.session, facts, contagion=active.rules.contagion.enabled)
    writes = PendingWrites()
    current, news = classify_on(uow, writes, facts, current, debt_facts, as_of=as_of, active=active, cause=cause,
                                now=now)
    await writes.flush(uow.session)
    return current, news


def classify_on(uow: UnitOfWork, writes: PendingWrites, facts: DebtFactsRow, current: DebtClassificationRow | None,
                debt_facts: DebtFacts, *, as_of: date, active: ActiveRules, cause: Cause,
                now: datetime) -> tuple[DebtClassificationRow, bool]:
    """Classify on one day from `debt_facts` and record it in `writes`; announce it if a dimension changed.
    Returns the current row (a new one if there was none) and whether it was news."""
    previous = snapshot_of(current)
    prior = PriorState(current.ifrs9_stage, current.stage_improving_since) if current else None
    result = classify(debt_facts, as_of, active.rules, prior)
    current = record(writes, facts, current, result, as_of=as_of, ruleset_version=active.version,
                     cause=cause, now=now)
    news = previous != snapshot_of(current)
    if news:
        announce(uow, facts, result, as_of=as_of, previous=previous, active=active, now=now)
    return current, news


def advance_to(uow: UnitOfWork, writes: PendingWrites, facts: DebtFactsRow, current: DebtClassificationRow,
               debt_facts: DebtFacts, *, to_day: date, active: ActiveRules, cause: Cause, now: datetime) -> bool:
    """Move one debt through every change day up to `to_day`, each recorded on its day; one event says where
    it ended up. (The daily run does the same for many debts at once: see reageing.)"""
    previous = snapshot_of(current)
    steps = walk(debt_facts, facts.status, Standing.of(current), to_day, active.rules)
    for step in steps:
        record(writes, facts, current, step.result, as_of=step.day, ruleset_version=active.version,
               cause=cause, now=now)
    news = previous != snapshot_of(current)
    if news:
        announce(uow, facts, steps[-1].result, as_of=steps[-1].day, previous=previous, active=active, now=now)
    return news


def announce(uow: UnitOfWork, facts: Any, current: Classification, *, as_of: date,
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
    ), tenant=facts.tenant)


async def spread_to_borrower(uow: UnitOfWork, borrower_id: str, tenant: str | None, *, exclude: uuid.UUID | None,
                             day: date, active: ActiveRules) -> int:
    """Contagion: one debt turning non-performing (or cured) may move the borrower's other debts with it, the
    same lender's only."""
    session = uow.session
    others = (await session.execute(
        select(DebtFactsRow, DebtClassificationRow).join(DebtClassificationRow)
        .where(DebtFactsRow.borrower_id == borrower_id, of_tenant(DebtFactsRow.tenant, tenant),
               DebtFactsRow.debt_id != exclude,
               DebtFactsRow.status == "open")
    )).all()
    moved = 0
    for facts, current in others:
        _, news = await apply(uow, facts, current, as_of=max(day, current.as_of_date), active=active,
                              cause=Cause("borrower_contagion", str(exclude) if exclude else None), now=utcnow())
        moved += news
    return moved


# -- reading ----------------------------------------------------------------------------------------------

_DIMENSIONS = ("dpd_bucket", "five_tier_class", "ifrs9_stage", "default_flag", "overdue_type", "priority_tier")
_ROW_FIELDS = ("debt_id", "borrower_id", "currency", "exposure", "status", "ruleset_version", "registered_at",
               "first_classified_at", "classified_at", "next_change_on")


async def classification_on(session: AsyncSession, debt_id: uuid.UUID, day: date) -> dict[str, Any]:
    """A debt's classification on `day`: from the history for past days, computed (not stored) for later ones."""
    current = await session.get(DebtClassificationRow, debt_id)
    facts = await session.get(DebtFactsRow, debt_id)
    if current is None or facts is None:
        raise NotFound(f"debt {debt_id} has not been classified (yet)")
    active = await active_rules(session)
    row_fields = {name: getattr(current, name) for name in _ROW_FIELDS}
    if day >= current.as_of_date:
        debt_facts = await load_one(session, facts, contagion=active.rules.contagion.enabled)
        result = classify(debt_facts, day, active.rules, PriorState(current.ifrs9_stage, current.stage_improving_since))
        return {**row_fields, **{name: getattr(result, name) for name in _DIMENSIONS},
                "days_past_due": result.days_past_due, "priority_score": result.priority_score,
                "reason_codes": list(result.reason_codes), "as_of_date": day}
    past = await session.scalar(
        select(ClassificationHistoryRow)
        .where(ClassificationHistoryRow.debt_id == debt_id, ClassificationHistoryRow.as_of_date <= day)
        .order_by(ClassificationHistoryRow.as_of_date.desc(), ClassificationHistoryRow.id.desc()).limit(1)
    )
    if past is None:
        raise NotFound(f"debt {debt_id} was not classified yet on {day}")
    pauses = (await pauses_of(session, [debt_id])).get(debt_id, ())
    days = days_past_due(past.first_unpaid_due_date, day, grace_days=active.rules.grace_days, pauses=pauses) \
        if past.status == "open" else 0
    return {**row_fields, **{name: getattr(past, name) for name in _DIMENSIONS},
            "days_past_due": days, "priority_score": past.priority_score, "reason_codes": past.reason_codes,
            "exposure": past.exposure, "status": past.status, "ruleset_version": past.ruleset_version,
            "as_of_date": day}


async def ranked_debts(session: AsyncSession, *, currency: str | None, tier: str | None, limit: int,
                       after: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Open debts by priority score, highest first (ties by debt id), one keyset page; each with its rank in
    the whole ranking, so page two starts at rank limit + 1."""
    row = DebtClassificationRow
    scope = [row.status == "open"]
    scope += [row.currency == currency] if currency else []
    scope += [row.priority_tier == tier] if tier else []
    query = select(row).where(*scope).order_by(row.priority_score.desc(), row.debt_id).limit(limit + 1)
    ahead = 0
    if after is not None:
        score, last_id = decode_cursor(after, Decimal, uuid.UUID)
        beyond = or_(row.priority_score < score, and_(row.priority_score == score, row.debt_id > last_id))
        query = query.where(beyond)
        ahead = int(await session.scalar(select(func.count()).select_from(row).where(*scope, ~beyond)) or 0)
    debts, next_cursor = page_of(list(await session.scalars(query)), limit,
                                 lambda debt: (debt.priority_score, debt.debt_id))
    ranked = [{"rank": ahead + index, "debt_id": debt.debt_id, "borrower_id": debt.borrower_id,
               "currency": debt.currency, "priority_score": debt.priority_score, "priority_tier": debt.priority_tier,
               "dpd_bucket": debt.dpd_bucket, "five_tier_class": debt.five_tier_class, "exposure": debt.exposure}
              for index, debt in enumerate(debts, start=1)]
    return ranked, next_cursor


async def whole_ranking(sessions: async_sessionmaker[AsyncSession], *, currency: str | None, tier: str | None,
                        chunk_size: int = 500) -> AsyncIterator[dict[str, Any]]:
    """Every ranked debt, highest first, read a page at a time in its own short transaction: an export of the
    whole worklist streams without holding a connection (or every row) for as long as the download lasts."""
    after: str | None = None
    while True:
        async with sessions() as session:
            ranked, after = await ranked_debts(session, currency=currency, tier=tier, limit=chunk_size, after=after)
        for debt in ranked:
            yield debt
        if after is None:
            return
