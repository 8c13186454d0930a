"""End-to-end harness: the six services as uvicorn processes on PostgreSQL and the embedded broker."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from debtflow.common.embedded import EmbeddedBroker, free_port
from debtflow.common.events import (
    DebtClassified,
    DebtEscalatedToLegal,
    DebtRegistered,
    LegalCaseOpened,
    StrategyAssigned,
    dead_letter_topic,
    events_topic,
)
from debtflow.common.launcher import start_service
from debtflow.common.services import service_names
from support import eventually, fresh_database, token

READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 20.0
SETTLE_TIMEOUT_SECONDS = 30.0
LOG_TAIL_LINES = 40

#: The event types each consuming service handles: the README's flowchart, which the test holds the stack to.
CONSUMES: dict[str, frozenset[str]] = {
    "classification": frozenset({DebtRegistered.event_type, DebtEscalatedToLegal.event_type,
                                 LegalCaseOpened.event_type}),
    "collections": frozenset({DebtClassified.event_type}),
    "legal": frozenset({DebtClassified.event_type, DebtEscalatedToLegal.event_type}),
    "credit": frozenset({DebtRegistered.event_type, DebtClassified.event_type}),
    "crm": frozenset(model.event_type for model in (
        DebtRegistered, DebtClassified, StrategyAssigned, DebtEscalatedToLegal, LegalCaseOpened,
    )),
}

#: Consumer-group timings that make Tansu rebalances take ~3 s instead of ~5 s (as conftest.FAST_GROUP_TIMINGS).
#: Classification re-ages only when a test asks, so "today" does not move under the scenarios.
FIXED_DAY_ENVIRONMENT = {"DEBTFLOW_CLASSIFICATION_REAGE_AUTOMATICALLY": "false"}

FAST_GROUP_ENVIRONMENT = {
    "DEBTFLOW_KAFKA_SESSION_TIMEOUT_MS": "6000",
    "DEBTFLOW_KAFKA_HEARTBEAT_INTERVAL_MS": "300",
    "DEBTFLOW_KAFKA_REBALANCE_TIMEOUT_MS": "1000",
}


@dataclass
class ServiceProcess:
    """One service as its own process (uvicorn inside), its output going to a log file."""

    name: str
    port: int
    log_path: Path
    database_url: str = ""
    process: subprocess.Popen[bytes] | None = None
    _log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, environment: dict[str, str], cwd: Path) -> None:
        """Start it exactly as `debtflow run` does; the port comes with the environment."""
        self._log_file = open(self.log_path, "ab")
        self.process = start_service(self.name, self._log_file, env=environment, cwd=cwd)

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    async def stop(self) -> None:
        """SIGTERM, wait for a graceful shutdown, kill after a timeout."""
        process = self.process
        try:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                deadline = asyncio.get_running_loop().time() + STOP_TIMEOUT_SECONDS
                while process.poll() is None and asyncio.get_running_loop().time() < deadline:
                    await asyncio.sleep(0.1)
                if process.poll() is None:
                    process.kill()
                    await asyncio.to_thread(process.wait)
        finally:
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of the log, leaving out the tests' own polling (successful or 4xx GETs)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log file)"
        tail = [line[:600] for line in text.splitlines() if not _is_polling(line)][-lines:]
        return "\n".join(tail) or "(empty log)"


def _is_polling(line: str) -> bool:
    try:
        entry = json.loads(line)
    except ValueError:
        return False
    return (isinstance(entry, dict) and entry.get("event") == "http request" and entry.get("method") == "GET"
            and isinstance(entry.get("status"), int) and entry["status"] < 500)


def service_environment(service: str, *, database_url: str, port: int, broker: EmbeddedBroker,
                        topic_prefix: str) -> dict[str, str]:
    """The process environment: inherited, minus any DEBTFLOW_* setting of the developer's shell."""
    environment = {
        name: value for name, value in os.environ.items()
        if not name.startswith("DEBTFLOW_") or name.startswith("DEBTFLOW_TEST_")
    }
    upper = service.upper()
    environment.update({
        f"DEBTFLOW_{upper}_DATABASE_URL": database_url,
        "DEBTFLOW_HOST": "127.0.0.1",
        f"DEBTFLOW_{upper}_PORT": str(port),
        # Groups named after the prefix too: stacks sharing the session's broker never share a group.
        f"DEBTFLOW_{upper}_CONSUMER_GROUP": f"{topic_prefix}debtflow.{service}",
        "DEBTFLOW_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "DEBTFLOW_TOPIC_PREFIX": topic_prefix,
        "DEBTFLOW_RELAY_POLL_INTERVAL_SECONDS": "0.1",
        "DEBTFLOW_LOG_FORMAT": "json",
        "DEBTFLOW_LOG_LEVEL": "INFO",
        **FAST_GROUP_ENVIRONMENT,
        **FIXED_DAY_ENVIRONMENT,
    })
    return environment


