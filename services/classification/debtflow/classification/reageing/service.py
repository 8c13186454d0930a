"""Daily re-ageing: advance every open debt to an as-of date, emitting debt.classified only where something changed.

Only debts whose `next_change_on` has come are touched: one indexed selection finds them. Debts whose day
has not come keep a classification that is still right (their day count is recomputed on every read).
Each chunk is read as plain rows, walked through its change days by the pure rules (`classifications.walk`), and
written back set-based: one UPDATE for the chunk's classifications, one for the bucket spells it closes,
and bulk INSERTs for history, new spells and outbox rows; no ORM object per debt. Running twice for one
date finds nothing the second time; running late dates each bucket move on the day it happened.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, text, tuple_, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.classification.classifications.models import (
    DebtClassificationRow,
)
from debtflow.classification.classifications.repository import Cause, PendingWrites
from debtflow.classification.classifications.service import announce, spread_to_borrower
from debtflow.classification.classifications.walk import SNAPSHOT_FIELDS, Standing, Step, walk
from debtflow.classification.facts.models import DebtFactsRow
from debtflow.classification.facts.repository import load_facts
from debtflow.classification.facts.rules import NONPERFORMING
from debtflow.classification.reageing.models import ReageRun
from debtflow.classification.reageing.rules import latest_day_to_age_to
from debtflow.classification.rulesets.active import ActiveRules, active_rules
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork, UnitOfWorkFactory
from debtflow.common.db.bulk import update_rows
from debtflow.common.db.conflicts import lost_to_another_transaction
from debtflow.common.logging import get_logger
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Conflict, InvalidInput, field_error

log = get_logger(__name__)
_LOCK_KEY = "debtflow-classification-reage"
_process_lock = asyncio.Lock()  # SQLite, or several requests in one process
_CHUNK_ATTEMPTS = 5  # a chunk that loses a deadlock with an event handler is tried again

CLASSIFICATIONS = DebtClassificationRow.__table__
FACTS = DebtFactsRow.__table__


#: Told after each chunk of a run (the command line draws a progress bar with it).
Progress = Callable[[ReageRun], None]
#: A running run whose heartbeat (written with every chunk, each a few seconds) is older than this belongs to a
#: process that stopped; the next replica to look queues it again, and it resumes where the debts stand.
STALE_AFTER = timedelta(minutes=2)


async def reage_on_request(uow_factory: UnitOfWorkFactory, *, as_of: date | None, today: date,
                           chunk_size: int, progress: Progress | None = None) -> ReageRun:
    """A run someone asked for (API or command line): to `as_of`, today by default, never into the future."""
    day = as_of or today
    latest = latest_day_to_age_to(today)
    if day > latest:
        raise InvalidInput("debts cannot be aged into the future", errors=[
            field_error("as_of_date", "not_future", f"must be on or before {latest}")])
    return await reage(uow_factory, as_of=day, chunk_size=chunk_size, progress=progress)


async def reage(uow_factory: UnitOfWorkFactory, *, as_of: date, chunk_size: int = 5000, cause: str = "reage",
                progress: Progress | None = None) -> ReageRun:
    """Reclassify every open debt whose next change is due on or before `as_of`, now; the finished run."""
    async with _process_lock, _database_lock(uow_factory):
        async with uow_factory() as uow:
            run = queue_reage(uow, as_of=as_of, cause=cause, status="running")
            await uow.session.flush()
            run_id = run.id
        return await _carry_out(uow_factory, run_id, chunk_size, progress)


def queue_reage(uow: UnitOfWork, *, as_of: date, cause: str, status: str = "queued") -> ReageRun:
    """A run to `as_of`, in the caller's transaction: queued, a background job carries it out (`run_queued`)."""
    now = utcnow()
    run = ReageRun(as_of_date=as_of, ruleset_version="", cause=cause, status=status, examined=0, changed=0,
                   queued_at=now, heartbeat_at=now)
    uow.session.add(run)
    return run


async def run_queued(uow_factory: UnitOfWorkFactory, *, chunk_size: int) -> ReageRun | None:
    """Carry out the oldest queued run (or one whose process stopped); None if there is none."""
    if await _oldest_waiting(uow_factory) is None:
        return None  # the usual answer, found without taking the re-ageing locks
    async with _process_lock, _database_lock(uow_factory):
        run_id = await _claim(uow_factory)
        return None if run_id is None else await _carry_out(uow_factory, run_id, chunk_size, None)


def _waiting() -> ColumnElement[bool]:
    return or_(ReageRun.status == "queued",
               and_(ReageRun.status == "running", ReageRun.heartbeat_at < utcnow() - STALE_AFTER))


async def _oldest_waiting(uow_factory: UnitOfWorkFactory) -> int | None:
    async with uow_factory.sessions() as session:
        return await session.scalar(select(ReageRun.id).where(_waiting()).order_by(ReageRun.id).limit(1))


