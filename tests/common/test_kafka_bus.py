"""Kafka-specific guarantees: a refused record stops the batch, and events too large for Kafka never commit."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import kafka_options
from debtflow.common.clock import utcnow
from debtflow.common.db.uow import EventTooLarge
from debtflow.common.embedded import EmbeddedBroker
from debtflow.common.events import DebtClassified
from debtflow.common.messaging.bus import OutgoingRecord
from debtflow.common.messaging.kafka import KafkaBus
from support.messaging import probe_database, read_topic


async def test_nothing_after_a_refused_record_is_sent(broker: EmbeddedBroker, topic_prefix: str) -> None:
    bus = KafkaBus(kafka_options(broker), partitions=1)
    topic = f"{topic_prefix}refusal"
    try:
        results = await bus.publish([
            OutgoingRecord(topic, b"k", b"first"),
            OutgoingRecord(topic, b"k", b"x" * 2_000_000),  # over the producer's 1 MiB request limit
            OutgoingRecord(topic, b"k", b"after"),
        ])
        assert results[0] is None
        assert results[1] is not None and results[2] is not None
        [only] = await read_topic(bus, topic, 1)
        assert only.value == b"first"
        # The broker is fine: the bus recovers for the next publish.
        assert await bus.publish([OutgoingRecord(topic, b"k", b"later")]) == [None]
    finally:
        await bus.stop()


async def test_an_event_too_large_to_publish_fails_its_transaction(tmp_path: Path) -> None:
    async with probe_database(f"sqlite+aiosqlite:///{tmp_path / 'big.db'}") as db:
        oversized = DebtClassified(
            debt_id=uuid.uuid4(), borrower_id="B1", as_of_date=date(2026, 3, 1), days_past_due=40, dpd_bucket="M2",
            five_tier_class="special_mention", exposure=Decimal("10.00"), currency="CNY", ruleset_version="v",
            reason_codes=tuple("x" * 1000 for _ in range(300)), classified_at=utcnow(),
        )
        factory = db.uow_factory()
        factory.service = "classification"
        with pytest.raises(EventTooLarge):
            async with factory() as uow:
                await db.record_effect(uow.session, "e", "domain row")
                uow.emit(oversized)
        assert await db.count(db.tables.outbox) == 0
        assert await db.count(db.effects) == 0