def header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
    for header_name, value in record.headers:
        if header_name == name:
            return value.decode(errors="replace") if value is not None else None
    return None


def metric_value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    """Sum of the samples called `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(value for (sample, sample_labels), value in samples.items()
               if sample == name and wanted <= set(sample_labels))


@dataclass(repr=False)
class Stack:
    """The running stack, with an HTTP client and the views a test needs: topics, metrics, settling."""

    broker: EmbeddedBroker
    topic_prefix: str
    services: dict[str, ServiceProcess]
    client: httpx.AsyncClient
    staff: dict[str, str] = field(default_factory=lambda: token("supervisor", subject="e2e-supervisor"))
    admin: dict[str, str] = field(default_factory=lambda: token("admin", subject="e2e-operator"))

    def __repr__(self) -> str:
        urls = ", ".join(f"{name}={service.url}" for name, service in self.services.items())
        return f"Stack(topic_prefix={self.topic_prefix!r}, broker={self.broker.bootstrap_servers}, {urls})"

    def url(self, service: str, path: str) -> str:
        return f"{self.services[service].url}{path}"

    def topic(self, producer: str) -> str:
        return events_topic(producer, self.topic_prefix)

    @property
    def event_topics(self) -> list[str]:
        return [self.topic(service) for service in service_names()]

    @property
    def dead_letter_topics(self) -> list[str]:
        return [dead_letter_topic(topic) for topic in self.event_topics]

    async def post(self, service: str, path: str, *, headers: dict[str, str], body: Any) -> httpx.Response:
        return await self.client.post(self.url(service, path), headers=headers, json=body)

    async def get(self, service: str, path: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.get(self.url(service, path), headers=headers or self.staff)

    async def found(self, service: str, path: str) -> Any:
        """The JSON body when the resource exists (200), else None: a probe for `eventually`."""
        reply = await self.get(service, path)
        if reply.status_code == 200:
            return reply.json()
        assert reply.status_code == 404, f"GET {service} {path}: {reply.status_code} {reply.text}"
        return None

    async def eventually_found(self, service: str, path: str, *, timeout: float = 30.0) -> Any:
        return await eventually(lambda: self.found(service, path), timeout=timeout, interval=0.1,
                                what=f"{service} to answer 200 on {path}")

    def log_tails(self) -> str:
        parts = []
        for name, service in self.services.items():
            state = "running" if service.exit_code is None else f"exited with code {service.exit_code}"
            parts.append(f"----- {name} ({state}), last lines of {service.log_path} -----\n{service.log_tail()}")
        return "\n".join(parts)

    # -- metrics ------------------------------------------------------------------------------------

    async def metrics(self, service: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        reply = await self.client.get(self.url(service, "/metrics"))
        assert reply.status_code == 200, f"{service} /metrics answered {reply.status_code}"
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(reply.text)
            for sample in family.samples
        }

    # -- topics -------------------------------------------------------------------------------------

    async def read_topics(self, topics: Iterable[str]) -> dict[str, list[ConsumerRecord[bytes, bytes]]]:
        """Every record on `topics` from the beginning, with a plain consumer (no group); absent topics are empty."""
        topics = list(topics)
        records: dict[str, list[ConsumerRecord[bytes, bytes]]] = {topic: [] for topic in topics}
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.broker.bootstrap_servers, client_id=f"{self.topic_prefix}e2e-reader",
            group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            existing = await consumer.topics()
            partitions = [
                TopicPartition(topic, partition)
                for topic in topics if topic in existing
                for partition in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            if not partitions:
                return records
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            # Tansu reports end offsets a few records short, so read until the topics stay quiet instead.
            loop = asyncio.get_running_loop()
            deadline, quiet_polls = loop.time() + 15, 0
            while quiet_polls < 2 and loop.time() < deadline:
                batches = await consumer.getmany(*partitions, timeout_ms=400)
                quiet_polls = 0 if any(batches.values()) else quiet_polls + 1
                for partition, messages in batches.items():
                    records[partition.topic].extend(messages)
            return records
        finally:
            await consumer.stop()

    # -- settling -----------------------------------------------------------------------------------

    async def _outboxes(self) -> dict[str, tuple[int, int]]:
        """(pending, published) of every service's outbox, as an operator sees it on /admin/outbox."""
        outboxes = {}
        for service in service_names():
            reply = await self.get(service, "/admin/outbox", headers=self.admin)
            assert reply.status_code == 200, f"{service} /admin/outbox answered {reply.status_code}: {reply.text}"
            body = reply.json()
            outboxes[service] = (body["pending"], body["retained_published"])
        return outboxes

    async def unsettled(self) -> str | None:
        """Why the pipeline is still moving, or None once it rests.

        At rest: no outbox holds anything unpublished, every published event is on its topic, and every
        consumer has handled (exactly once, per its metrics) every event of each type it consumes; checked
        twice around the reads so an event emitted meanwhile is noticed.
        """
        before = await self._outboxes()
        pending = {service: counts[0] for service, counts in before.items() if counts[0]}
        if pending:
            return f"outboxes still hold unpublished events: {pending}"
        topics = await self.read_topics(self.event_topics)
        event_ids: dict[str, set[str]] = defaultdict(set)
        for service in service_names():
            ids = set()
            for record in topics[self.topic(service)]:
                envelope = json.loads(record.value)
                ids.add(envelope["id"])
                event_ids[envelope["type"]].add(envelope["id"])
            if len(ids) < before[service][1]:
                return f"{self.topic(service)} shows {len(ids)} of the {before[service][1]} events {service} published"
        for consumer, event_types in CONSUMES.items():
            samples = await self.metrics(consumer)
            for event_type in sorted(event_types):
                handled = metric_value(samples, "debtflow_events_consumed_total", type=event_type, outcome="handled")
                if handled != len(event_ids[event_type]):
                    return f"{consumer} handled {handled:g} of {len(event_ids[event_type])} {event_type} events"
        after = await self._outboxes()
        if after != before:
            return f"events were emitted while checking: {before} -> {after}"
        return None

    async def wait_settled(self, timeout: float = SETTLE_TIMEOUT_SECONDS) -> None:
        """Wait until every event has gone everywhere it should (see `unsettled`)."""
        last: list[str | None] = [None]

        async def probe() -> bool:
            last[0] = await self.unsettled()
            return last[0] is None

        try:
            await eventually(probe, timeout=timeout, interval=0.2, what="the pipeline to settle")
        except AssertionError as error:
            raise AssertionError(f"{error}; last seen: {last[0]}") from None


