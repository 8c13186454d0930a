"""Collections planning benchmark: plan one day's steps for N open debts, against a bare UPDATE of the same rows.

    uv run python bench/collections_plan.py [--debts N] [--db sqlite|postgres|both] [--postgres-url URL]

For each backend it creates a fresh database with the collections schema (the service's Alembic migrations) and
bulk-loads N active cases on the built-in strategies with nothing planned (as after a strategy version was
activated, or on the first day), each borrower with a time zone (Asia/Shanghai, Asia/Urumqi-style offsets are
not needed: a mix of Shanghai, Hong Kong and Singapore) and 2 % of them with an open dispute. The load is timed
on its own and is not part of any figure. It then measures, in order:

(a) the ceiling: one `UPDATE collection_cases SET next_action_at = now() WHERE status = 'active'` (then undone);
(b) `debtflow.collections.schedule.service.plan_day`: every case's current step chosen from its strategy (the
    built-in set and the active versions, experiments applied), asked of the contact policy (hours, holidays,
    caps, holds: four queries per chunk of 5,000), and written as planned actions (one INSERT per chunk), the
    cases' next-action summary updated.

It prints debts/s, actions/s, the run's seconds against the ceiling's (issue 12: under 60 s for 1,000,000 on
PostgreSQL, and no more than 2x the ceiling), and the peak resident memory of the run. Nothing asserts a timing;
the exit code is 1 only if a sanity check fails (an action per case, none outside contact hours).
Figures are written to bench/results/collections-<timestamp>.json (the file is not bench/collections.py: that name would shadow the standard library's `collections` for every script in bench/); see bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from benchkit import (
    asyncpg_dsn,
    chosen_backends,
    mib,
    package_versions,
    postgres_settings,
    rate,
    ratio,
    temporary_database,
    vm_kib,
    write_report,
)
from sqlalchemy import func, insert, select, text

from debtflow.collections.app import build_definition
from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.contact_policy.models import ContactBorrower, ContactHold
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.schedule.models import PlannedAction
from debtflow.collections.schedule.service import plan_day
from debtflow.collections.settings import CollectionsSettings
from debtflow.common.db import UnitOfWorkFactory, create_engine, session_factory
from debtflow.common.db.migrations import upgrade_to_head
from debtflow.common.logging import configure_logging

GOAL_DEBTS = 1_000_000
GOAL_SECONDS = 60
GOAL_RATIO = 2.0
ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore")
BUCKETS = (("M1", "early-reminder"), ("M2", "early-call"), ("M3", "intensive-call"), ("M4", "formal-demand"),
           ("M6", "pre-legal"), ("M6+", "agency-recovery"))
#: A Monday 10:00 in Shanghai, not a holiday: most steps are allowed now, the rest are deferred into hours.
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def peak_rss_mib() -> float | None:
    return mib(vm_kib(os.getpid(), "VmHWM"))


def reset_peak_rss() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM back to the current RSS (Linux >= 4.0)
    except OSError:
        pass


def rows_for(start: int, count: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Cases, the policy's borrower contexts, and a dispute for 2 % of the borrowers."""
    rng = random.Random(seed + start)
    cases, borrowers, holds = [], [], []
    for n in range(start, start + count):
        debt_id = uuid.UUID(int=rng.getrandbits(128))
        borrower_id = f"BR-{n:09d}"
        bucket, strategy = BUCKETS[n % len(BUCKETS)]
        started = NOW - timedelta(days=rng.randrange(0, 40))
        cases.append({
            "debt_id": debt_id, "borrower_id": borrower_id, "tenant": "lender-a", "status": "active",
            "dpd_bucket": bucket, "five_tier_class": "substandard", "overdue_type": "default",
            "days_past_due": 40, "classified_as_of": NOW.date(), "exposure": 100_000 + n % 5_000_00,
            "currency": "CNY", "vulnerable": False, "strategy_code": strategy, "strategy_version": 0,
            "step_index": rng.randrange(0, 2), "path_started_at": started, "entered_at": started,
            "exposure_at_entry": 100_000, "recovered": 0, "complaints": 0, "assigned_at": started,
            "updated_at": started})
        borrowers.append({"tenant": "lender-a", "borrower_id": borrower_id, "timezone": ZONES[n % 3],
                          "region": None, "intake_version": 1, "preferences_version": 0,
                          "opted_out_channels": "[]", "preferred_times": "[]", "updated_at": started})
        if n % 50 == 0:
            holds.append({"id": uuid.uuid4(), "tenant": "lender-a", "borrower_id": borrower_id, "debt_id": debt_id,
                          "kind": "dispute", "source_key": f"dispute:{uuid.uuid4()}", "starts_at": started,
                          "changed_at": started, "updated_at": started})
    return {"collection_cases": cases, "contact_borrowers": borrowers, "contact_holds": holds}


