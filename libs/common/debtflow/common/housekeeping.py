"""Housekeeping: rows a service keeps only for a while (published outbox rows, inbox ids, idempotency keys),
deleted on a schedule once their retention has passed, each purge counted and logged."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, delete
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debtflow.common.clock import utcnow
from debtflow.common.db.messaging_tables import MessagingTables
from debtflow.common.logging import get_logger
from debtflow.common.metrics import ServiceMetrics

log = get_logger(__name__)


@dataclass(frozen=True)
class Purge:
    """One kind of row that expires: rows of `table` whose `stamp` is older than `retention` are deleted.

    `keep` narrows what may go at all (the outbox never loses a row that was not published yet)."""

    name: str
    table: Table
    stamp: str
    retention: timedelta
    keep_unless: ColumnElement[bool] | None = None

    async def run(self, session: AsyncSession, now: datetime) -> int:
        expired = self.table.c[self.stamp] < now - self.retention
        condition = expired if self.keep_unless is None else expired & self.keep_unless
        result = await session.execute(delete(self.table).where(condition))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def messaging_purges(tables: MessagingTables, *, outbox_retention: timedelta,
                     inbox_retention: timedelta) -> list[Purge]:
    """Every service's own: published outbox rows after the replay window, inbox ids after redelivery can end."""
    outbox = tables.outbox
    return [
        Purge("outbox", outbox, "published_at", outbox_retention, keep_unless=outbox.c.published_at.is_not(None)),
        Purge("inbox", tables.inbox, "received_at", inbox_retention),
    ]


class Housekeeping:
    """Runs every purge once per `interval`; an outage of the database is logged and tried again next time."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], purges: Sequence[Purge], *,
                 interval: timedelta, metrics: ServiceMetrics | None = None) -> None:
        self.sessions = sessions
        self.purges = list(purges)
        self.interval = interval
        self.metrics = metrics

    async def run_once(self, now: datetime | None = None) -> dict[str, int]:
        """One round, each purge in its own transaction; returns the rows deleted per purge."""
        moment = now or utcnow()
        deleted = {}
        for purge in self.purges:
            async with self.sessions() as session, session.begin():
                deleted[purge.name] = await purge.run(session, moment)
            if self.metrics is not None:
                self.metrics.rows_purged.labels(table=purge.name).inc(deleted[purge.name])
        if any(deleted.values()):
            log.info("purged rows past their retention", **{f"{name}_rows": rows for name, rows in deleted.items()})
        return deleted

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await self.run_once()
            except (DBAPIError, OSError) as error:
                log.warning("housekeeping round failed; trying again next round", error=repr(error)[:300])
            try:
                await asyncio.wait_for(stopping.wait(), self.interval.total_seconds())
            except TimeoutError:
                pass
