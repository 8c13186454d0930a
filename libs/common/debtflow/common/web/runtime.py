"""A running service: engine, bus, unit-of-work factory, relay and consumer, started and stopped together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi import APIRouter
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from debtflow.common.auth import TokenService
from debtflow.common.db import MessagingTables, UnitOfWorkFactory, create_engine, session_factory
from debtflow.common.db.messaging_tables import messaging_tables_of
from debtflow.common.db.migrations import revisions_of, upgrade_to_head
from debtflow.common.housekeeping import Housekeeping, Purge, messaging_purges
from debtflow.common.logging import get_logger
from debtflow.common.messaging.bus import Bus
from debtflow.common.messaging.consumer import EventConsumer, Handlers
from debtflow.common.messaging.kafka import KafkaBus, KafkaOptions
from debtflow.common.messaging.memory import InMemoryBus
from debtflow.common.messaging.relay import OutboxRelay, RelayOptions
from debtflow.common.metrics import ServiceMetrics
from debtflow.common.settings import ServiceSettings
from debtflow.common.web.idempotency import IdempotencyKeys

log = get_logger(__name__)


#: A loop a service runs beside its relay and consumer (say a daily job), until `stopping` is set.
BackgroundJob = Callable[["ServiceRuntime", asyncio.Event], Awaitable[None]]

#: A context entered around each HTTP request: how a setting reaches code the service cannot hand it to, such as
#: a pydantic validator FastAPI calls while parsing the body (intake's phone region).
RequestScope = Callable[[], AbstractContextManager[object]]


@dataclass
class ServiceDefinition:
    """Everything that makes one service: its settings, tables, routes, event handlers and jobs.

    The outbox and inbox are found in `metadata` (declared by add_messaging_tables), and the idempotency keys if
    the service declares them (add_idempotency_table); the revisions are in `debtflow/<name>/migrations/`.
    Housekeeping purges those tables and whatever `purges` adds; `request_scopes` are entered around every request."""

    name: str
    title: str
    description: str
    settings: ServiceSettings
    metadata: MetaData
    routers: Sequence[APIRouter]
    handlers: Handlers = field(default_factory=dict)
    background: Sequence[BackgroundJob] = ()
    purges: Sequence[Purge] = ()
    request_scopes: Sequence[RequestScope] = ()
    version: str = "0.1.0"

    @property
    def messaging(self) -> MessagingTables:
        return messaging_tables_of(self.metadata)

    @property
    def idempotency(self) -> IdempotencyKeys | None:
        """Idempotency-Key support, for a service whose models declare the table (add_idempotency_table)."""
        table = self.metadata.tables.get("idempotency_keys")
        if table is None:
            return None
        return IdempotencyKeys(table, retention=timedelta(hours=self.settings.idempotency_retention_hours))

    @property
    def migrations(self) -> str:
        return revisions_of(self.name)

    def housekeeping_purges(self) -> list[Purge]:
        settings = self.settings
        return [*messaging_purges(self.messaging, outbox_retention=timedelta(hours=settings.outbox_retention_hours),
                                  inbox_retention=timedelta(days=settings.inbox_retention_days)),
                *([self.idempotency.purge] if self.idempotency else []), *self.purges]


def build_bus(settings: ServiceSettings) -> Bus:
    if settings.bus == "memory":
        return InMemoryBus()
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
    options = KafkaOptions(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"debtflow-{settings.service_name}",
        security_protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        sasl_username=settings.kafka_sasl_username,
        sasl_password=password,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        rebalance_timeout_ms=settings.kafka_rebalance_timeout_ms,
    )
    return KafkaBus(options, partitions=settings.topic_partitions)


class ServiceRuntime:
    """Owns the service's resources for the lifetime of the process (or of one test)."""

    def __init__(self, definition: ServiceDefinition, *, bus: Bus | None = None) -> None:
        settings = definition.settings
        self.definition = definition
        self.settings = settings
        self.metrics = ServiceMetrics(definition.name)
        self.tokens = TokenService(
            secret=settings.auth_secret.get_secret_value(), issuer=settings.auth_issuer,
            audience=settings.auth_audience,
        )
        self.engine: AsyncEngine = create_engine(settings.database_url)
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self.bus = bus or build_bus(settings)
        self.uow = UnitOfWorkFactory(
            self.sessions, definition.messaging, service=definition.name, topic_prefix=settings.topic_prefix
        )
        self.relay = OutboxRelay(
            engine=self.engine, sessions=self.sessions, outbox=definition.messaging.outbox, bus=self.bus,
            service=definition.name, metrics=self.metrics, broker_seen=definition.messaging.broker_seen,
            options=RelayOptions(
                batch_size=settings.relay_batch_size,
                poll_interval=settings.relay_poll_interval_seconds,
                max_backoff=settings.relay_max_backoff_seconds,
            ),
        )
        self.uow.on_commit = self.relay.notify
        self.housekeeping = Housekeeping(self.sessions, definition.housekeeping_purges(), metrics=self.metrics,
                                         interval=timedelta(seconds=settings.housekeeping_interval_seconds))
        self.consumer: EventConsumer | None = None
        if definition.handlers:
            self.consumer = EventConsumer(
                bus=self.bus, uow_factory=self.uow, handlers=definition.handlers,
                group_id=settings.consumer_group, topic_prefix=settings.topic_prefix,
                max_attempts=settings.consumer_max_attempts, retry_backoff=settings.consumer_retry_backoff_seconds,
                max_backoff=settings.relay_max_backoff_seconds, poll_max_records=settings.consumer_poll_max_records,
                broker_check_interval=settings.broker_check_interval_seconds, metrics=self.metrics,
            )
        self._stopping = asyncio.Event()
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def start(self) -> None:
        self.settings.refuse_unsafe_production()
        if self.settings.run_migrations_on_startup:
            await upgrade_to_head(self.engine, self.definition.migrations, self.definition.metadata)
        await self.bus.start()
        self._tasks["relay"] = asyncio.create_task(self.relay.run(self._stopping), name="outbox-relay")
        self._tasks["housekeeping"] = asyncio.create_task(self.housekeeping.run(self._stopping), name="housekeeping")
        if self.consumer is not None:
            self._tasks["consumer"] = asyncio.create_task(self.consumer.run(self._stopping), name="event-consumer")
        for job in self.definition.background:
            self._tasks[job.__name__] = asyncio.create_task(job(self, self._stopping), name=job.__name__)
        log.info("service started", database=self.engine.dialect.name, bus=type(self.bus).__name__,
                 consumes=self.consumer.topics if self.consumer else [])

    async def stop(self) -> None:
        self._stopping.set()
        if self._tasks:
            _, still_running = await asyncio.wait(self._tasks.values(), timeout=10)
            for task in still_running:
                task.cancel()
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        await self.bus.stop()
        await self.engine.dispose()
        log.info("service stopped")

    def background_failures(self) -> dict[str, str]:
        """Background loops that died (they should not; readiness reports it)."""
        failures = {}
        for name, task in self._tasks.items():
            if task.done() and not task.cancelled() and task.exception() is not None:
                failures[name] = repr(task.exception())[:300]
        return failures

    async def check_database(self) -> None:
        async with self.engine.connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), 3)
