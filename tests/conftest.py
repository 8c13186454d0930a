"""Shared fixtures: backend matrices (SQLite/PostgreSQL, in-memory/Kafka bus) and the embedded broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from debtflow.common.embedded import EmbeddedBroker
from debtflow.common.messaging.bus import Bus
from debtflow.common.messaging.kafka import KafkaBus, KafkaOptions
from debtflow.common.messaging.memory import InMemoryBroker, InMemoryBus
from support import POSTGRES_URL, fresh_database

#: Consumer-group timings that make Tansu rebalances take ~3 s instead of ~5 s.
FAST_GROUP_TIMINGS = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 300, "rebalance_timeout_ms": 1000}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec else {}
        if any(name.endswith("db_kind") and value == "postgres" for name, value in params.items()):
            item.add_marker(pytest.mark.postgres)
        if params.get("bus_kind") == "kafka":
            item.add_marker(pytest.mark.kafka)


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    """One Tansu broker for the whole session; tests isolate themselves with a topic prefix."""
    embedded = EmbeddedBroker().start()
    yield embedded
    embedded.stop()


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture(params=["sqlite", "postgres"])
def db_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not POSTGRES_URL:
        pytest.skip("DEBTFLOW_TEST_POSTGRES_URL is not set")
    return str(request.param)


@pytest.fixture
async def database_url(db_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(db_kind, tmp_path) as url:
        yield url


@pytest.fixture(params=["memory", "kafka"])
def bus_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["one-event", "set-based"])
def handler_kind(request: pytest.FixtureRequest) -> str:
    """The two kinds of event handler the consumer takes; its contract tests hold for both."""
    return str(request.param)


def kafka_options(broker: EmbeddedBroker, client_id: str = "debtflow-test") -> KafkaOptions:
    return KafkaOptions(bootstrap_servers=broker.bootstrap_servers, client_id=client_id, request_timeout_ms=5000,
                        **FAST_GROUP_TIMINGS)


@pytest.fixture
async def bus(bus_kind: str, request: pytest.FixtureRequest) -> AsyncIterator[Bus]:
    if bus_kind == "memory":
        backend: Bus = InMemoryBus(InMemoryBroker(partitions=4))
    else:
        backend = KafkaBus(kafka_options(request.getfixturevalue("broker")), partitions=4)
    await backend.start()
    yield backend
    await backend.stop()