async def _claim(uow_factory: UnitOfWorkFactory) -> int | None:
    """Mark the oldest waiting run as running, if no other process claimed it first."""
    run_id = await _oldest_waiting(uow_factory)
    if run_id is None:
        return None
    async with uow_factory() as uow:
        claimed = await uow.session.execute(update(ReageRun).where(ReageRun.id == run_id, _waiting())
                                            .values(status="running", heartbeat_at=utcnow()))
        return run_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


async def _carry_out(uow_factory: UnitOfWorkFactory, run_id: int, chunk_size: int,
                     progress: Progress | None) -> ReageRun:
    """Run a claimed run chunk by chunk, its progress committed with each chunk; finished, failed, or (when the
    service stops meanwhile) queued again, to resume where the debts stand."""
    async with uow_factory() as uow:
        run = await uow.session.get_one(ReageRun, run_id)
        as_of, cause = run.as_of_date, Cause(run.cause, run.as_of_date.isoformat())
        run.due = await _count_due(uow.session, as_of)
        run.started_at = run.heartbeat_at = utcnow()
        run.examined = run.changed = 0
    try:
        after: tuple[date, uuid.UUID] | None = None
        while (outcome := await _run_chunk(uow_factory, run_id, as_of, after, chunk_size, cause)) is not None:
            after = outcome.last_seen
            if progress is not None:
                progress(outcome.run)
    except asyncio.CancelledError:
        await _end(uow_factory, run_id, status="queued")
        raise
    except Exception as error:
        await _end(uow_factory, run_id, status="failed", error=repr(error)[:2000])
        raise
    run = await _end(uow_factory, run_id, status="finished")
    log.info("re-ageing finished", run=run_id, as_of=as_of.isoformat(), cause=cause.kind, examined=run.examined,
             changed=run.changed, seconds=round((run.finished_at - run.started_at).total_seconds(), 3))
    return run


async def _count_due(session: AsyncSession, as_of: date) -> int:
    c = CLASSIFICATIONS.c
    return int(await session.scalar(select(func.count()).select_from(CLASSIFICATIONS)
                                    .where(c.next_change_on <= as_of, c.status == "open")) or 0)


async def _end(uow_factory: UnitOfWorkFactory, run_id: int, *, status: str, error: str | None = None) -> ReageRun:
    async with uow_factory() as uow:
        run = await uow.session.get_one(ReageRun, run_id)
        run.status, run.error = status, error
        if status == "finished":
            run.finished_at = utcnow()
            run.ruleset_version = run.ruleset_version or (await active_rules(uow.session)).version
    return run


@dataclass
class _ChunkOutcome:
    run: ReageRun  # with the chunk counted
    last_seen: tuple[date, uuid.UUID]  # (next_change_on, debt_id) of the chunk's last debt, before the walk


async def _run_chunk(uow_factory: UnitOfWorkFactory, run_id: int, as_of: date, after: tuple[date, uuid.UUID] | None,
                     limit: int, cause: Cause) -> _ChunkOutcome | None:
    """One chunk in one transaction; None when no due debt is left after `after`."""
    for attempt in range(1, _CHUNK_ATTEMPTS + 1):
        try:
            async with uow_factory() as uow:
                return await _reage_chunk(uow, run_id, as_of, after, limit, cause)
        except DBAPIError as error:
            if not lost_to_another_transaction(error) or attempt == _CHUNK_ATTEMPTS:
                raise
            log.warning("re-ageing chunk lost a lock conflict; trying again", attempt=attempt)
            await asyncio.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


async def _reage_chunk(uow: UnitOfWork, run_id: int, as_of: date, after: tuple[date, uuid.UUID] | None, limit: int,
                       cause: Cause) -> _ChunkOutcome | None:
    session = uow.session
    active = await active_rules(session)
    rows = await _due(session, as_of, after, limit)
    if not rows:
        return None
    contagion = active.rules.contagion.enabled
    known = await load_facts(session, rows, contagion=contagion)
    writes = _Writes(now=utcnow(), active=active, cause=cause)
    moved_borrowers: set[tuple[str, str | None]] = set()
    for row in rows:
        standing = Standing(row.as_of_date, row.next_change_on, row.ifrs9_stage, row.stage_improving_since,
                            {name: getattr(row, name) for name in SNAPSHOT_FIELDS})
        steps = walk(known[row.debt_id], row.status, standing, max(as_of, row.as_of_date), active.rules)
        if writes.add(uow, row, standing, steps) and contagion and \
                (row.five_tier_class in NONPERFORMING) != (steps[-1].result.five_tier_class in NONPERFORMING):
            moved_borrowers.add((row.borrower_id, row.tenant))
    await writes.flush(session)
    changed = writes.changed
    # Their other debts (the same lender's) may be pulled or released; sorted for a stable locking order.
    for borrower_id, tenant in sorted(moved_borrowers, key=lambda pair: (pair[0], pair[1] or "")):
        changed += await spread_to_borrower(uow, borrower_id, tenant, exclude=None, day=as_of, active=active)
    last = rows[-1]
    # The run's progress commits with the chunk it counts: what it says was done, was.
    run = await session.get_one(ReageRun, run_id)
    run.examined, run.changed = run.examined + len(rows), run.changed + changed
    run.ruleset_version, run.heartbeat_at = active.version, utcnow()
    return _ChunkOutcome(run, (last.next_change_on, last.debt_id))