async def load(kind: str, url: str, engine: Any, debts: int, seed: int, chunk: int = 20_000) -> float:
    """COPY on PostgreSQL (money as integer cents on SQLite, as the Money type stores it); not part of a figure."""
    started = time.perf_counter()
    connection = await asyncpg.connect(asyncpg_dsn(url)) if kind == "postgres" else None
    tables = {"collection_cases": CollectionCase.__table__, "contact_borrowers": ContactBorrower.__table__,
              "contact_holds": ContactHold.__table__}
    try:
        for start in range(0, debts, chunk):
            batch = rows_for(start, min(chunk, debts - start), seed)
            if connection is not None:
                async with connection.transaction():
                    for name, rows in batch.items():
                        if rows:
                            columns = list(rows[0])
                            await connection.copy_records_to_table(
                                name, columns=columns, records=[_copy_row(row, columns) for row in rows])
            else:
                async with engine.begin() as sql:
                    for name, rows in batch.items():
                        if rows:
                            await sql.execute(insert(tables[name]), [_sqlite_row(row) for row in rows])
            print(f"\r  [{kind}] loaded {start + len(batch['collection_cases']):,} cases", end="", flush=True)
        print(flush=True)
        if connection is not None:
            await connection.execute("VACUUM ANALYZE")
    finally:
        if connection is not None:
            await connection.close()
    return time.perf_counter() - started


def _copy_row(row: dict[str, Any], columns: list[str]) -> tuple[Any, ...]:
    return tuple(Decimal(row[c]) / 100 if c in ("exposure", "exposure_at_entry", "recovered") else row[c]
                 for c in columns)


def _sqlite_row(row: dict[str, Any]) -> dict[str, Any]:
    converted = dict(row)
    for name in ("exposure", "exposure_at_entry", "recovered"):
        if name in converted:
            converted[name] = Decimal(converted[name]) / 100
    for name in ("opted_out_channels", "preferred_times"):
        if name in converted:
            converted[name] = json.loads(converted[name])
    return converted


