"""Reading classifications: any debt on any day, the portfolio by every dimension, roll rates, and the SLA."""

from __future__ import annotations

import calendar
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from debtflow.common.db import money_sum
from debtflow.common.problems import NotFound
from debtflow.classification.facts import borrower_nonperforming_shares, debt_facts, pauses_of
from debtflow.classification.models import BucketSpell, ClassificationHistoryRow, DebtClassificationRow, DebtFactsRow
from debtflow.classification.rules import PriorState, classify, days_past_due
from debtflow.classification.rulesets import active_rules


async def classification_on(session: AsyncSession, debt_id: uuid.UUID, day: date) -> dict[str, Any]:
    """A debt's classification on `day`: from the history for past days, computed (not stored) for later ones."""
    current = await session.get(DebtClassificationRow, debt_id)
    facts = await session.get(DebtFactsRow, debt_id)
    if current is None or facts is None:
        raise NotFound(f"debt {debt_id} has not been classified (yet)")
    active = await active_rules(session)
    pauses = (await pauses_of(session, [debt_id])).get(debt_id, ())
    if day >= current.as_of_date:
        share = (await borrower_nonperforming_shares(session, {facts.borrower_id})).get(facts.borrower_id) \
            if active.rules.contagion.enabled else None
        result = classify(debt_facts(facts, pauses, share), day, active.rules,
                          PriorState(current.ifrs9_stage, current.stage_improving_since))
        return {**_row_fields(current), **{name: getattr(result, name) for name in _DIMENSIONS},
                "days_past_due": result.days_past_due, "priority_score": result.priority_score,
                "reason_codes": list(result.reason_codes), "as_of_date": day}
    past = await session.scalar(
        select(ClassificationHistoryRow)
        .where(ClassificationHistoryRow.debt_id == debt_id, ClassificationHistoryRow.as_of_date <= day)
        .order_by(ClassificationHistoryRow.as_of_date.desc(), ClassificationHistoryRow.id.desc()).limit(1)
    )
    if past is None:
        raise NotFound(f"debt {debt_id} was not classified yet on {day}")
    days = days_past_due(past.first_unpaid_due_date, day, grace_days=active.rules.grace_days, pauses=pauses) \
        if past.status == "open" else 0
    return {**_row_fields(current), **{name: getattr(past, name) for name in _DIMENSIONS},
            "days_past_due": days, "priority_score": past.priority_score, "reason_codes": past.reason_codes,
            "exposure": past.exposure, "status": past.status, "ruleset_version": past.ruleset_version,
            "as_of_date": day}


_DIMENSIONS = ("dpd_bucket", "five_tier_class", "ifrs9_stage", "default_flag", "overdue_type", "priority_tier")


def _row_fields(row: DebtClassificationRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in (
        "debt_id", "borrower_id", "currency", "exposure", "status", "ruleset_version", "registered_at",
        "first_classified_at", "classified_at", "next_change_on")}


# -- portfolio -----------------------------------------------------------------------------------------

PORTFOLIO_DIMENSIONS = ("dpd_bucket", "five_tier_class", "ifrs9_stage", "overdue_type", "priority_tier")


async def portfolio(session: AsyncSession) -> dict[str, dict[str, Any]]:
    """Open debts per currency: count and exposure in total and by every dimension."""
    result: dict[str, dict[str, Any]] = {}
    row_class = DebtClassificationRow
    for dimension in PORTFOLIO_DIMENSIONS:
        column = getattr(row_class, dimension)
        rows = await session.execute(
            select(row_class.currency, column, func.count(), money_sum(row_class.exposure))
            .where(row_class.status == "open").group_by(row_class.currency, column).order_by(row_class.currency, column)
        )
        for currency, label, count, exposure in rows:
            summary = result.setdefault(currency, {"debts": 0, "exposure": Decimal("0.00"),
                                                   **{name: [] for name in PORTFOLIO_DIMENSIONS}})
            summary[dimension].append({"label": str(label), "debts": count, "exposure": exposure})
            if dimension == "dpd_bucket":
                summary["debts"] += count
                summary["exposure"] += exposure
    return result


