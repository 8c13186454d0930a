"""Messaging: the bus interface and its Kafka and in-memory backends, the outbox relay and the event consumer."""

from debtflow.common.messaging.bus import (
    Bus,
    BusConsumer,
    BusUnavailable,
    CommitRejected,
    OutgoingRecord,
    ReceivedRecord,
)
from debtflow.common.messaging.memory import InMemoryBroker, InMemoryBus

__all__ = [
    "Bus",
    "BusConsumer",
    "BusUnavailable",
    "CommitRejected",
    "InMemoryBroker",
    "InMemoryBus",
    "OutgoingRecord",
    "ReceivedRecord",
]
