"""Outbox relay: publishes committed events in outbox order with `acks=all`, retries through outages, replays,
and refills a new broker that lost what it held."""

from __future__ import annotations

import asyncio
import fcntl
import json
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from debtflow.common.clock import utcnow
from debtflow.common.events.envelope import kafka_headers
from debtflow.common.logging import get_logger
from debtflow.common.messaging.bus import Bus, BusUnavailable, OutgoingRecord
from debtflow.common.metrics import ServiceMetrics

log = get_logger(__name__)
_COUNT_PENDING_EVERY_SECONDS = 5.0
_LEASE_RETRY_SECONDS = 5.0


class RelayPublishError(RuntimeError):
    """The broker refused or timed out part of a round; the rest is retried in order."""


@dataclass(frozen=True)
class RelayOptions:
    batch_size: int = 500
    poll_interval: float = 0.5
    max_backoff: float = 30.0


class _RelayLease:
    """Only one process of a service relays, so outbox order survives scale-out: on PostgreSQL the one holding
    an advisory lock, on SQLite the one holding an exclusive lock on a file beside the database (the worker
    processes of `WORKERS` share that file; the lock dies with its process)."""

    def __init__(self, engine: AsyncEngine, service: str) -> None:
        self.engine = engine
        self.lock_key = f"debtflow-relay:{service}"
        self._connection: AsyncConnection | None = None
        self._lock_file: IO[bytes] | None = None

    async def acquire(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return self._hold_lock_file()
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))  # the lock lives as long as this session
                return True
            except (SQLAlchemyError, OSError):
                await self.release()  # the session died (say the database restarted), and its lock with it
                return False
        connection = await self.engine.connect()
        try:
            held = await connection.scalar(text("SELECT pg_try_advisory_lock(hashtext(:key))"), {"key": self.lock_key})
            await connection.commit()
        except (SQLAlchemyError, OSError):
            await _close_quietly(connection)
            return False
        if held:
            self._connection = connection
            return True
        await connection.close()
        return False

    def _hold_lock_file(self) -> bool:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True  # an in-memory database belongs to one process: there is no second relay
        if self._lock_file is not None:
            return True
        lock_file = open(f"{database}.relay-lock", "ab")  # held open as long as the lease
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            return False  # another worker of this service relays
        self._lock_file = lock_file
        return True

    async def release(self) -> None:
        lock_file, self._lock_file = self._lock_file, None
        if lock_file is not None:
            lock_file.close()  # closing the file releases its lock
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                # Unlock explicitly: close() only returns the connection to the pool, lock and all.
                await connection.scalar(text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": self.lock_key})
                await connection.commit()
            except (SQLAlchemyError, OSError):
                pass  # the connection is gone (or its transaction with it), and its lock with it
            await _close_quietly(connection)


async def _close_quietly(connection: AsyncConnection) -> None:
    try:
        await connection.close()
    except (SQLAlchemyError, OSError):
        pass


class OutboxRelay:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Table,
        bus: Bus,
        service: str,
        options: RelayOptions,
        metrics: ServiceMetrics | None = None,
        broker_seen: Table | None = None,
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.broker_seen = broker_seen
        self.bus = bus
        self.service = service
        self.options = options
        self.metrics = metrics
        self.state = "starting"
        self._lease = _RelayLease(engine, service)
        self._wake = asyncio.Event()
        self._last_count = 0.0
        self._cluster = ""  # the broker identity this process last confirmed against `broker_seen`

    def notify(self) -> None:
        """Wake the relay now (called after a commit that wrote outbox rows)."""
        self._wake.set()

    async def publish_pending(self) -> int:
        """One round: publish up to a batch of unpublished rows in id order; returns how many were acknowledged."""
        if self.broker_seen is not None:
            await self.follow_broker()
        outbox = self.outbox
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(outbox.c.id, outbox.c.topic, outbox.c.message_key, outbox.c.envelope)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self.options.batch_size)
                )
            ).all()
        if not rows:
            return 0
        records = [
            OutgoingRecord(
                topic=row.topic,
                key=row.message_key.encode(),
                value=row.envelope.encode(),
                headers=kafka_headers(json.loads(row.envelope)),
            )
            for row in rows
        ]
        results = await self.bus.publish(records)
        # Only the unbroken run of acknowledged rows counts as published: a row after a failure is sent
        # again with the failed one, so a key's events never overtake each other on the next round.
        acknowledged = next((index for index, error in enumerate(results) if error is not None), len(results))
        await self._mark_published([row.id for row in rows[:acknowledged]])
        if self.metrics is not None:
            self.metrics.outbox_published.inc(acknowledged)
        if acknowledged < len(rows):
            error = results[acknowledged]
            await self._record_failure(rows[acknowledged].id, repr(error))
            raise RelayPublishError(f"published {acknowledged} of {len(rows)}: {error!r}")
        return acknowledged

    async def follow_broker(self) -> int:
        """Compare the broker answering now with the one last published to; if it is another, queue every
        retained event again (oldest first) before anything new goes out. Returns how many were queued.

        A broker that restarts without its data (the embedded in-memory one, a cluster rebuilt) has a new
        cluster id. Checking before each round keeps a debt's events in order on the new broker: the old
        ones are queued before the round that would publish newer ones. Consumers' inboxes skip what they
        had already handled, so re-publishing costs time, never a duplicate effect.
        """
        assert self.broker_seen is not None
        cluster = await self.bus.cluster_id()
        if cluster == self._cluster:
            return 0
        seen = self.broker_seen
        async with self.sessions() as session, session.begin():
            before = await session.scalar(select(seen.c.cluster_id).where(seen.c.bus == "events").with_for_update())
            replaced = before is not None and before != cluster
            requeued = 0
            if before is None:
                await session.execute(seen.insert().values(bus="events", cluster_id=cluster, seen_at=utcnow()))
            elif replaced:
                result = await session.execute(
                    update(self.outbox).where(self.outbox.c.published_at.is_not(None)).values(published_at=None)
                )
                requeued = int(result.rowcount or 0)
                await session.execute(
                    update(seen).where(seen.c.bus == "events").values(cluster_id=cluster, seen_at=utcnow())
                )
        if replaced:
            log.warning("a new broker answers; publishing every retained event to it again",
                        previous_cluster=before, cluster=cluster, requeued=requeued)
            if self.metrics is not None:
                self.metrics.outbox_republished.inc(requeued)
        self._cluster = cluster
        return requeued

    async def _mark_published(self, ids: list[int]) -> None:
        if not ids:
            return
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(self.outbox)
                .where(self.outbox.c.id.in_(ids))
                .values(published_at=utcnow(), publish_attempts=self.outbox.c.publish_attempts + 1, last_error=None)
            )

    async def _record_failure(self, row_id: int, error: str) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(self.outbox)
                .where(self.outbox.c.id == row_id)
                .values(publish_attempts=self.outbox.c.publish_attempts + 1, last_error=error[:2000])
            )

    async def run(self, stopping: asyncio.Event) -> None:
        """Relay until `stopping` is set. Broker or database outages are waited out with capped backoff."""
        backoff = self.options.poll_interval
        while not stopping.is_set():
            try:
                leader = await self._lease.acquire()
            except (DBAPIError, OSError) as error:
                log.warning("relay lease check failed; retrying", error=repr(error)[:300])
                leader = False
            if not leader:
                self.state = "standby"
                await self._sleep(stopping, _LEASE_RETRY_SECONDS)
                continue
            try:
                published = await self.publish_pending()
                await self._count_pending()
            except (BusUnavailable, RelayPublishError, DBAPIError, OSError) as error:
                self.state = "retrying"
                if self.metrics is not None:
                    self.metrics.outbox_publish_failures.inc()
                log.warning("outbox relay round failed; retrying", error=repr(error)[:500], retry_in=backoff)
                await self._sleep(stopping, backoff)
                backoff = min(backoff * 2, self.options.max_backoff)
                continue
            self.state = "publishing"
            backoff = self.options.poll_interval
            if published < self.options.batch_size:
                await self._sleep(stopping, self.options.poll_interval, wakeable=True)
        await self._lease.release()
        self.state = "stopped"

    async def _count_pending(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        if self.metrics is not None and loop_time - self._last_count >= _COUNT_PENDING_EVERY_SECONDS:
            self._last_count = loop_time  # a gauge, not a ledger: counting after every round costs a transaction
            async with self.sessions() as session:
                pending = await session.scalar(
                    select(func.count()).select_from(self.outbox).where(self.outbox.c.published_at.is_(None))
                )
            self.metrics.outbox_pending.set(pending or 0)

    async def _sleep(self, stopping: asyncio.Event, seconds: float, *, wakeable: bool = False) -> None:
        waiters = [asyncio.ensure_future(stopping.wait())]
        if wakeable:
            waiters.append(asyncio.ensure_future(self._wake.wait()))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            self._wake.clear()


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    oldest_pending_at: datetime | None
    retained_published: int
    retained_since: datetime | None


async def outbox_status(sessions: async_sessionmaker[AsyncSession], outbox: Table) -> OutboxStatus:
    async with sessions() as session:
        pending, oldest = (
            await session.execute(
                select(func.count(), func.min(outbox.c.occurred_at)).where(outbox.c.published_at.is_(None))
            )
        ).one()
        retained, since = (
            await session.execute(
                select(func.count(), func.min(outbox.c.occurred_at)).where(outbox.c.published_at.is_not(None))
            )
        ).one()
    return OutboxStatus(pending, oldest, retained, since)


async def replay_outbox(
    sessions: async_sessionmaker[AsyncSession], outbox: Table, *, since: datetime, until: datetime
) -> int:
    """Queue retained events that occurred in [since, until) for publishing again, in their original order.

    This is how a service recovers from a broker that lost data. Consumers' inboxes skip what they had.
    """
    if until <= since:
        raise ValueError("`until` must be after `since`")
    async with sessions() as session, session.begin():
        result = await session.execute(
            update(outbox)
            .where(outbox.c.occurred_at >= since, outbox.c.occurred_at < until, outbox.c.published_at.is_not(None))
            .values(published_at=None)
        )
    return int(result.rowcount or 0)
