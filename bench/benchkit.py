"""What the benchmarks share: rates and ratios, clocks, temporary databases, and bare aiokafka ceilings.

The scripts run as `uv run python bench/<name>.py`, so this module is importable as `benchkit`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy.engine import make_url

LINGER_MS = 2  # what KafkaBus configures
POLL_MAX_RECORDS = 200  # the services' default (DEBTFLOW_CONSUMER_POLL_MAX_RECORDS)
RawRecord = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, value, headers


def rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("nan")


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else float("nan")


def mib(kib: float | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def vm_kib(pid: int, name: str) -> int | None:
    """A `Vm*` line of /proc/<pid>/status (VmRSS now, VmHWM the peak) in KiB; None if unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def machine_cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of every core from /proc/stat; None where there is no /proc."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


@dataclass
class Clock:
    """Wall time, this process's CPU time (all threads) and the machine's busy jiffies over a stretch of work."""

    wall: float = 0.0
    cpu: float = 0.0
    machine: tuple[int, int] | None = None

    @classmethod
    def now(cls) -> Clock:
        return cls(time.perf_counter(), time.process_time(), machine_cpu_jiffies())

    def since(self, start: Clock) -> Clock:
        machine = None
        if self.machine and start.machine:
            machine = (self.machine[0] - start.machine[0], self.machine[1] - start.machine[1])
        return Clock(self.wall - start.wall, self.cpu - start.cpu, machine)

    def cpu_per_wall(self) -> float:
        return ratio(self.cpu, self.wall)

    def figures(self) -> dict[str, Any]:
        busy = ratio(self.machine[0], self.machine[1]) if self.machine and self.machine[1] else None
        return {"seconds": round(self.wall, 3), "cpu_seconds": round(self.cpu, 3),
                "cpu_per_wall": self.cpu_per_wall(), "machine_busy": busy}


def package_versions(*names: str) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = package_metadata.version(name)
        except package_metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


# -- databases ----------------------------------------------------------------------------------------


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def temporary_database(kind: str, postgres_url: str | None, directory: Path, tag: str = "bench"
                             ) -> AsyncIterator[str]:
    """A new, empty database: a SQLite file under `directory` or a `debtflow_bench_<hex>` PostgreSQL
    database on the server of `postgres_url` (whose user may create databases); removed afterwards."""
    if kind == "sqlite":
        path = directory / f"{tag}-{uuid.uuid4().hex[:8]}.sqlite"
        try:
            yield f"sqlite+aiosqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    assert postgres_url is not None
    admin = asyncpg_dsn(postgres_url)
    name = f"debtflow_bench_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield make_url(postgres_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


async def postgres_settings(postgres_url: str, *names: str) -> dict[str, str]:
    """`SHOW <name>` for each name (server_version by default)."""
    connection = await asyncpg.connect(asyncpg_dsn(postgres_url))
    try:
        return {name: str(await connection.fetchval(f"SHOW {name}")) for name in names or ("server_version",)}
    finally:
        await connection.close()


# -- the broker's ceilings ------------------------------------------------------------------------------


async def raw_produce(bootstrap: str, topic: str, records: Sequence[RawRecord]) -> Clock:
    """A bare aiokafka producer (acks=all, as KafkaBus) sending every record, then waiting for every
    acknowledgement."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, client_id="bench-raw-producer", acks="all",
                                enable_idempotence=False, linger_ms=LINGER_MS)
    await producer.start()
    try:
        started = Clock.now()
        deliveries = [await producer.send(topic, value, key=key, headers=headers) for key, value, headers in records]
        await asyncio.gather(*deliveries)
        return Clock.now().since(started)
    finally:
        await producer.stop()


@dataclass
class ConsumeFigures:
    events: int
    join_seconds: float  # start -> first record in the application
    clock: Clock  # first record -> last record handled
    complete: bool


async def raw_consume(bootstrap: str, topic: str, *, group_id: str, expected: int, timeout: float
                      ) -> ConsumeFigures:
    """A bare aiokafka group member reading a topic: getmany + offset commit per poll, no decoding."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, client_id="bench-raw-consumer", group_id=group_id,
        enable_auto_commit=False, auto_offset_reset="earliest",
        session_timeout_ms=10000, heartbeat_interval_ms=1000, rebalance_timeout_ms=5000,
    )
    started = time.perf_counter()
    await consumer.start()
    received = 0
    first_at = last_at = Clock()
    try:
        deadline = started + timeout
        while received < expected and time.perf_counter() < deadline:
            batches = await consumer.getmany(timeout_ms=500, max_records=POLL_MAX_RECORDS)
            if not batches:
                continue
            if not received:
                first_at = Clock.now()
            received += sum(len(messages) for messages in batches.values())
            await consumer.commit()
            last_at = Clock.now()
    finally:
        await consumer.stop()
    join = (first_at.wall if received else time.perf_counter()) - started
    return ConsumeFigures(received, join, last_at.since(first_at), received >= expected)


# -- command line and report ----------------------------------------------------------------------------

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def chosen_backends(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """`--db` (default: both when a PostgreSQL URL is known, else sqlite) as a list of backends."""
    selection = args.db or ("both" if args.postgres_url else "sqlite")
    backends = ["sqlite", "postgres"] if selection == "both" else [selection]
    if "postgres" in backends and not args.postgres_url:
        parser.error("PostgreSQL needs --postgres-url or DEBTFLOW_TEST_POSTGRES_URL")
    return backends


def write_report(name: str, report: dict[str, Any]) -> bool:
    """Write the report to bench/results/<name>-<start>.json (gitignored); True if every sanity check passed."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(report["meta"]["started_at"]).strftime("%Y%m%dT%H%M%SZ")
    output = RESULTS_DIR / f"{name}-{stamp}.json"
    output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nwritten: {output.relative_to(Path.cwd()) if output.is_relative_to(Path.cwd()) else output}")
    return all(ok for result in report["results"].values() for ok in result.get("checks", {}).values())
