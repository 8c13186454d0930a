"""Unit of work: one transaction holding the domain rows, the outbox rows and (for consumers) the inbox row."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from debtflow.common.clock import utcnow
from debtflow.common.db.messaging_tables import MessagingTables
from debtflow.common.events import CloudEvent, EventPayload, event_tenant, events_topic
from debtflow.common.logging import correlation_id_var

#: Well under Kafka's default 1 MiB request limit: events carry ids and facts, never documents.
DEFAULT_MAX_EVENT_BYTES = 256 * 1024


class EventTooLarge(ValueError):
    """An event too big to publish; the transaction that emitted it fails instead of committing it."""


class UnitOfWork:
    """Open with `async with`; commits on normal exit, rolls back on an exception. Services never commit."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        service: str,
        topic_prefix: str,
        correlation_id: str | None,
        causation_id: str | None,
        on_commit: Callable[[], None] | None,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._sessions = sessions
        self._max_event_bytes = max_event_bytes
        self.tables = tables
        self.service = service
        self._topic = events_topic(service, topic_prefix)
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        #: The tenant of the event being handled; what the handler emits is about the same lender's debts.
        self.tenant: str | None = None
        self._on_commit = on_commit
        self.emitted: list[CloudEvent[EventPayload]] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._session

    def emit(self, payload: EventPayload, *, tenant: str | None = None) -> CloudEvent[EventPayload]:
        """Queue an event; it is written to the outbox in this transaction and published after commit. It carries
        `tenant`, else the tenant of the event being handled."""
        if payload.producer != self.service:
            raise ValueError(f"{self.service} cannot emit {payload.event_type}, which belongs to {payload.producer}")
        envelope = CloudEvent.new(
            payload,
            source_service=self.service,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            tenant=tenant or self.tenant,
        )
        self.emitted.append(envelope)
        return envelope

    @contextmanager
    def on_behalf_of(self, event: CloudEvent[Any]) -> Iterator[None]:
        """Inside the block, what is emitted is caused by `event`: its correlation id, its id as causation, its
        tenant. The consumer does this around a one-event handler; a set-based handler does it per event."""
        saved = (self.correlation_id, self.causation_id, self.tenant)
        self.correlation_id, self.causation_id, self.tenant = event.correlationid, event.id, event_tenant(event)
        token = correlation_id_var.set(event.correlationid)  # and on what is logged meanwhile
        try:
            yield
        finally:
            correlation_id_var.reset(token)
            self.correlation_id, self.causation_id, self.tenant = saved

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part of the transaction that can fail alone: on an exception its rows roll back to the savepoint
        and the events it emitted are discarded with them; the rest of the unit of work stands."""
        mark = len(self.emitted)
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self.emitted[mark:]
            raise

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        committed = False
        try:
            if exc_type is None:
                await self._write_outbox()
                await self.session.commit()
                committed = True
            else:
                await self.session.rollback()
        finally:
            await self.session.close()
            self._session = None
        if committed and self.emitted and self._on_commit is not None:
            self._on_commit()

    async def _write_outbox(self) -> None:
        if not self.emitted:
            return
        now = utcnow()
        rows = []
        for envelope in self.emitted:
            encoded = envelope.to_json()
            if len(encoded.encode()) > self._max_event_bytes:
                # Refuse it now: a record the broker can never accept would block the relay for good.
                raise EventTooLarge(f"{envelope.type} is {len(encoded.encode())} bytes; the limit is "
                                    f"{self._max_event_bytes}")
            rows.append({
                "event_id": envelope.id,
                "event_type": envelope.type,
                "topic": self._topic,
                "message_key": envelope.subject,
                "envelope": encoded,
                "occurred_at": envelope.time,
                "created_at": now,
            })
        await self.session.execute(insert(self.tables.outbox), rows)


class UnitOfWorkFactory:
    """Makes units of work for one service; wakes the relay after every commit that emitted events."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        *,
        service: str,
        topic_prefix: str = "",
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self.sessions = sessions
        self.max_event_bytes = max_event_bytes
        self.tables = tables
        self.service = service
        self.topic_prefix = topic_prefix
        self.on_commit: Callable[[], None] | None = None

    def __call__(self, *, correlation_id: str | None = None, causation_id: str | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            self.tables,
            service=self.service,
            topic_prefix=self.topic_prefix,
            correlation_id=correlation_id or correlation_id_var.get(),
            causation_id=causation_id,
            on_commit=self.on_commit,
            max_event_bytes=self.max_event_bytes,
        )
