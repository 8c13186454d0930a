"""A new, empty broker (an in-memory one restarted): the relay refills it from the outbox, consumers rejoin it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
from sqlalchemy import delete, select

from conftest import kafka_options
from debtflow.common.db import UnitOfWork
from debtflow.common.embedded import EmbeddedBroker
from debtflow.common.events import CloudEvent, DebtRegistered, events_topic
from debtflow.common.messaging.bus import Bus
from debtflow.common.messaging.consumer import EventConsumer
from debtflow.common.messaging.kafka import KafkaBus
from debtflow.common.messaging.memory import InMemoryBroker, InMemoryBus
from debtflow.common.messaging.relay import OutboxRelay, RelayOptions
from support import eventually
from support.messaging import ProbeDatabase, probe_database, read_topic, registered


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[ProbeDatabase]:
    async with probe_database(database_url) as probe:
        yield probe


def _relay(db: ProbeDatabase, bus: Bus) -> OutboxRelay:
    return OutboxRelay(engine=db.engine, sessions=db.sessions, outbox=db.tables.outbox, bus=bus, service="intake",
                       broker_seen=db.tables.broker_seen,
                       options=RelayOptions(poll_interval=0.05, max_backoff=0.2, batch_size=1000))


async def _emit(db: ProbeDatabase, topic_prefix: str, count: int, *, key_of: Any = None) -> list[str]:
    ids = []
    for index in range(count):
        async with db.uow_factory(topic_prefix)() as uow:
            payload = registered(f"L{index}", debt_id=key_of) if key_of else registered(f"L{index}")
            ids.append(uow.emit(payload).id)
    return ids


def _ids(records: Iterable[Any]) -> list[str]:
    return [record.header("ce_id") for record in records]


async def test_a_new_broker_gets_every_retained_event_again_before_anything_newer(
        db: ProbeDatabase, topic_prefix: str) -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    topic = events_topic("intake", topic_prefix)
    first = await _emit(db, topic_prefix, 3)
    assert await _relay(db, bus).publish_pending() == 3
    async with db.sessions() as session:
        [(seen,)] = (await session.execute(select(db.tables.broker_seen.c.cluster_id))).all()
    assert seen == broker.cluster_id, "the first broker seen is remembered, and nothing is re-sent to it"

    broker.lose_everything()  # the broker restarts empty while the service is down
    later = await _emit(db, topic_prefix, 2)
    restarted = _relay(db, bus)  # a new process: it knows the old broker only from its database
    assert await restarted.publish_pending() == 5
    records = broker.records(topic)
    assert sorted(_ids(records)) == sorted([*first, *later]), "the new broker holds every retained event once"
    for partition in {record.partition for record in records}:
        on_it = _ids(record for record in records if record.partition == partition)
        assert on_it == [event_id for event_id in [*first, *later] if event_id in on_it], "outbox order per partition"
    assert await restarted.publish_pending() == 0, "the same broker again: nothing is re-sent"


async def test_the_old_events_go_out_before_the_new_ones_of_the_same_debt(
        db: ProbeDatabase, topic_prefix: str) -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    relay = _relay(db, bus)
    debt = registered().debt_id
    first = await _emit(db, topic_prefix, 4, key_of=debt)
    assert await relay.publish_pending() == 4
    broker.lose_everything()  # while the same relay runs
    later = await _emit(db, topic_prefix, 3, key_of=debt)
    assert await relay.publish_pending() == 7
    assert _ids(broker.records(events_topic("intake", topic_prefix))) == [*first, *later]


async def test_a_consumer_rejoins_a_new_broker_and_misses_nothing_published_there(
        db: ProbeDatabase, topic_prefix: str) -> None:
    """Its positions were past the end of the new broker's partitions (their old events had been purged from
    the outbox, so the new partitions are shorter): without rejoining it would skip what is published there."""
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    relay = _relay(db, bus)
    handled: list[str] = []

    async def handler(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
        handled.append(event.id)

    consumer = EventConsumer(bus=bus, uow_factory=db.uow_factory(topic_prefix), handlers={DebtRegistered: handler},
                             group_id=f"{topic_prefix}probe", topic_prefix=topic_prefix, broker_check_interval=0.05)
    debt = registered().debt_id
    stopping = asyncio.Event()
    task = asyncio.create_task(consumer.run(stopping))
    try:
        old = await _emit(db, topic_prefix, 5, key_of=debt)
        await relay.publish_pending()
        await eventually(lambda: _handled(handled, 5), what="the first events to be handled")
        async with db.sessions() as session, session.begin():  # as housekeeping purges them after retention
            await session.execute(delete(db.tables.outbox))
        broker.lose_everything()
        new = await _emit(db, topic_prefix, 2, key_of=debt)
        assert await relay.publish_pending() == 2
        await eventually(lambda: _handled(handled, 7), what="the events published on the new broker", timeout=10)
    finally:
        stopping.set()
        await task
    assert handled == [*old, *new]


async def _handled(handled: list[str], count: int) -> bool:
    return len(handled) >= count


async def test_readiness_reason_when_the_consumer_cannot_reach_the_bus(db: ProbeDatabase, topic_prefix: str) -> None:
    broker = InMemoryBroker()
    broker.available = False
    consumer = EventConsumer(bus=InMemoryBus(broker), uow_factory=db.uow_factory(topic_prefix),
                             handlers={DebtRegistered: _ignore}, group_id=f"{topic_prefix}probe",
                             topic_prefix=topic_prefix, retry_backoff=0.01, max_backoff=0.02)
    stopping = asyncio.Event()
    task = asyncio.create_task(consumer.run(stopping))
    try:
        await eventually(lambda: _failing(consumer, 0.1), what="the consumer to report it is failing")
        assert "BusUnavailable" in (consumer.failing(0.1) or "")
        assert consumer.failing(60) is None, "a shorter trouble than the stall limit is not a failure"
        broker.available = True
        await eventually(lambda: _not_failing(consumer), what="the consumer to recover")
    finally:
        stopping.set()
        await task


async def _ignore(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
    return None


async def _failing(consumer: EventConsumer, stall: float) -> bool:
    return consumer.failing(stall) is not None


async def _not_failing(consumer: EventConsumer) -> bool:
    return consumer.failing(0.1) is None and consumer.state == "consuming"


@pytest.mark.kafka
async def test_a_restarted_embedded_broker_is_refilled_without_anyone_replaying(
        db: ProbeDatabase, topic_prefix: str) -> None:
    broker = EmbeddedBroker().start()  # our own: restarting it must not disturb other tests
    bus = KafkaBus(kafka_options(broker), partitions=2)
    relay = _relay(db, bus)
    stopping = asyncio.Event()
    task = asyncio.create_task(relay.run(stopping))
    topic = events_topic("intake", topic_prefix)
    try:
        before = await _emit(db, topic_prefix, 4)
        relay.notify()
        await eventually(lambda: _pending_is(db, 0), what="the first events to be published", timeout=30)
        old_cluster = broker.cluster_id
        broker.restart()
        assert broker.cluster_id != old_cluster
        after = await _emit(db, topic_prefix, 3)
        relay.notify()
        records = await read_topic(bus, topic, 7, timeout=60)
    finally:
        stopping.set()
        await task
        await bus.stop()
        broker.stop()
    assert sorted(_ids(records)) == sorted([*before, *after])


async def _pending_is(db: ProbeDatabase, expected: int) -> bool:
    return await db.count(db.tables.outbox, db.tables.outbox.c.published_at.is_(None)) == expected