async def bench(kind: str, args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    settings = CollectionsSettings(database_url="sqlite+aiosqlite:///unused.db")
    definition = build_definition(settings)
    async with temporary_database(kind, args.postgres_url, directory, "collections") as url:
        engine = create_engine(url)
        try:
            await upgrade_to_head(engine, definition.migrations)
            print(f"  [{kind}] loading {args.debts:,} cases", flush=True)
            result["load_seconds"] = round(await load(kind, url, engine, args.debts, args.seed), 1)
            async with engine.begin() as sql:
                started = time.perf_counter()
                changed = (await sql.execute(text(
                    "UPDATE collection_cases SET next_action_at = :now WHERE status = 'active'"),
                    {"now": NOW.replace(tzinfo=None) if kind == "sqlite" else NOW})).rowcount
                ceiling = time.perf_counter() - started
                await sql.execute(text("UPDATE collection_cases SET next_action_at = NULL"))
            result["ceiling"] = {"rows": changed, "seconds": round(ceiling, 2), "rows_per_s": rate(changed, ceiling)}
            uow = UnitOfWorkFactory(session_factory(engine), definition.messaging, service="collections")
            reset_peak_rss()
            started = time.perf_counter()
            planned = await plan_day(uow, policy=ContactPolicy.from_settings(settings), now=NOW,
                                     chunk=args.chunk_size)
            seconds = time.perf_counter() - started
            result["plan_day"] = {"debts": args.debts, "actions": planned, "seconds": round(seconds, 2),
                                  "debts_per_s": rate(args.debts, seconds), "actions_per_s": rate(planned, seconds),
                                  "peak_rss_mib": peak_rss_mib(), "x_ceiling": ratio(seconds, ceiling)}
            result["checks"] = await checks(engine, args.debts, planned)
        finally:
            await engine.dispose()
    return result


async def checks(engine: Any, debts: int, planned: int) -> dict[str, bool]:
    """An action per case, every action inside 08:00-21:00 local time of its borrower."""
    async with session_factory(engine)() as session:
        actions = int(await session.scalar(select(func.count()).select_from(PlannedAction)) or 0)
        sample = list(await session.execute(
            select(PlannedAction.due_at, ContactBorrower.timezone)
            .join(ContactBorrower, ContactBorrower.borrower_id == PlannedAction.borrower_id).limit(20_000)))
    inside = all(8 <= due.astimezone(ZoneInfo(zone)).hour < 21 for due, zone in sample)
    return {"an_action_per_case": actions == planned == debts, "inside_contact_hours": inside}


def print_table(report: dict[str, Any]) -> None:
    print(f"\n{'backend':10} {'debts':>10} {'seconds':>8} {'debts/s':>10} {'actions/s':>10} {'ceiling s':>10} "
          f"{'x ceiling':>10} {'peak MiB':>9}")
    for kind, result in report["results"].items():
        run, ceiling = result["plan_day"], result["ceiling"]
        print(f"{kind:10} {run['debts']:>10,} {run['seconds']:>8} {run['debts_per_s']:>10} {run['actions_per_s']:>10} "
              f"{ceiling['seconds']:>10} {run['x_ceiling']:>10} {run['peak_rss_mib'] or '-':>9}")
    print(f"goal (issue 12, PostgreSQL, {GOAL_DEBTS:,} debts): under {GOAL_SECONDS} s and at most {GOAL_RATIO}x "
          "the ceiling — information, not asserted")


async def main_async(args: argparse.Namespace, backends: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"), "debts": args.debts,
        "chunk_size": args.chunk_size, "seed": args.seed, "planned_at": NOW.isoformat(), "cpus": os.cpu_count(),
        "platform": platform.platform(), "python": platform.python_version(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "packages": package_versions("sqlalchemy", "asyncpg", "aiosqlite"),
    }
    if "postgres" in backends:
        meta["postgresql"] = await postgres_settings(args.postgres_url, "server_version", "shared_buffers",
                                                     "work_mem", "fsync", "synchronous_commit")
    results = {}
    with tempfile.TemporaryDirectory(prefix="debtflow-bench-collections-") as directory:
        for kind in backends:
            print(f"{kind}: {args.debts:,} open debts", flush=True)
            results[kind] = await bench(kind, args, Path(directory))
    meta["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    return {"meta": meta, "results": results}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debts", type=int, default=GOAL_DEBTS, help="open debts (default 1000000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default=None)
    parser.add_argument("--postgres-url", default=os.environ.get("DEBTFLOW_TEST_POSTGRES_URL"))
    parser.add_argument("--chunk-size", type=int, default=5_000, help="cases per planning transaction")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    backends = chosen_backends(parser, args)
    configure_logging(service="bench", level="WARNING", fmt="console")
    report = asyncio.run(main_async(args, backends))
    print_table(report)
    return 0 if write_report("collections", report) else 1


if __name__ == "__main__":
    sys.exit(main())
