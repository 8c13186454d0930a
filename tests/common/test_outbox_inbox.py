"""Outbox, relay and inbox on SQLite and PostgreSQL: publish only on commit, lose nothing, apply each event once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from conftest import kafka_options
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.embedded import EmbeddedBroker
from debtflow.common.events import CloudEvent, DebtRegistered, events_topic
from debtflow.common.messaging import relay as relay_module
from debtflow.common.messaging.bus import Bus
from debtflow.common.messaging.consumer import EventConsumer
from debtflow.common.messaging.kafka import KafkaBus
from debtflow.common.messaging.memory import InMemoryBroker, InMemoryBus
from debtflow.common.messaging.relay import OutboxRelay, RelayOptions, replay_outbox
from support import eventually
from support.messaging import ProbeDatabase, of_kind, probe_database, read_topic, record_of, registered


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[ProbeDatabase]:
    async with probe_database(database_url) as probe:
        yield probe


def _relay(db: ProbeDatabase, bus: Bus, **options: Any) -> OutboxRelay:
    return OutboxRelay(engine=db.engine, sessions=db.sessions, outbox=db.tables.outbox, bus=bus, service="intake",
                       options=RelayOptions(**{"poll_interval": 0.05, "max_backoff": 0.2, **options}))


async def _emit(db: ProbeDatabase, topic_prefix: str, payload: DebtRegistered) -> CloudEvent[DebtRegistered]:
    async with db.uow_factory(topic_prefix)() as uow:
        return uow.emit(payload)  # type: ignore[return-value]


async def test_an_event_is_published_only_if_its_transaction_commits(
    db: ProbeDatabase, bus: Bus, topic_prefix: str
) -> None:
    with pytest.raises(RuntimeError):
        async with db.uow_factory(topic_prefix)() as uow:
            uow.emit(registered("ROLLED-BACK"))
            await db.record_effect(uow.session, "x", "domain row")
            raise RuntimeError("the use case failed after emitting")
    assert await db.count(db.tables.outbox) == 0
    assert await db.count(db.effects) == 0

    committed = await _emit(db, topic_prefix, registered("COMMITTED"))
    relay = _relay(db, bus)
    assert await relay.publish_pending() == 1
    assert await relay.publish_pending() == 0, "a published row is not sent again"
    [record] = await read_topic(bus, events_topic("intake", topic_prefix), 1)
    assert record.header("ce_id") == committed.id
    assert json.loads(record.value)["data"]["loan_id"] == "COMMITTED"


async def _write_during_outage(db: ProbeDatabase, topic_prefix: str, count: int) -> list[str]:
    debts = [registered(f"D{i}") for i in range(4)]
    ids = []
    for i in range(count):
        payload = registered(f"OUTAGE-{i}", debt_id=debts[i % 4].debt_id)
        ids.append((await _emit(db, topic_prefix, payload)).id)
    return ids


def _assert_outbox_order(records: list[Any], expected_ids: list[str]) -> None:
    """Every id present, and within each key in the order the outbox recorded them."""
    seen = [record.header("ce_id") for record in records]
    assert set(expected_ids) <= set(seen)
    by_key: dict[bytes, list[str]] = {}
    for record in records:
        by_key.setdefault(record.key, []).append(record.header("ce_id"))
    position = {event_id: index for index, event_id in enumerate(expected_ids)}
    for key, ids in by_key.items():
        ordered = [position[event_id] for event_id in ids if event_id in position]
        assert ordered == sorted(ordered), f"key {key!r} out of order"


async def test_in_memory_broker_outage_during_writes_loses_nothing(db: ProbeDatabase, topic_prefix: str) -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    relay = _relay(db, bus)
    stopping = asyncio.Event()
    broker.available = False
    task = asyncio.create_task(relay.run(stopping))
    try:
        ids = await _write_during_outage(db, topic_prefix, 20)
        await eventually(lambda: _is(relay.state, "retrying"), what="the relay to notice the outage")
        assert broker.records(events_topic("intake", topic_prefix)) == []
        broker.available = True
        await eventually(lambda: _pending_is(db, 0), what="the backlog to drain", timeout=20)
    finally:
        stopping.set()
        await task
    records = broker.records(events_topic("intake", topic_prefix))
    assert len(records) == 20
    _assert_outbox_order(records, ids)


async def test_kafka_broker_down_during_writes_loses_nothing_and_replay_recovers_its_data_loss(
    db: ProbeDatabase, topic_prefix: str
) -> None:
    broker = EmbeddedBroker().start()  # our own broker, so stopping it does not disturb other tests
    bus = KafkaBus(kafka_options(broker), partitions=4)
    relay = _relay(db, bus)
    stopping = asyncio.Event()
    started = utcnow() - timedelta(seconds=1)
    task = asyncio.create_task(relay.run(stopping))
    try:
        before = await _write_during_outage(db, topic_prefix, 4)
        await eventually(lambda: _pending_is(db, 0), what="the first events to be published")
        broker.stop()
        during = await _write_during_outage(db, topic_prefix, 12)
        await eventually(lambda: _is(relay.state, "retrying"), what="the relay to notice the outage", timeout=30)
        assert await db.count(db.tables.outbox, db.tables.outbox.c.published_at.is_(None)) == 12
        broker.start()  # a memory broker comes back empty: the 4 earlier events are gone from Kafka
        await eventually(lambda: _pending_is(db, 0), what="the backlog to drain after the outage", timeout=60)
        topic = events_topic("intake", topic_prefix)
        _assert_outbox_order(await read_topic(bus, topic, 12), during)

        requeued = await replay_outbox(db.sessions, db.tables.outbox, since=started, until=utcnow())
        assert requeued == 16
        relay.notify()
        await eventually(lambda: _pending_is(db, 0), what="the replay to be published", timeout=30)
        records = await read_topic(bus, topic, 28)
    finally:
        stopping.set()
        await task
        await bus.stop()
        broker.stop()
    assert {record.header("ce_id") for record in records} == set(before) | set(during)


async def _pending_is(db: ProbeDatabase, expected: int) -> bool:
    return await db.count(db.tables.outbox, db.tables.outbox.c.published_at.is_(None)) == expected


async def _is(actual: str, expected: str) -> bool:
    return actual == expected


async def test_a_duplicate_delivery_changes_nothing(db: ProbeDatabase, topic_prefix: str, handler_kind: str) -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    topic = events_topic("intake", topic_prefix)

    async def handler(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
        await db.record_effect(uow.session, event.id, "handled")

    consumer = EventConsumer(bus=bus, uow_factory=db.uow_factory(topic_prefix),
                             handlers={DebtRegistered: of_kind(handler_kind, handler)},
                             group_id="probe", topic_prefix=topic_prefix, retry_backoff=0.01)
    envelope = CloudEvent.new(registered(), source_service="intake")
    await bus.publish([record_of(envelope, topic)])
    [record] = broker.records(topic)

    assert await consumer.process(record) == "handled"
    assert await consumer.process(record) == "duplicate"
    outcomes = await asyncio.gather(*(consumer.process(record) for _ in range(3)))
    assert set(outcomes) == {"duplicate"}
    assert await db.count(db.effects) == 1
    assert await db.count(db.tables.inbox) == 1

    # In a poll's run: the same record twice beside a new one; the new one is applied, the repeats are not.
    other = CloudEvent.new(registered("OTHER"), source_service="intake")
    await bus.publish([record_of(other, topic)])
    [second] = [found for found in broker.records(topic) if found.header("ce_id") == other.id]
    assert await consumer.process_batch([record, second, second]) == [record, second, second]
    assert await db.count(db.effects) == 2
    assert await db.count(db.tables.inbox) == 2


async def test_concurrent_first_deliveries_apply_the_event_once(db: ProbeDatabase, topic_prefix: str,
                                                               handler_kind: str) -> None:
    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    topic = events_topic("intake", topic_prefix)

    async def slow_handler(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
        await db.record_effect(uow.session, event.id, "handled")
        await asyncio.sleep(0.05)  # widen the race window between the two deliveries

    consumer = EventConsumer(bus=bus, uow_factory=db.uow_factory(topic_prefix),
                             handlers={DebtRegistered: of_kind(handler_kind, slow_handler)},
                             group_id="probe", topic_prefix=topic_prefix, retry_backoff=0.01)
    await bus.publish([record_of(CloudEvent.new(registered(), source_service="intake"), topic)])
    [record] = broker.records(topic)
    outcomes = await asyncio.gather(consumer.process(record), consumer.process(record))
    assert sorted(outcomes) == ["duplicate", "handled"]
    assert await db.count(db.effects) == 1

    # Two members handing the same poll's run at once (after a rebalance): each event is applied once.
    await bus.publish([record_of(CloudEvent.new(registered(f"RUN-{n}"), source_service="intake"), topic)
                       for n in range(3)])
    run = [found for found in broker.records(topic) if found.header("ce_id") != record.header("ce_id")]
    await asyncio.gather(consumer.process_batch(run), consumer.process_batch(run))
    assert await db.count(db.effects) == 4
    assert await db.count(db.tables.inbox) == 4


async def test_replay_republishes_only_the_range_in_original_order(db: ProbeDatabase, topic_prefix: str) -> None:
    broker = InMemoryBroker()
    relay = _relay(db, InMemoryBus(broker))
    debt = registered()
    emitted = []
    for i in range(6):
        emitted.append(await _emit(db, topic_prefix, registered(f"R{i}", debt_id=debt.debt_id)))
        await asyncio.sleep(0.01)  # distinct occurrence times
    await relay.publish_pending()
    since, until = emitted[2].time, emitted[4].time + timedelta(microseconds=1)
    assert await replay_outbox(db.sessions, db.tables.outbox, since=since, until=until) == 3
    await relay.publish_pending()
    ids = [record.header("ce_id") for record in broker.records(events_topic("intake", topic_prefix))]
    assert ids == [event.id for event in emitted] + [event.id for event in emitted[2:5]]
    with pytest.raises(ValueError):
        await replay_outbox(db.sessions, db.tables.outbox, since=until, until=since)


async def test_only_one_relay_per_service_publishes(db: ProbeDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: an advisory lock. SQLite: a lock file beside the database (the workers of one service share
    the file); the standby takes over when the relay stops."""
    monkeypatch.setattr(relay_module, "_LEASE_RETRY_SECONDS", 0.05)
    bus = InMemoryBus()
    first, second = _relay(db, bus), _relay(db, bus)
    stopping, first_stopping = asyncio.Event(), asyncio.Event()
    tasks = [asyncio.create_task(first.run(first_stopping)), asyncio.create_task(second.run(stopping))]
    try:
        await eventually(lambda: _states_are({first.state, second.state}, {"publishing", "standby"}),
                         what="one relay publishing and one standing by")
        leader = first if first.state == "publishing" else second
        if leader is first:
            first_stopping.set()
            await tasks[0]
            await eventually(lambda: _states_are({second.state}, {"publishing"}), what="the standby to take over")
    finally:
        stopping.set()
        first_stopping.set()
        await asyncio.gather(*tasks)


