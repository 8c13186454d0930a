"""Fault injection on the running stack: load, kill -9, paused broker, restarted PostgreSQL, and counting effects."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from debtflow.common.embedded import EmbeddedBroker, free_port
from debtflow.common.services import service_names
from support import token
from support.stack import CONSUMES, ServiceProcess, Stack, metric_value, service_environment, wait_until_ready

LENDER = token("lender", subject="lending-core-a")
REGISTERED = "debtflow.debt.registered.v1"
CLASSIFIED = "debtflow.debt.classified.v1"
STRATEGY = "debtflow.collection.strategy_assigned.v1"
CASE_OPENED = "debtflow.legal.case_opened.v1"
#: The chain a default sets off, which the scenarios count. What collections' dispatcher does with the planned
#: steps meanwhile (action_taken, cost_incurred, agency placements) runs on its own clock and is not counted.
CHAIN = frozenset({REGISTERED, CLASSIFIED, STRATEGY, CASE_OPENED})

#: Days past due of the generated defaults, in turn; from 300 days a debt is doubtful or loss and goes to legal.
DAYS_PAST_DUE = (10, 45, 100, 181, 300, 400)
LEGAL_FROM_DAYS = 300
#: A lending core retries a failed batch for this long: the faults here last seconds.
POST_RETRY_SECONDS = 90.0


def some_defaults(prefix: str, count: int) -> list[dict[str, Any]]:
    """`count` defaults of loans `LN-<prefix>-0000`...; borrowers hold several loans each."""
    as_of = datetime.now(UTC).date()
    return [{
        "loan_id": f"LN-{prefix}-{number:04d}", "borrower_id": f"BR-{prefix}-{number % 40:02d}", "currency": "EUR",
        "principal_outstanding": f"{1000 + number}.00", "interest_outstanding": "12.50", "fees_outstanding": "0.00",
        "first_unpaid_due_date": (as_of - timedelta(days=DAYS_PAST_DUE[number % len(DAYS_PAST_DUE)])).isoformat(),
        "as_of_date": as_of.isoformat(),
    } for number in range(count)]


# -- load -------------------------------------------------------------------------------------------


@dataclass
class Feed:
    """Posts defaults to intake's batch endpoint, a chunk at a time, retrying each chunk through outages as a
    lending core would (a batch posted again is `unchanged`, never a second debt)."""

    stack: Stack
    defaults: list[dict[str, Any]]
    chunk: int = 20
    debt_ids: list[str] = field(default_factory=list)
    retries: int = 0
    _task: asyncio.Task[None] | None = None

    def start(self) -> Feed:
        self._task = asyncio.create_task(self._run(), name="feed")
        return self

    async def _run(self) -> None:
        for start in range(0, len(self.defaults), self.chunk):
            self.debt_ids += await self._post(self.defaults[start:start + self.chunk])

    async def _post(self, items: list[dict[str, Any]]) -> list[str]:
        deadline = time.monotonic() + POST_RETRY_SECONDS
        while True:
            try:
                reply = await self.stack.post("intake", "/v1/defaults:batch", headers=LENDER, body=items)
                if reply.status_code == 200:
                    results = reply.json()["results"]
                    assert all(result["outcome"] in ("created", "unchanged") for result in results), results
                    return [result["id"] for result in results]
                assert reply.status_code >= 500, f"the batch was refused: {reply.status_code} {reply.text[:500]}"
                last = f"{reply.status_code} {reply.text[:200]}"
            except httpx.HTTPError as error:
                last = repr(error)
            if time.monotonic() > deadline:
                raise AssertionError(f"intake did not take a batch within {POST_RETRY_SECONDS:g}s: {last}")
            self.retries += 1
            await asyncio.sleep(0.3)

    async def reached(self, count: int) -> None:
        """Wait until `count` defaults were accepted (the moment to inject a fault)."""
        assert self._task is not None
        while len(self.debt_ids) < count and not self._task.done():
            await asyncio.sleep(0.05)
        if self._task.done():
            self._task.result()

    async def finished(self) -> list[str]:
        assert self._task is not None
        await self._task
        return self.debt_ids


# -- faults -----------------------------------------------------------------------------------------


async def work_done(stack: Stack, service: ServiceProcess) -> float:
    """How much the process has done since it started: events handled (or, for intake, published)."""
    reply = await stack.client.get(f"{service.url}/metrics")
    assert reply.status_code == 200, f"{service.name} /metrics answered {reply.status_code}"
    samples = {(sample.name, frozenset(sample.labels.items())): sample.value
               for family in text_string_to_metric_families(reply.text) for sample in family.samples}
    if service.name in CONSUMES:
        return metric_value(samples, "debtflow_events_consumed_total", outcome="handled")
    return metric_value(samples, "debtflow_outbox_published_total")


async def busy(stack: Stack, service: ServiceProcess, *, beyond: float, timeout: float = 30.0) -> None:
    """Wait until the process is in the middle of the work: more than `beyond` done (see `work_done`)."""
    deadline = time.monotonic() + timeout
    while await work_done(stack, service) <= beyond:
        assert time.monotonic() < deadline, f"{service.name} did nothing within {timeout:g}s"
        await asyncio.sleep(0.05)


def kill(service: ServiceProcess) -> None:
    """SIGKILL: no shutdown, no offset commit, no flush; whatever was in flight is lost with the process."""
    assert service.process is not None and service.process.poll() is None, f"{service.name} is not running"
    service.process.send_signal(signal.SIGKILL)
    service.process.wait()


def _directory_of(stack: Stack) -> Path:
    return next(iter(stack.services.values())).log_path.parent.parent


def _environment(stack: Stack, service: ServiceProcess) -> dict[str, str]:
    return service_environment(service.name, database_url=service.database_url, port=service.port,
                               broker=stack.broker, topic_prefix=stack.topic_prefix)


async def start_again(stack: Stack, service: ServiceProcess) -> None:
    """Start the service as a supervisor would after it died (same port, database and group), and wait for it."""
    await service.stop()  # closes the log file of the dead process
    service.start(_environment(stack, service), cwd=_directory_of(stack))
    await wait_until_ready(stack.client, service)


@asynccontextmanager
async def replica(stack: Stack, name: str) -> AsyncIterator[ServiceProcess]:
    """A second process of `name`: its own port, the same database and consumer group."""
    original = stack.services[name]
    taken = {service.port for service in stack.services.values()}
    port = free_port()
    while port in taken:
        port = free_port()
    second = ServiceProcess(name=name, port=port, log_path=original.log_path.with_name(f"{name}-replica.log"),
                            database_url=original.database_url)
    try:
        second.start(_environment(stack, second), cwd=_directory_of(stack))
        await wait_until_ready(stack.client, second)
        yield second
    finally:
        await second.stop()


@asynccontextmanager
async def frozen(process: subprocess.Popen[bytes] | None, what: str) -> AsyncIterator[None]:
    """SIGSTOP the process (it stops answering but keeps its connections and memory) until the block ends."""
    assert process is not None and process.poll() is None, f"{what} is not running"
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


def broker_paused(broker: EmbeddedBroker) -> AbstractAsyncContextManager[None]:
    return frozen(broker._process, "the broker")  # the embedded broker keeps its process to itself; a test may freeze it


async def broker_killed_and_restarted(broker: EmbeddedBroker, *, down_seconds: float = 1.0) -> None:
    """kill -9 the broker, and after `down_seconds` start a new one on the same port: empty, with a new cluster id,
    as the launcher's supervisor restarts the embedded broker."""
    process = broker.process
    assert process is not None and process.poll() is None, "the broker is not running"
    process.kill()
    await asyncio.to_thread(process.wait)
    await asyncio.sleep(down_seconds)
    await asyncio.to_thread(broker.start)


