"""Daily re-ageing: advance every open debt to an as-of date, emitting debt.classified only where something changed.

Only debts whose `next_change_on` has come are touched: one indexed, set-based selection finds them, and
they are reclassified a chunk per transaction. Debts whose day has not come keep a classification that is
still right (their day count is recomputed on every read). Running twice for one date finds nothing the
second time; running late dates each bucket move on the day it happened.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWorkFactory
from debtflow.common.logging import get_logger
from debtflow.common.problems import Conflict
from debtflow.classification.engine import Cause, advance, spread_to_borrower
from debtflow.classification.facts import NONPERFORMING, borrower_nonperforming_shares, pauses_of
from debtflow.classification.models import DebtClassificationRow, DebtFactsRow, ReageRun
from debtflow.classification.rulesets import active_rules

log = get_logger(__name__)
_LOCK_KEY = "debtflow-classification-reage"
_process_lock = asyncio.Lock()  # SQLite, or several requests in one process


@dataclass(frozen=True)
class ReageReport:
    as_of_date: date
    ruleset_version: str
    examined: int
    changed: int
    started_at: datetime
    finished_at: datetime


async def reage(uow_factory: UnitOfWorkFactory, *, as_of: date, chunk_size: int = 1000,
                cause: str = "reage") -> ReageReport:
    """Reclassify every open debt whose next change is due on or before `as_of`."""
    async with _process_lock, _database_lock(uow_factory):
        started = utcnow()
        examined = changed = 0
        version = ""
        after: uuid.UUID | None = None
        while True:
            async with uow_factory() as uow:
                active = await active_rules(uow.session)
                version = active.version
                rows = await _due(uow.session, as_of, after, chunk_size)
                if not rows:
                    break
                debt_ids = [current.debt_id for current, _ in rows]
                pauses = await pauses_of(uow.session, debt_ids)
                contagion = active.rules.contagion.enabled
                shares = await borrower_nonperforming_shares(uow.session, {facts.borrower_id for _, facts in rows}) \
                    if contagion else {}
                now = utcnow()
                moved_borrowers: set[str] = set()
                for current, facts in rows:
                    was_nonperforming = current.five_tier_class in NONPERFORMING
                    changed += await advance(uow, facts, current, to_day=max(as_of, current.as_of_date),
                                             active=active, cause=Cause(cause, as_of.isoformat()), now=now,
                                             pauses=pauses.get(facts.debt_id, ()), share=shares.get(facts.borrower_id))
                    if contagion and was_nonperforming != (current.five_tier_class in NONPERFORMING):
                        moved_borrowers.add(facts.borrower_id)
                for borrower_id in sorted(moved_borrowers):  # their other debts may be pulled (or released)
                    changed += await spread_to_borrower(uow, borrower_id, exclude=None, day=as_of, active=active)
                examined += len(rows)
                after = debt_ids[-1]
        finished = utcnow()
        async with uow_factory() as uow:
            uow.session.add(ReageRun(as_of_date=as_of, ruleset_version=version, examined=examined, changed=changed,
                                     started_at=started, finished_at=finished))
        log.info("re-ageing finished", as_of=as_of.isoformat(), examined=examined, changed=changed,
                 seconds=round((finished - started).total_seconds(), 3))
        return ReageReport(as_of, version, examined, changed, started, finished)


async def _due(session: AsyncSession, as_of: date, after: uuid.UUID | None, limit: int) -> list[Any]:
    query = (select(DebtClassificationRow, DebtFactsRow).join(DebtFactsRow)
             .where(DebtClassificationRow.next_change_on <= as_of, DebtClassificationRow.status == "open")
             .order_by(DebtClassificationRow.debt_id).limit(limit))
    if after is not None:
        query = query.where(DebtClassificationRow.debt_id > after)
    return list((await session.execute(query)).all())


class _database_lock:  # noqa: N801 - used as `async with`
    """On PostgreSQL, one re-ageing run at a time across every replica (an advisory lock held by a session)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.engine = uow_factory.sessions.kw["bind"]
        self.connection: Any = None

    async def __aenter__(self) -> None:
        if self.engine.dialect.name != "postgresql":
            return
        self.connection = await self.engine.connect()
        held = await self.connection.scalar(text("SELECT pg_try_advisory_lock(hashtext(:key))"), {"key": _LOCK_KEY})
        await self.connection.commit()
        if not held:
            await self.connection.close()
            raise Conflict("a re-ageing run is in progress on another replica; try again when it is done",
                           slug="reage-in-progress")

    async def __aexit__(self, *_: object) -> None:
        if self.connection is not None:
            try:
                # Unlock explicitly: close() returns the connection to the pool, whose session keeps the lock.
                await self.connection.scalar(text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": _LOCK_KEY})
                await self.connection.commit()
            finally:
                await self.connection.close()


async def runs(session: AsyncSession, limit: int = 30) -> list[ReageRun]:
    return list(await session.scalars(select(ReageRun).order_by(ReageRun.id.desc()).limit(limit)))
