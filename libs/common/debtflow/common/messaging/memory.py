"""In-memory bus with Kafka's semantics: keyed partitions, consumer groups, committed offsets, redelivery."""

from __future__ import annotations

import asyncio
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from debtflow.common.messaging.bus import (
    Bus,
    BusConsumer,
    BusUnavailable,
    CommitRejected,
    OutgoingRecord,
    ReceivedRecord,
)

TopicPartition = tuple[str, int]


@dataclass
class _Group:
    members: list[InMemoryConsumer] = field(default_factory=list)
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    generation: int = 0


class InMemoryBroker:
    """The shared state several InMemoryBus instances (one per service) talk to inside one process."""

    def __init__(self, *, partitions: int = 4) -> None:
        self.default_partitions = partitions
        self.topics: dict[str, list[list[ReceivedRecord]]] = {}
        self.groups: dict[str, _Group] = {}
        self.available = True  # tests flip this to simulate a broker outage
        self.cluster_id = uuid.uuid4().hex
        self._arrival = asyncio.Event()

    def lose_everything(self) -> None:
        """Become a new, empty broker, as an in-memory Kafka restarted: topics, groups and their committed
        offsets are gone, and the cluster id is new. Members keep their read positions, as Kafka clients do."""
        self.topics.clear()
        self.groups.clear()
        self.cluster_id = uuid.uuid4().hex

    def create_topic(self, topic: str, partitions: int | None = None) -> None:
        if topic not in self.topics:
            self.topics[topic] = [[] for _ in range(partitions or self.default_partitions)]
            for group in self.groups.values():
                if any(topic in member.topics for member in group.members):
                    self._rebalance(group)

    def partition_for(self, topic: str, key: bytes) -> int:
        return zlib.crc32(key) % len(self.topics[topic])

    async def append(self, record: OutgoingRecord) -> None:
        if not self.available:
            raise BusUnavailable("in-memory broker is down")
        self.create_topic(record.topic)
        partition = self.partition_for(record.topic, record.key)
        log = self.topics[record.topic][partition]
        log.append(
            ReceivedRecord(record.topic, partition, len(log), record.key, record.value, tuple(record.headers))
        )
        arrival, self._arrival = self._arrival, asyncio.Event()
        arrival.set()

    def arrival_signal(self) -> asyncio.Event:
        """An event set by the next append; take it before reading so no arrival is missed."""
        return self._arrival

    def records(self, topic: str) -> list[ReceivedRecord]:
        """Every record of a topic, partition by partition (test helper)."""
        return [record for log in self.topics.get(topic, []) for record in log]

    # -- consumer groups -------------------------------------------------------------------------

    def join(self, group_id: str, member: InMemoryConsumer) -> None:
        group = self.groups.setdefault(group_id, _Group())
        group.members.append(member)
        self._rebalance(group)

    def leave(self, group_id: str, member: InMemoryConsumer) -> None:
        group = self.groups.get(group_id)
        if group is not None and member in group.members:
            group.members.remove(member)
            self._rebalance(group)

    def _rebalance(self, group: _Group) -> None:
        """Eager rebalance: every member restarts from the committed offsets, so unhandled records return."""
        group.generation += 1
        for member in group.members:
            member.assignment = {}
        for topic in sorted({t for member in group.members for t in member.topics}):
            subscribers = [member for member in group.members if topic in member.topics]
            for partition in range(len(self.topics.get(topic, []))):
                owner = subscribers[partition % len(subscribers)]
                owner.assignment[(topic, partition)] = group.committed.get((topic, partition), 0)
        for member in group.members:
            member.generation = group.generation

    def commit(self, group_id: str, member: InMemoryConsumer, offsets: dict[TopicPartition, int]) -> None:
        group = self.groups.get(group_id)
        if group is None:
            raise BusUnavailable(f"group {group_id} is unknown to this broker")
        if member.generation != group.generation or not set(offsets) <= set(member.assignment):
            raise CommitRejected("partitions were reassigned; the new owner will re-read them")
        for topic_partition, offset in offsets.items():
            group.committed[topic_partition] = max(group.committed.get(topic_partition, 0), offset + 1)


class InMemoryConsumer(BusConsumer):
    def __init__(self, broker: InMemoryBroker, group_id: str, topics: Sequence[str]) -> None:
        self.broker = broker
        self.group_id = group_id
        self.topics = frozenset(topics)
        self.assignment: dict[TopicPartition, int] = {}  # partition -> next offset to read
        self.generation = -1
        self._started = False

    async def start(self) -> None:
        for topic in self.topics:
            self.broker.create_topic(topic)
        self.broker.join(self.group_id, self)
        self._started = True

    async def stop(self) -> None:
        if self._started:
            self._started = False
            self.broker.leave(self.group_id, self)

    async def poll(self, *, timeout: float, max_records: int) -> list[ReceivedRecord]:
        if not self.broker.available:
            await asyncio.sleep(min(timeout, 0.05))
            raise BusUnavailable("in-memory broker is down")
        arrival = self.broker.arrival_signal()
        batch = self._take(max_records)
        if not batch:
            try:
                await asyncio.wait_for(arrival.wait(), timeout)
            except TimeoutError:
                return []
            batch = self._take(max_records)
        return batch

    def _take(self, max_records: int) -> list[ReceivedRecord]:
        batch: list[ReceivedRecord] = []
        for (topic, partition), position in sorted(self.assignment.items()):
            partitions = self.broker.topics.get(topic)
            if partitions is None or partition >= len(partitions):
                continue  # the broker lost the topic: there is nothing to read at our position
            log = partitions[partition]
            taken = log[position : position + max_records - len(batch)]
            batch.extend(taken)
            self.assignment[(topic, partition)] = position + len(taken)
            if len(batch) >= max_records:
                break
        return batch

    def assigned_partitions(self) -> set[TopicPartition]:
        return set(self.assignment)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if not self.broker.available:
            raise BusUnavailable("in-memory broker is down")
        self.broker.commit(self.group_id, self, offsets)


class InMemoryBus(Bus):
    """A bus over an InMemoryBroker; give every service in a process the same broker."""

    def __init__(self, broker: InMemoryBroker | None = None) -> None:
        self.broker = broker or InMemoryBroker()
        self.partitions = self.broker.default_partitions

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        if not self.broker.available:
            raise BusUnavailable("in-memory broker is down")
        for topic in topics:
            self.broker.create_topic(topic)

    async def publish(self, records: Sequence[OutgoingRecord]) -> list[BaseException | None]:
        results: list[BaseException | None] = []
        for record in records:
            try:
                await self.broker.append(record)
                results.append(None)
            except BusUnavailable as error:
                results.append(error)
        return results

    def consumer(self, *, group_id: str, topics: Sequence[str]) -> BusConsumer:
        return InMemoryConsumer(self.broker, group_id, topics)

    async def check(self) -> None:
        if not self.broker.available:
            raise BusUnavailable("in-memory broker is down")

    async def cluster_id(self) -> str:
        await self.check()
        return self.broker.cluster_id