# -- roll rates ----------------------------------------------------------------------------------------


def month_ends(through: date, months: int) -> list[date]:
    """The last `months` + 1 month ends strictly before `through`'s month, oldest first."""
    ends = []
    year, month = through.year, through.month
    for _ in range(months + 1):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
    return sorted(ends)


@dataclass(frozen=True)
class RollMatrix:
    from_day: date
    to_day: date
    counts: dict[str, dict[str, int]]  # from bucket -> to bucket -> debts


async def roll_rates(session: AsyncSession, *, through: date, months: int) -> list[RollMatrix]:
    """Month-to-month bucket transitions: where the debts in each bucket at one month end were at the next."""
    start, end = aliased(BucketSpell), aliased(BucketSpell)
    matrices = []
    ends = month_ends(through, months)
    for first, second in zip(ends, ends[1:], strict=False):
        rows = await session.execute(
            select(start.bucket, end.bucket, func.count())
            .join(end, end.debt_id == start.debt_id)
            .where(_in_spell(start, first), _in_spell(end, second))
            .group_by(start.bucket, end.bucket)
        )
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for from_bucket, to_bucket, count in rows:
            counts[from_bucket][to_bucket] = count
        matrices.append(RollMatrix(first, second, dict(counts)))
    return matrices


def _in_spell(spell: Any, day: date) -> Any:
    return and_(spell.entered_on <= day, or_(spell.exited_on.is_(None), spell.exited_on > day))


# -- the one-month SLA ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaReport:
    target_days: int
    classified: int
    breached: int
    waiting_past_target: int
    median_hours: float | None
    p95_hours: float | None
    breaches: list[dict[str, Any]]


async def sla(session: AsyncSession, *, target_days: int, now: datetime, limit: int = 100) -> SlaReport:
    """Time from a reported default to its first classification: spread, breaches, and debts still waiting."""
    row = DebtClassificationRow
    lag = row.seconds_to_classify
    target = target_days * 86400
    classified = int(await session.scalar(select(func.count()).where(lag.is_not(None))) or 0)
    breached = int(await session.scalar(select(func.count()).where(lag > target)) or 0)
    late = (await session.execute(
        select(row.debt_id, row.registered_at, row.first_classified_at, lag).where(lag > target)
        .order_by(lag.desc()).limit(limit)
    )).all()
    waiting = (await session.execute(
        select(DebtFactsRow.debt_id, DebtFactsRow.registered_at)
        .outerjoin(row, row.debt_id == DebtFactsRow.debt_id)
        .where(row.debt_id.is_(None), DebtFactsRow.registered_at < now - timedelta(days=target_days))
    )).all()
    breaches = [{"debt_id": debt_id, "registered_at": registered, "first_classified_at": first,
                 "days_to_classify": round(seconds / 86400, 2)} for debt_id, registered, first, seconds in late]
    breaches += [{"debt_id": debt_id, "registered_at": registered, "first_classified_at": None,
                  "days_to_classify": None} for debt_id, registered in waiting[:max(0, limit - len(breaches))]]
    return SlaReport(target_days=target_days, classified=classified, breached=breached,
                     waiting_past_target=len(waiting), median_hours=await _lag_quantile(session, classified, 0.5),
                     p95_hours=await _lag_quantile(session, classified, 0.95), breaches=breaches)


async def _lag_quantile(session: AsyncSession, count: int, share: float) -> float | None:
    if not count:
        return None
    lag = DebtClassificationRow.seconds_to_classify
    seconds = await session.scalar(select(lag).where(lag.is_not(None)).order_by(lag)
                                   .offset(min(count - 1, int(share * count))).limit(1))
    return round((seconds or 0) / 3600, 3)
