"""Reports over classifications: the portfolio by every dimension, month-to-month roll rates, and the SLA."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from debtflow.classification.classifications.models import BucketSpell, DebtClassificationRow
from debtflow.classification.facts.models import DebtFactsRow
from debtflow.classification.reporting.rollrates import month_ends
from debtflow.classification.reporting.rollrates import roll_rates as rates_of
from debtflow.common.clock import utcnow
from debtflow.common.db import money_sum
from debtflow.common.metrics import ServiceMetrics

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


@dataclass(frozen=True)
class RollMatrix:
    from_day: date
    to_day: date
    counts: dict[str, dict[str, int]]  # from bucket -> to bucket -> debts

    @property
    def rates(self) -> dict[str, dict[str, Decimal]]:
        return rates_of(self.counts)


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


async def sla_report(session: AsyncSession, metrics: ServiceMetrics, *, target_days: int,
                     limit: int = 100) -> SlaReport:
    """The SLA report, its breach count also set on /metrics (the report endpoint and the daily job both keep
    the gauge current; the job asks for no breach list, `limit` 0)."""
    report = await sla(session, target_days=target_days, now=utcnow(), limit=limit)
    sla_breaches_gauge(metrics).set(report.breached + report.waiting_past_target)
    return report


def sla_breaches_gauge(metrics: ServiceMetrics) -> Any:
    return metrics.gauge("debtflow_classification_sla_breaches",
                         "Debts classified later than the target after default, or still waiting past it.")
