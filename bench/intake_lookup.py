"""How intake finds a batch's known debts on PostgreSQL as the register grows: `= ANY(array)` against an `unnest` join.

Intake looks up every loan id of a batch in one query (`debts/service.py`, `_known_debts`). With
`source_system = $1 AND loan_id = ANY($2)` PostgreSQL may plan from the source system (one value for the whole
register, so every row) once asyncpg's prepared statement goes generic, and the lookup grows with the register.
Joining `unnest($2)` to the table makes the plan one index probe per wanted id whatever the register holds.

The table is intake's `debts` as far as the lookup sees it: the same unique index (source_system, loan_id), the
columns the query returns, and padding to the width of a real row. Each size is loaded with generate_series,
analysed, then each form runs `--rounds` times with 1,000 ids (half known, half new, as a batch of mostly new
defaults with some repeats), on one connection, prepared once, as asyncpg runs the service's statements.

    uv run python bench/intake_lookup.py --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from benchkit import asyncpg_dsn, temporary_database, write_report

FORMS = {
    "any_array": ("SELECT loan_id, id, as_of_date, status FROM debts "
                  "WHERE source_system = $1 AND loan_id = ANY($2::varchar[])"),
    "unnest_join": ("SELECT d.loan_id, d.id, d.as_of_date, d.status FROM unnest($2::varchar[]) AS wanted(loan_id) "
                    "JOIN debts AS d ON d.source_system = $1 AND d.loan_id = wanted.loan_id"),
}
#: Forms run again with the ids sorted first, so that the index is walked in key order (as `= ANY` does itself).
SORTED = {"unnest_join_sorted": "unnest_join"}
SOURCE = "lending-core-a"
IDS_PER_LOOKUP = 1000

SCHEMA = """
CREATE TABLE debts (
    id uuid PRIMARY KEY, tenant varchar(64) NOT NULL, source_system varchar(64) NOT NULL,
    loan_id varchar(64) NOT NULL, borrower_id varchar(64) NOT NULL, status varchar(16) NOT NULL,
    as_of_date date NOT NULL, padding text NOT NULL,
    CONSTRAINT uq_debts_source_loan UNIQUE (source_system, loan_id){include}
)
"""


async def load(connection: asyncpg.Connection, start: int, stop: int) -> None:
    await connection.execute(
        "INSERT INTO debts SELECT gen_random_uuid(), $1, $1, 'LN-' || n, 'BR-' || (n % 50000), 'open', "
        "DATE '2026-11-01', repeat('x', 300) FROM generate_series($2::bigint, $3::bigint - 1) AS n",
        SOURCE, start, stop)


async def measure(connection: asyncpg.Connection, size: int, rounds: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for form, sql in [*FORMS.items(), *((name, FORMS[base]) for name, base in SORTED.items())]:
        statement = await connection.prepare(sql)
        timings, found = [], 0
        for _ in range(rounds):
            wanted = [f"LN-{random.randrange(size)}" for _ in range(IDS_PER_LOOKUP // 2)]
            wanted += [f"LN-NEW-{random.randrange(10**12)}" for _ in range(IDS_PER_LOOKUP // 2)]
            if form in SORTED:
                wanted.sort()
            started = time.perf_counter()
            rows = await statement.fetch(SOURCE, wanted)
            timings.append((time.perf_counter() - started) * 1000)
            found += len(rows)
        generic = await generic_plan(connection, sql, form) if form in FORMS else []
        later = timings[rounds // 2:]  # after the plan cache settled on its plan
        figures[form] = {
            "median_ms": round(statistics.median(later), 2),
            "p95_ms": round(sorted(later)[int(len(later) * 0.95) - 1], 2),
            "first_round_ms": round(timings[0], 2),
            "found_per_lookup": round(found / rounds, 1),
            "generic_plan": generic,
        }
        print(f"  {size:>10,} debts  {form:<12} median {figures[form]['median_ms']:8.2f} ms  "
              f"p95 {figures[form]['p95_ms']:8.2f} ms  (1,000 ids, {figures[form]['found_per_lookup']:.0f} found)",
              flush=True)
    return figures


async def generic_plan(connection: asyncpg.Connection, sql: str, form: str) -> list[str]:
    """The plan PostgreSQL caches for the statement once it goes generic (forced here to see it)."""
    await connection.execute("SET plan_cache_mode = force_generic_plan")
    try:
        await connection.execute(f"PREPARE probe_{form} AS {sql}")
        rows = await connection.fetch(f"EXPLAIN EXECUTE probe_{form}('{SOURCE}', ARRAY['LN-1'])")
        await connection.execute(f"DEALLOCATE probe_{form}")
    finally:
        await connection.execute("RESET plan_cache_mode")
    return [row[0] for row in rows]


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    started_at = datetime.now(UTC).isoformat()
    results: dict[str, Any] = {}
    report: dict[str, Any] = {"meta": {"started_at": started_at, "ids_per_lookup": IDS_PER_LOOKUP,
                                       "rounds": args.rounds, "covering": args.covering}, "results": results}
    async with temporary_database("postgres", args.postgres_url, Path("."), tag="lookup") as url:
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            # --covering: the unique index carries the columns the lookup returns (an index-only scan).
            await connection.execute(SCHEMA.format(
                include=" INCLUDE (id, as_of_date, status)" if args.covering else ""))
            loaded = 0
            for size in sorted(args.sizes):
                started = time.perf_counter()
                await load(connection, loaded, size)
                await connection.execute("VACUUM ANALYZE debts")  # the visibility map lets index-only scans skip the heap
                print(f"loaded {size:,} debts in {time.perf_counter() - started:.1f} s", flush=True)
                loaded = size
                results[str(size)] = await measure(connection, size, args.rounds)
        finally:
            await connection.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", required=True)
    parser.add_argument("--sizes", type=lambda text: [int(size) for size in text.split(",")],
                        default=[100_000, 1_000_000], help="register sizes, comma separated")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--covering", action="store_true",
                        help="the unique index INCLUDEs the returned columns (index-only scans)")
    args = parser.parse_args(argv)
    report = asyncio.run(main_async(args))
    write_report("intake_lookup", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
