"""The event consumer on both buses: bounded retries then the dead-letter topic, and moving on past poison."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from debtflow.common.db import UnitOfWork
from debtflow.common.events import CloudEvent, DebtRegistered, dead_letter_topic, events_topic
from debtflow.common.messaging.bus import Bus, OutgoingRecord
from debtflow.common.messaging.consumer import EventConsumer
from debtflow.common.metrics import ServiceMetrics
from support import eventually
from support.messaging import ProbeDatabase, of_kind, probe_database, read_topic, record_of, registered


async def _run_consumer(consumer: EventConsumer) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stopping = asyncio.Event()
    return stopping, asyncio.create_task(consumer.run(stopping))


async def test_poison_event_is_dead_lettered_after_bounded_retries_and_the_consumer_moves_on(
    bus: Bus, topic_prefix: str, tmp_path: Path, handler_kind: str
) -> None:
    topic = events_topic("intake", topic_prefix)
    attempts: dict[str, int] = {}

    async with probe_database(f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}") as db:

        async def handler(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
            attempts[event.payload.loan_id] = attempts.get(event.payload.loan_id, 0) + 1
            if event.payload.loan_id == "POISON":
                raise ValueError("this loan cannot be handled")
            await db.record_effect(uow.session, event.id, event.payload.loan_id)

        metrics = ServiceMetrics("probe")
        consumer = EventConsumer(
            bus=bus, uow_factory=db.uow_factory(topic_prefix), handlers={DebtRegistered: of_kind(handler_kind, handler)},
            group_id=f"{topic_prefix}probe", topic_prefix=topic_prefix, max_attempts=3, retry_backoff=0.01,
            metrics=metrics,
        )
        debt = registered("POISON")
        poison = CloudEvent.new(debt, source_service="intake")
        good = CloudEvent.new(registered("GOOD", debt_id=debt.debt_id), source_service="intake")  # same partition
        await bus.ensure_topics([topic])
        assert await bus.publish([record_of(poison, topic), record_of(good, topic)]) == [None, None]

        stopping, task = await _run_consumer(consumer)
        try:
            await eventually(lambda: _effects(db), what="the event after the poison one to be handled", timeout=30)
            [dead] = await read_topic(bus, dead_letter_topic(topic), 1)
        finally:
            stopping.set()
            await task

    # A set-based handler's first try is the whole run's (it stopped at the poison, before the good one): it
    # cannot be pinned on one event, so each event then gets its full count of attempts alone.
    assert attempts == {"POISON": 3 + (handler_kind == "set-based"), "GOOD": 1}
    assert dead.value.decode() == poison.to_json(), "the dead letter carries the original record unchanged"
    assert dead.key == poison.subject.encode()
    assert dead.header("ce_id") == poison.id
    assert dead.header("dlq_attempts") == "3"
    assert dead.header("dlq_error_type") == "ValueError"
    assert "cannot be handled" in (dead.header("dlq_error_message") or "")
    assert dead.header("dlq_original_topic") == topic
    assert dead.header("dlq_consumer_group") == f"{topic_prefix}probe"
    rendered = metrics.render().decode()
    assert 'outcome="dead_lettered"' in rendered and 'outcome="retried"' in rendered


async def _effects(db: ProbeDatabase) -> int:
    return await db.count(db.effects)


async def test_undecodable_record_goes_straight_to_the_dead_letter_topic(
    bus: Bus, topic_prefix: str, tmp_path: Path, handler_kind: str
) -> None:
    topic = events_topic("intake", topic_prefix)
    async with probe_database(f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}") as db:

        async def handler(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
            await db.record_effect(uow.session, event.id, "handled")

        consumer = EventConsumer(
            bus=bus, uow_factory=db.uow_factory(topic_prefix), handlers={DebtRegistered: of_kind(handler_kind, handler)},
            group_id=f"{topic_prefix}probe", topic_prefix=topic_prefix, max_attempts=5, retry_backoff=0.01,
        )
        garbage = OutgoingRecord(topic, b"debt-x", b"{not json", (("ce_type", b"debtflow.debt.registered.v1"),))
        await bus.ensure_topics([topic])
        assert await bus.publish([garbage]) == [None]
        stopping, task = await _run_consumer(consumer)
        try:
            [dead] = await read_topic(bus, dead_letter_topic(topic), 1, timeout=30)
        finally:
            stopping.set()
            await task
        assert await db.count(db.effects) == 0
    assert dead.value == b"{not json"
    assert dead.header("dlq_attempts") == "1"
    assert dead.header("dlq_error_type") == "UndecodableEvent"


async def test_a_handler_that_fails_once_succeeds_on_retry_without_dead_lettering(tmp_path: Path,
                                                                                 handler_kind: str) -> None:
    from debtflow.common.messaging.memory import InMemoryBroker, InMemoryBus

    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    topic = events_topic("intake")
    async with probe_database(f"sqlite+aiosqlite:///{tmp_path / 'consumer.db'}") as db:
        failures = {"left": 1}

        async def flaky(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
            await db.record_effect(uow.session, event.id, "handled")
            if failures["left"]:
                failures["left"] -= 1
                raise RuntimeError("transient glitch")  # the effect above must be rolled back with it

        consumer = EventConsumer(bus=bus, uow_factory=db.uow_factory(), handlers={DebtRegistered: of_kind(handler_kind, flaky)},
                                 group_id="probe", max_attempts=3, retry_backoff=0.01)
        envelope = CloudEvent.new(registered(), source_service="intake")
        await bus.publish([record_of(envelope, topic)])
        [record] = broker.records(topic)
        assert await consumer.process(record) == "handled"
        assert await db.count(db.effects) == 1
        assert broker.records(dead_letter_topic(topic)) == []


async def test_a_failure_inside_a_poll_keeps_the_order_of_one_debts_events(tmp_path: Path, handler_kind: str) -> None:
    """Records before the failing one commit together; it and those after go one at a time, in order."""
    from debtflow.common.messaging.memory import InMemoryBroker, InMemoryBus

    broker = InMemoryBroker()
    bus = InMemoryBus(broker)
    topic = events_topic("intake")
    async with probe_database(f"sqlite+aiosqlite:///{tmp_path / 'order.db'}") as db:
        async def handler(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
            if event.payload.loan_id == "POISON":
                raise ValueError("cannot handle this one")
            await db.record_effect(uow.session, event.id, event.payload.loan_id)

        consumer = EventConsumer(bus=bus, uow_factory=db.uow_factory(),
                                 handlers={DebtRegistered: of_kind(handler_kind, handler)},
                                 group_id="probe", max_attempts=2, retry_backoff=0.01)
        debt = registered("FIRST")
        loans = ["FIRST", "SECOND", "POISON", "THIRD", "FOURTH"]
        envelopes = [CloudEvent.new(registered(loan, debt_id=debt.debt_id), source_service="intake") for loan in loans]
        await bus.publish([record_of(envelope, topic) for envelope in envelopes])
        records = broker.records(topic)
        done = await consumer.process_batch(records)
        assert [record.offset for record in done] == [record.offset for record in records]
        async with db.sessions() as session:
            applied = list(await session.scalars(select(db.effects.c.note).order_by(db.effects.c.id)))
        assert applied == ["FIRST", "SECOND", "THIRD", "FOURTH"]  # what stands, in order (retried work rolled back)
        assert await db.count(db.tables.inbox) == 4
        [dead] = broker.records(dead_letter_topic(topic))
        assert dead.header("dlq_attempts") == "2"
        assert await consumer.process_batch(records) == records  # a redelivery of the whole poll changes nothing
        assert await db.count(db.effects) == 4