async def _due(session: AsyncSession, as_of: date, after: tuple[date, uuid.UUID] | None,
               limit: int) -> list[Row[Any]]:
    """The next chunk of due open debts in (next_change_on, debt_id) order, the order of the due index, so
    each chunk is a range scan; their classification and facts as plain rows.

    On PostgreSQL the rows are locked (FOR UPDATE) until the chunk commits, so an event handler changing
    one of these debts meanwhile waits and then builds on what this run wrote, instead of being overwritten.
    """
    c, f = CLASSIFICATIONS.c, FACTS.c
    query = (select(c.debt_id, c.as_of_date, c.next_change_on, c.ifrs9_stage, c.stage_improving_since, c.dpd_bucket,
                    c.five_tier_class, c.default_flag, c.overdue_type, c.priority_tier,
                    c.registered_at.label("classification_registered_at"), c.first_classified_at, f.tenant, f.borrower_id,
                    f.currency, f.exposure, f.past_due_amount, f.first_unpaid_due_date, f.status, f.flags,
                    f.restructured_on, f.collection_score, f.limitation_expires_on, f.registered_at)
             .join_from(CLASSIFICATIONS, FACTS, c.debt_id == f.debt_id)
             .where(c.next_change_on <= as_of, c.status == "open")
             .order_by(c.next_change_on, c.debt_id).limit(limit))
    if after is not None:
        # Debts already walked have moved past `as_of`; the keyset only guards against walking one twice.
        query = query.where(tuple_(c.next_change_on, c.debt_id) > tuple_(*after))
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    return list((await session.execute(query)).all())


@dataclass
class _Writes:
    """What a chunk writes, gathered debt by debt and written table by table."""

    now: datetime
    active: ActiveRules
    cause: Cause
    current: list[dict[str, Any]] = field(default_factory=list)
    pending: PendingWrites = field(default_factory=PendingWrites)  # history rows and bucket spells
    changed: int = 0

    def add(self, uow: UnitOfWork, row: Row[Any], standing: Standing, steps: list[Step]) -> bool:
        """Record one debt's walk; announce it if it ended somewhere new. True if it did."""
        final = steps[-1]
        result = final.result
        registered_at = row.classification_registered_at or row.registered_at
        self.current.append({
            "debt_id": row.debt_id, "borrower_id": row.borrower_id, "currency": row.currency,
            "exposure": row.exposure, "status": row.status, "as_of_date": final.day,
            "days_past_due": result.days_past_due, "dpd_bucket": result.dpd_bucket,
            "five_tier_class": result.five_tier_class, "ifrs9_stage": result.ifrs9_stage,
            "stage_improving_since": result.stage_improving_since, "default_flag": result.default_flag,
            "overdue_type": result.overdue_type, "priority_score": result.priority_score,
            "priority_tier": result.priority_tier, "reason_codes": list(result.reason_codes),
            "next_change_on": result.next_change_on, "registered_at": registered_at,
            "seconds_to_classify": None if registered_at is None else
            max(0, int((row.first_classified_at - registered_at).total_seconds())),
        })
        bucket = standing.snapshot["dpd_bucket"]
        for step in steps:
            if step.news:
                self.pending.add_history(row, step.result, as_of=step.day, ruleset_version=self.active.version,
                                         cause=self.cause, now=self.now)
            if step.result.dpd_bucket != bucket:
                bucket = step.result.dpd_bucket
                self.pending.move_bucket(row.debt_id, bucket, day=step.day, now=self.now, had_spell=True)
        if final.snapshot == standing.snapshot:
            return False
        announce(uow, row, result, as_of=final.day, previous=standing.snapshot, active=self.active, now=self.now)
        self.changed += 1
        return True

    async def flush(self, session: AsyncSession) -> None:
        await update_rows(session, CLASSIFICATIONS, "debt_id", self.current,
                          constants={"ruleset_version": self.active.version, "classified_at": self.now})
        await self.pending.flush(session)


class _database_lock:
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


async def runs(session: AsyncSession, *, limit: int, after: str | None) -> tuple[list[ReageRun], str | None]:
    """The runs, latest first, one keyset page."""
    query = select(ReageRun).order_by(ReageRun.id.desc()).limit(limit + 1)
    if after is not None:
        (last_id,) = decode_cursor(after, int)
        query = query.where(ReageRun.id < last_id)
    return page_of(list(await session.scalars(query)), limit, lambda run: (run.id,))
