"""Helpers for the messaging tests: a probe database with outbox/inbox, sample events, reading topics."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from debtflow.common.clock import utcnow
from debtflow.common.db import (
    MessagingTables,
    UnitOfWorkFactory,
    add_messaging_tables,
    create_engine,
    session_factory,
)
from debtflow.common.events import CloudEvent, DebtRegistered
from debtflow.common.events.envelope import kafka_headers
from debtflow.common.messaging.bus import Bus, BusConsumer, OutgoingRecord, ReceivedRecord
from debtflow.common.messaging.consumer import AnyHandler, Handler, set_based


def registered(loan_id: str = "L1", *, debt_id: uuid.UUID | None = None, borrower_id: str = "B1") -> DebtRegistered:
    return DebtRegistered(
        debt_id=debt_id or uuid.uuid4(), borrower_id=borrower_id, source_system="core", loan_id=loan_id,
        currency="CNY", principal_outstanding=Decimal("100.00"), interest_outstanding=Decimal("1.00"),
        fees_outstanding=Decimal("0.00"), total_outstanding=Decimal("101.00"), first_unpaid_due_date=date(2026, 1, 1),
        as_of_date=date(2026, 3, 1), registered_at=utcnow(),
    )


def of_kind(kind: str, handle_one: Handler) -> AnyHandler:
    """`handle_one` as the consumer gets it: itself ("one-event"), or a set-based handler that applies the
    events it is given in order ("set-based"), so one test body checks the consumer's guarantees for both."""
    if kind == "one-event":
        return handle_one

    async def apply(uow: Any, events: list[CloudEvent[Any]]) -> None:
        for event in events:
            with uow.on_behalf_of(event):
                await handle_one(uow, event)

    return set_based(apply)


def record_of(envelope: CloudEvent[DebtRegistered], topic: str) -> OutgoingRecord:
    import json

    return OutgoingRecord(topic, envelope.subject.encode(), envelope.to_json().encode(),
                          kafka_headers(json.loads(envelope.to_json())))


@dataclass
class ProbeDatabase:
    """A service-like database: outbox, inbox and an `effects` table handlers write to."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tables: MessagingTables
    effects: Table

    def uow_factory(self, topic_prefix: str = "") -> UnitOfWorkFactory:
        return UnitOfWorkFactory(self.sessions, self.tables, service="intake", topic_prefix=topic_prefix)

    async def count(self, table: Table, *conditions: object) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(table).where(*conditions)) or 0)

    async def record_effect(self, session: AsyncSession, event_id: str, note: str) -> None:
        await session.execute(insert(self.effects).values(event_id=event_id, note=note))


@asynccontextmanager
async def probe_database(url: str) -> AsyncIterator[ProbeDatabase]:
    metadata = MetaData()
    tables = add_messaging_tables(metadata)
    effects = Table("effects", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                    Column("event_id", String(64), nullable=False), Column("note", String(64), nullable=False))
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    try:
        yield ProbeDatabase(engine, session_factory(engine), tables, effects)
    finally:
        await engine.dispose()


async def drain(consumer: BusConsumer, count: int, *, timeout: float = 20.0) -> list[ReceivedRecord]:
    """Poll until `count` records arrived (more are kept if they come in the same poll)."""
    received: list[ReceivedRecord] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(received) < count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"received {len(received)} of {count} records within {timeout}s")
        received += await consumer.poll(timeout=0.2, max_records=500)
    return received


async def read_topic(bus: Bus, topic: str, count: int, *, timeout: float = 20.0) -> list[ReceivedRecord]:
    """Every record of a topic, read by a throw-away consumer group from the beginning."""
    consumer = bus.consumer(group_id=f"reader-{uuid.uuid4().hex[:8]}", topics=[topic])
    await consumer.start()
    try:
        return await drain(consumer, count, timeout=timeout)
    finally:
        await consumer.stop()