async def wait_until_ready(client: httpx.AsyncClient, service: ServiceProcess) -> None:
    """Wait for 200 on /readyz; fail early with its log if the process exits first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT_SECONDS
    last = "no answer yet"
    while True:
        if service.exit_code is not None:
            raise RuntimeError(f"{service.name} exited with code {service.exit_code} before it was ready:\n"
                               f"{service.log_tail()}")
        try:
            reply = await client.get(f"{service.url}/readyz", timeout=5)
            if reply.status_code == 200:
                return
            last = f"{reply.status_code} {reply.text[:500]}"
        except httpx.HTTPError as error:
            last = repr(error)
        if loop.time() > deadline:
            raise RuntimeError(f"{service.name} was not ready within {READY_TIMEOUT_SECONDS:g}s "
                               f"(last /readyz: {last}):\n{service.log_tail()}")
        await asyncio.sleep(0.2)


@asynccontextmanager
async def running_stack(broker: EmbeddedBroker, directory: Path, *, topic_prefix: str) -> AsyncIterator[Stack]:
    """Start the six services (fresh PostgreSQL database each), wait until all are ready; stop them after."""
    log_dir = directory / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    async with AsyncExitStack() as resources:
        client = await resources.enter_async_context(httpx.AsyncClient(timeout=15))
        services: dict[str, ServiceProcess] = {}
        stack = Stack(broker=broker, topic_prefix=topic_prefix, services=services, client=client)

        async def stop_all() -> None:
            await asyncio.gather(*(service.stop() for service in services.values()))

        for name in service_names():
            database_url = await resources.enter_async_context(fresh_database("postgres", directory))
            port = free_port()
            while port in {service.port for service in services.values()}:
                port = free_port()
            services[name] = ServiceProcess(name=name, port=port, log_path=log_dir / f"{name}.log",
                                            database_url=database_url)
            environment = service_environment(name, database_url=database_url, port=port, broker=broker,
                                              topic_prefix=topic_prefix)
            if name == "crm" and "intake" in services:  # crm's data-subject exports read intake over HTTP
                environment["DEBTFLOW_CRM_INTAKE_URL"] = services["intake"].url
            # Registered before the start: a process is stopped before its database is dropped.
            resources.push_async_callback(services[name].stop)
            services[name].start(environment, cwd=directory)
        resources.push_async_callback(stop_all)  # runs first: all six shut down together
        await asyncio.gather(*(wait_until_ready(client, service) for service in services.values()))
        yield stack
