"""The event bus interface both backends (Kafka, in-memory) implement with the same semantics."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """A record to publish. Records with the same key land on the same partition, in order."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers = ()


@dataclass(frozen=True, slots=True)
class ReceivedRecord:
    """A record read from a partition; `offset` is its position there."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers = field(default=())

    def header(self, name: str) -> str | None:
        for header_name, header_value in self.headers:
            if header_name == name:
                return header_value.decode(errors="replace")
        return None


class BusUnavailable(ConnectionError):
    """The broker cannot be reached; callers retry with backoff and lose nothing."""


class CommitRejected(RuntimeError):
    """An offset commit was refused because the partition moved to another group member.

    Nothing is lost: the new owner re-reads from the last committed offset (the inbox skips repeats).
    """


class BusConsumer(ABC):
    """One member of a consumer group. Reads its assigned partitions; commits only what it has handled."""

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None:
        """Leave the group without committing anything further."""

    @abstractmethod
    async def poll(self, *, timeout: float, max_records: int) -> list[ReceivedRecord]:
        """Records in partition order; empty after `timeout` seconds if there are none."""

    @abstractmethod
    async def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        """Mark records up to and including these offsets (per topic, partition) as handled."""

    @abstractmethod
    def assigned_partitions(self) -> set[tuple[str, int]]:
        """The (topic, partition) pairs this member currently owns."""


class Bus(ABC):
    """Publish with `acks=all`; consume in groups with at-least-once delivery."""

    partitions: int

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    async def ensure_topics(self, topics: Sequence[str]) -> None:
        """Create topics that do not exist yet (idempotent)."""

    @abstractmethod
    async def publish(self, records: Sequence[OutgoingRecord]) -> list[BaseException | None]:
        """Publish in order; one result per record: None when acknowledged by all replicas, else the error."""

    @abstractmethod
    def consumer(self, *, group_id: str, topics: Sequence[str]) -> BusConsumer: ...

    @abstractmethod
    async def check(self) -> None:
        """Raise BusUnavailable if the broker cannot be reached now (readiness probe)."""

    @abstractmethod
    async def cluster_id(self) -> str:
        """The id of the cluster answering now (BusUnavailable if none answers).

        A different id than before means a different broker: one restarted without its data, or a cluster
        rebuilt. The relay then publishes its retained events again and consumers rejoin from the start."""