async def _states_are(actual: set[str], expected: set[str]) -> bool:
    return actual == expected


async def test_the_relay_takes_its_lease_again_after_the_database_cut_its_connections(
        db: ProbeDatabase, db_kind: str, topic_prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if db_kind != "postgres":
        pytest.skip("the lease is a PostgreSQL session lock")
    monkeypatch.setattr(relay_module, "_LEASE_RETRY_SECONDS", 0.05)
    broker = InMemoryBroker()
    relay = _relay(db, InMemoryBus(broker))
    stopping = asyncio.Event()
    task = asyncio.create_task(relay.run(stopping))
    try:
        await _emit(db, topic_prefix, registered("L-BEFORE"))
        await eventually(lambda: _pending_is(db, 0), what="the first event to be published")
        async with db.engine.connect() as connection:  # what a database restart does to every session
            await connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        await db.engine.dispose()  # the pool's idle connections are gone too; the relay's lease connection is not
        await _emit(db, topic_prefix, registered("L-AFTER"))
        await eventually(lambda: _pending_is(db, 0), what="the relay to publish again on a new lease", timeout=10)
        assert not task.done(), f"the relay stopped: {task.exception()!r}"
    finally:
        stopping.set()
        await task
    # Two debts, two keys: they may land in different partitions, and the topic has no order across those.
    assert sorted(json.loads(record.value)["data"]["loan_id"] for record in broker.records(
        events_topic("intake", topic_prefix))) == ["L-AFTER", "L-BEFORE"], "each event exactly once"