def _cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, *(
        ["-m", "fast"] if action == "stop" else [])], check=True, capture_output=True, timeout=60)


def _postgres_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0


def _wait_for_postgres(timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not _postgres_ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not come back within {timeout:g}s")
        time.sleep(0.2)


def local_cluster_unavailable(postgres_url: str) -> str | None:
    """Why `postgres_down` cannot stop the tests' PostgreSQL (None if it can): it drives the local cluster."""
    url = make_url(postgres_url)
    if url.host not in ("127.0.0.1", "localhost") or (url.port or 5432) != 5432:
        return f"the tests' PostgreSQL is {url.host}:{url.port}, not the local cluster on 127.0.0.1:5432"
    if not os.path.isdir("/etc/postgresql") or shutil.which("pg_ctlcluster") is None:
        return "no local PostgreSQL cluster to stop (pg_ctlcluster, /etc/postgresql)"
    return None


@asynccontextmanager
async def postgres_down() -> AsyncIterator[None]:
    """Stop the PostgreSQL cluster (fast: every connection is cut) and, whatever happens, start it again after."""
    try:
        await asyncio.to_thread(_cluster, "stop")
        yield
    finally:
        if not await asyncio.to_thread(_postgres_ready):
            await asyncio.to_thread(_cluster, "start")
        await asyncio.to_thread(_wait_for_postgres)


# -- what the databases hold ------------------------------------------------------------------------


async def query(database_url: str, sql: str, *arguments: Any) -> list[asyncpg.Record]:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetch(sql, *arguments)
    finally:
        await connection.close()


async def unconsumed(stack: Stack) -> str | None:
    """Why the stack is not at rest, judged from the databases (metrics restart with a killed process): None once
    no outbox holds an unpublished row and every consumer's inbox holds every outbox event of a type it consumes.

    Inboxes are read before outboxes: an event handled in between has its own emitted events in an outbox already
    (same transaction), and they are checked against the inboxes read earlier, so nothing can slip through."""
    databases = {name: service.database_url for name, service in stack.services.items()}
    inboxes = {name: {row["event_id"] for row in await query(databases[name], "SELECT event_id FROM inbox")}
               for name in CONSUMES}
    events: dict[str, set[str]] = {}
    for name in service_names():
        pending = await query(databases[name], "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
        if pending[0]["n"]:
            return f"{name}'s outbox holds {pending[0]['n']} unpublished events"
        for row in await query(databases[name], "SELECT event_id, event_type FROM outbox"):
            events.setdefault(row["event_type"], set()).add(row["event_id"])
    for name, event_types in CONSUMES.items():
        missing = {event_type: len(events.get(event_type, set()) - inboxes[name]) for event_type in event_types}
        missing = {event_type: count for event_type, count in missing.items() if count}
        if missing:
            return f"{name} has yet to handle {missing}"
    return None


async def wait_at_rest(stack: Stack, timeout: float) -> float:
    """Wait until `unconsumed` finds nothing; returns the seconds it took."""
    started = time.monotonic()
    while (reason := await unconsumed(stack)) is not None:
        if time.monotonic() - started > timeout:
            raise AssertionError(f"the stack was not at rest within {timeout:g}s: {reason}")
        await asyncio.sleep(0.3)
    return time.monotonic() - started


def expected_effects(defaults: list[dict[str, Any]], debt_ids: list[str]) -> Counter[tuple[str, ...]]:
    """Every effect each debt must have, once: events in the producers' outboxes and rows in each service."""
    expected: Counter[tuple[str, ...]] = Counter()
    today = datetime.now(UTC).date()
    for default, debt_id in zip(defaults, debt_ids, strict=True):
        legal = (today - datetime.fromisoformat(default["first_unpaid_due_date"]).date()).days >= LEGAL_FROM_DAYS
        events = [("intake", REGISTERED), ("classification", CLASSIFIED), ("collections", STRATEGY)]
        events += [("legal", CASE_OPENED)] if legal else []
        for producer, event_type in events:
            expected[("outbox", producer, event_type, debt_id)] += 1
            expected[("crm timeline", event_type, debt_id)] += 1
        for table in ("classifications", "classification_history", "collection_cases", "portfolio_debts",
                      *(["legal_cases"] if legal else [])):
            expected[(table, debt_id)] += 1
    return expected


#: Rows per debt in each consuming service's tables: (service, table, key column, extra grouping).
_ROWS_PER_DEBT = [
    ("classification", "classifications", "debt_id"), ("classification", "classification_history", "debt_id"),
    ("collections", "collection_cases", "debt_id"), ("credit", "portfolio_debts", "debt_id"),
    ("legal", "legal_cases", "debt_id"),
]


async def actual_effects(stack: Stack, debt_ids: list[str]) -> Counter[tuple[str, ...]]:
    """What the databases hold for these debts, counted the way `expected_effects` states it."""
    databases = {name: service.database_url for name, service in stack.services.items()}
    actual: Counter[tuple[str, ...]] = Counter()
    for name in service_names():
        for row in await query(databases[name], "SELECT message_key, event_type, count(*) AS n FROM outbox "
                               "WHERE message_key = ANY($1::text[]) AND event_type = ANY($2::text[]) GROUP BY 1, 2",
                               debt_ids, sorted(CHAIN)):
            actual[("outbox", name, row["event_type"], row["message_key"])] += row["n"]
    for name, table, column in _ROWS_PER_DEBT:
        for row in await query(databases[name], f"SELECT {column}::text AS debt, count(*) AS n FROM {table} "
                               f"WHERE {column}::text = ANY($1::text[]) GROUP BY 1", debt_ids):
            actual[(table, row["debt"])] += row["n"]
    for row in await query(databases["crm"], "SELECT debt_id::text AS debt, event_type, count(*) AS n "
                           "FROM timeline_entries WHERE debt_id::text = ANY($1::text[]) "
                           "AND event_type = ANY($2::text[]) GROUP BY 1, 2", debt_ids, sorted(CHAIN)):
        actual[("crm timeline", row["event_type"], row["debt"])] += row["n"]
    return actual


# -- the figures ------------------------------------------------------------------------------------


async def duplicates_skipped(stack: Stack) -> dict[str, float]:
    """Deliveries each consumer's inbox recognised as repeats, since its process started."""
    return {name: metric_value(await stack.metrics(name), "debtflow_events_consumed_total", outcome="duplicate")
            for name in CONSUMES}


@dataclass
class Figures:
    """One scenario's result, as quoted in the README's "Delivery guarantees"."""

    scenario: str
    posted: int
    events: int
    lost: int
    duplicated: int
    off_the_bus: int
    bus_redeliveries: int
    inbox_skipped: int
    settle_seconds: float
    at_rest: bool = True
    extra: str = ""

    def line(self) -> str:
        return (f"FAULT {self.scenario}: {self.posted} defaults posted, {self.events} events, lost {self.lost}, "
                f"duplicated effects {self.duplicated}, events missing from the topics {self.off_the_bus}, "
                f"records on the bus twice {self.bus_redeliveries}, "
                f"repeats skipped by inboxes {self.inbox_skipped}, "
                f"{'at rest' if self.at_rest else 'NOT at rest'} {self.settle_seconds:.1f}s after the fault"
                f"{'; ' + self.extra if self.extra else ''}")


async def bus_view(stack: Stack, debt_ids: list[str]) -> tuple[int, int, dict[str, int]]:
    """(records about these debts on the event topics, of which repeats of an id already seen, dead letters)."""
    wanted = set(debt_ids)
    topics = await stack.read_topics([*stack.event_topics, *stack.dead_letter_topics])
    ids: Counter[str] = Counter()
    for topic in stack.event_topics:
        for record in topics[topic]:
            if record.key is not None and record.key.decode() in wanted:
                event = json.loads(record.value)
                if event["type"] in CHAIN:
                    ids[event["id"]] += 1
    dead = {topic: len(topics[topic]) for topic in stack.dead_letter_topics if topics[topic]}
    return sum(ids.values()), sum(count - 1 for count in ids.values()), dead


async def assert_every_effect_once(stack: Stack, scenario: str, defaults: list[dict[str, Any]], debt_ids: list[str],
                                   *, settle_seconds: float, inbox_skipped: float, at_rest: bool = True,
                                   extra: str = "") -> Figures:
    """The checks every fault scenario ends with; returns (and prints) its figures."""
    assert len(debt_ids) == len(set(debt_ids)) == len(defaults), "intake registered a default twice"
    expected = expected_effects(defaults, debt_ids)
    actual = await actual_effects(stack, debt_ids)
    lost = sum((expected - actual).values())
    duplicated = sum((actual - expected).values())
    records, repeats, dead_letters = await bus_view(stack, debt_ids)
    events = sum(count for key, count in expected.items() if key[0] == "outbox")
    figures = Figures(scenario, len(defaults), events, lost, duplicated, events - (records - repeats), repeats,
                      int(inbox_skipped), settle_seconds, at_rest, extra)
    print(f"\n{figures.line()}")
    assert dead_letters == {}, f"events were dead-lettered: {dead_letters}"
    assert (lost, duplicated, events - (records - repeats)) == (0, 0, 0), (
        f"{figures.line()}\nmissing: {sorted(expected - actual)[:10]}\nextra: {sorted(actual - expected)[:10]}")
    for service in stack.services.values():
        reply = await stack.client.get(f"{service.url}/readyz")
        assert reply.status_code == 200, f"{service.name} is not ready after the fault: {reply.text}"
    return figures
