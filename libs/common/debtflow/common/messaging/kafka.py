"""Kafka bus over aiokafka: `acks=all` publishing, manual offset commits, topic creation."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.protocol.metadata import MetadataRequest

from debtflow.common.logging import get_logger
from debtflow.common.messaging.bus import (
    Bus,
    BusConsumer,
    BusUnavailable,
    CommitRejected,
    OutgoingRecord,
    ReceivedRecord,
)

log = get_logger(__name__)
_TOPIC_ALREADY_EXISTS = 36


@dataclass(frozen=True)
class KafkaOptions:
    """Connection and tuning options shared by producer, consumers and admin client."""

    bootstrap_servers: str
    client_id: str = "debtflow"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    request_timeout_ms: int = 15000
    session_timeout_ms: int = 10000
    heartbeat_interval_ms: int = 1000
    rebalance_timeout_ms: int = 5000

    def connection(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "client_id": self.client_id,
            "security_protocol": self.security_protocol,
            "request_timeout_ms": self.request_timeout_ms,
        }
        if self.sasl_mechanism:
            options |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password,
            }
        return options


class KafkaBus(Bus):
    """Kafka backend. The producer starts lazily so a service can start while the broker is down."""

    def __init__(self, options: KafkaOptions, *, partitions: int = 4) -> None:
        self.options = options
        self.partitions = partitions
        self._producer: AIOKafkaProducer | None = None
        self._probe: AIOKafkaClient | None = None
        self._known_topics: set[str] = set()
        self._lock = asyncio.Lock()
        self._probe_lock = asyncio.Lock()
        self._cluster_seen = ""

    async def start(self) -> None:
        return None  # connections open on first use; see _ensure_producer

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()
        probe, self._probe = self._probe, None
        if probe is not None:
            await probe.close()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                # No idempotence: Tansu cannot run the idempotent producer; the inbox de-duplicates instead.
                producer = AIOKafkaProducer(
                    **self.options.connection(), acks="all", enable_idempotence=False, linger_ms=2
                )
                try:
                    await producer.start()
                except (KafkaError, OSError) as error:
                    await producer.stop()
                    raise BusUnavailable(f"cannot connect to Kafka: {error!r}") from error
                self._producer = producer
            return self._producer

    async def _reset_producer(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
            self._known_topics.clear()  # a restarted broker may have lost its topics
        if producer is not None:
            await producer.stop()

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        missing = [topic for topic in dict.fromkeys(topics) if topic not in self._known_topics]
        if not missing:
            return
        admin = AIOKafkaAdminClient(**self.options.connection())
        try:
            await admin.start()
            response = await admin.create_topics(
                [NewTopic(topic, num_partitions=self.partitions, replication_factor=1) for topic in missing]
            )
        except (KafkaError, OSError) as error:
            raise BusUnavailable(f"cannot create topics: {error!r}") from error
        finally:
            await admin.close()
        for topic, error_code, *_ in response.topic_errors:
            if error_code not in (0, _TOPIC_ALREADY_EXISTS):
                raise BusUnavailable(f"creating topic {topic} failed with Kafka error {error_code}")
        self._known_topics.update(missing)

    async def publish(self, records: Sequence[OutgoingRecord]) -> list[BaseException | None]:
        if not records:
            return []
        try:
            await self.ensure_topics([record.topic for record in records])
            producer = await self._ensure_producer()
        except BusUnavailable as error:
            return [error] * len(records)
        deliveries: list[asyncio.Future[Any] | BaseException] = []
        for index, record in enumerate(records):
            try:
                deliveries.append(
                    await producer.send(record.topic, record.value, key=record.key, headers=list(record.headers))
                )
            except (KafkaError, OSError) as error:
                # Queue nothing after a refused record: what follows would overtake it on its partition.
                not_sent = BusUnavailable(f"not sent: an earlier record of the batch failed ({error!r})")
                deliveries += [error, *[not_sent] * (len(records) - index - 1)]
                break
        results: list[BaseException | None] = []
        for delivery in deliveries:
            if isinstance(delivery, BaseException):
                results.append(delivery)
                continue
            try:
                await delivery
                results.append(None)
            except (KafkaError, OSError) as error:
                results.append(error)
        if any(results):
            await self._reset_producer()
        return results

    def consumer(self, *, group_id: str, topics: Sequence[str]) -> BusConsumer:
        return KafkaConsumer(self, group_id=group_id, topics=topics)

    async def check(self) -> None:
        try:
            probe = await self._probe_client()
            await asyncio.wait_for(probe.fetch_all_metadata(), 3)
        except (KafkaError, OSError, TimeoutError) as error:
            await self._drop_probe()
            raise BusUnavailable(f"Kafka unreachable: {error!r}") from error

    async def cluster_id(self) -> str:
        try:
            probe = await self._probe_client()
            node = probe.get_random_node()
            if node is None:
                raise BusUnavailable("Kafka reports no brokers")
            # No topics asked for: the answer is only the brokers and the cluster id, one small round trip.
            response = await asyncio.wait_for(probe.send(node, MetadataRequest([])), 3)
        except (KafkaError, OSError, TimeoutError) as error:
            await self._drop_probe()
            raise BusUnavailable(f"Kafka unreachable: {error!r}") from error
        cluster = str(getattr(response, "cluster_id", None) or "")
        if cluster != self._cluster_seen:
            if self._cluster_seen:
                self._known_topics.clear()  # a new broker has none of the topics we created on the old one
            self._cluster_seen = cluster
        return cluster

    async def _probe_client(self) -> AIOKafkaClient:
        async with self._probe_lock:
            if self._probe is None:
                probe = AIOKafkaClient(**self.options.connection())
                try:
                    await asyncio.wait_for(probe.bootstrap(), 3)
                except BaseException:
                    await probe.close()
                    raise
                self._probe = probe
            return self._probe

    async def _drop_probe(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            await probe.close()


class KafkaConsumer(BusConsumer):
    """A consumer-group member with auto-commit off; positions start at the earliest uncommitted record."""

    def __init__(self, bus: KafkaBus, *, group_id: str, topics: Sequence[str]) -> None:
        self.bus = bus
        self.group_id = group_id
        self.topics = list(topics)
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        options = self.bus.options
        await self.bus.ensure_topics(self.topics)
        # "earliest": Tansu mis-reports end offsets, and a new group must not skip events published before it.
        consumer = AIOKafkaConsumer(
            *self.topics,
            **options.connection(),
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=options.session_timeout_ms,
            heartbeat_interval_ms=options.heartbeat_interval_ms,
            rebalance_timeout_ms=options.rebalance_timeout_ms,
            metadata_max_age_ms=30000,
        )
        try:
            await consumer.start()
        except (KafkaError, OSError) as error:
            await consumer.stop()
            raise BusUnavailable(f"cannot join consumer group {self.group_id}: {error!r}") from error
        self._consumer = consumer

    async def stop(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await consumer.stop()

    async def poll(self, *, timeout: float, max_records: int) -> list[ReceivedRecord]:
        assert self._consumer is not None, "start() the consumer first"
        try:
            batches = await self._consumer.getmany(timeout_ms=int(timeout * 1000), max_records=max_records)
        except (KafkaError, OSError) as error:
            raise BusUnavailable(f"poll failed: {error!r}") from error
        records: list[ReceivedRecord] = []
        for topic_partition in sorted(batches, key=lambda tp: (tp.topic, tp.partition)):
            for message in batches[topic_partition]:
                records.append(
                    ReceivedRecord(
                        topic=message.topic,
                        partition=message.partition,
                        offset=message.offset,
                        key=message.key,
                        value=message.value or b"",
                        headers=tuple((name, value or b"") for name, value in message.headers),
                    )
                )
        return records

    def assigned_partitions(self) -> set[tuple[str, int]]:
        if self._consumer is None:
            return set()
        return {(tp.topic, tp.partition) for tp in self._consumer.assignment()}

    async def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        assert self._consumer is not None, "start() the consumer first"
        try:
            await self._consumer.commit(
                {TopicPartition(topic, partition): offset + 1 for (topic, partition), offset in offsets.items()}
            )
        except (CommitFailedError, IllegalStateError) as error:
            raise CommitRejected(str(error)) from error
        except (KafkaError, OSError) as error:
            raise BusUnavailable(f"commit failed: {error!r}") from error
