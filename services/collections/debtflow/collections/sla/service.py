"""The SLA report: from identification (a case's first classification) to its first action, i.e. a running
strategy, against the first-action target (hours) and the mission's two-month target; its figures on /metrics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.sla.expressions import seconds_between
from debtflow.common.metrics import ServiceMetrics
from debtflow.common.pagination import decode_cursor, page_of

CASE = CollectionCase
LAG = seconds_between(CASE.entered_at, CASE.first_action_at)


@dataclass(frozen=True)
class Target:
    name: str
    seconds: int
    within: int
    late: int
    waiting_past_target: int

    @property
    def share_within(self) -> float | None:
        measured = self.within + self.late + self.waiting_past_target
        return round(self.within / measured, 4) if measured else None


@dataclass(frozen=True)
class SlaReport:
    identified: int
    started: int
    median_hours: float | None
    p90_hours: float | None
    targets: list[Target]
    breaches: list[dict[str, Any]]
    next_cursor: str | None


async def _target(session: AsyncSession, name: str, seconds: int, now: datetime) -> Target:
    within = await session.scalar(select(func.count()).where(LAG <= seconds))
    late = await session.scalar(select(func.count()).where(LAG > seconds))
    waiting = await session.scalar(select(func.count()).select_from(CASE).where(*_waiting(seconds, now)))
    return Target(name, seconds, int(within or 0), int(late or 0), int(waiting or 0))


def _waiting(seconds: int, now: datetime) -> tuple[Any, ...]:
    # A case closed before any action (paid at once) never needed one: only active ones wait.
    return (CASE.first_action_at.is_(None), CASE.status == "active",
            CASE.entered_at < now - timedelta(seconds=seconds))


async def _quantile(session: AsyncSession, started: int, share: float) -> float | None:
    if not started:
        return None
    seconds = await session.scalar(select(LAG).where(CASE.first_action_at.is_not(None)).order_by(LAG)
                                   .offset(min(started - 1, int(share * started))).limit(1))
    return round(float(seconds or 0) / 3600, 3)


async def sla(session: AsyncSession, *, now: datetime, first_action_hours: int, running_days: int, limit: int,
              after: str | None) -> SlaReport:
    """Counts, median and p90 of identification to first action, share within each target, and the cases that
    missed the two-month target (late or still waiting), oldest identification first, a page at a time."""
    identified = int(await session.scalar(select(func.count()).select_from(CASE)) or 0)
    started = int(await session.scalar(select(func.count()).where(CASE.first_action_at.is_not(None))) or 0)
    running = running_days * 86400
    targets = [await _target(session, "first_action", first_action_hours * 3600, now),
               await _target(session, "running_strategy", running, now)]
    breaches, next_cursor = await _breaches(session, running, now, limit=limit, after=after)
    return SlaReport(identified, started, await _quantile(session, started, 0.5),
                     await _quantile(session, started, 0.9), targets, breaches, next_cursor)


async def _breaches(session: AsyncSession, seconds: int, now: datetime, *, limit: int,
                    after: str | None) -> tuple[list[dict[str, Any]], str | None]:
    query = (select(CASE.debt_id, CASE.entered_at, CASE.first_action_at, CASE.status, LAG)
             .where(or_(LAG > seconds, and_(*_waiting(seconds, now))))
             .order_by(CASE.entered_at, CASE.debt_id).limit(limit + 1))
    if after:
        entered, debt_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where(or_(CASE.entered_at > entered, and_(CASE.entered_at == entered, CASE.debt_id > debt_id)))
    rows = (await session.execute(query)).all()
    page, next_cursor = page_of(rows, limit, lambda row: (row.entered_at, row.debt_id))
    return [{"debt_id": row.debt_id, "entered_at": row.entered_at, "first_action_at": row.first_action_at,
             "status": row.status, "days_to_first_action": None if row[4] is None else round(row[4] / 86400, 2)}
            for row in page], next_cursor


async def sla_report(session: AsyncSession, metrics: ServiceMetrics, *, now: datetime, first_action_hours: int,
                     running_days: int, limit: int = 100, after: str | None = None) -> SlaReport:
    """The report, its figures also set on /metrics (the endpoint and the periodic job both keep them current)."""
    report = await sla(session, now=now, first_action_hours=first_action_hours, running_days=running_days,
                       limit=limit, after=after)
    publish(metrics, report)
    return report


def publish(metrics: ServiceMetrics, report: SlaReport) -> None:
    first_action, running = report.targets
    metrics.gauge("debtflow_collections_sla_breaches",
                  "Identified debts without a running strategy within the target (late or still waiting)."
                  ).set(running.late + running.waiting_past_target)
    metrics.gauge("debtflow_collections_first_action_late",
                  "Debts whose first action came, or is still due, later than the first-action target."
                  ).set(first_action.late + first_action.waiting_past_target)
    metrics.gauge("debtflow_collections_first_action_p90_hours",
                  "90th percentile of hours from identification to first action.").set(report.p90_hours or 0)
    metrics.gauge("debtflow_collections_first_action_median_hours",
                  "Median hours from identification to first action.").set(report.median_hours or 0)
