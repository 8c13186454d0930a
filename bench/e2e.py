"""End-to-end benchmark: the real stack takes N defaults through intake's batch endpoint; when has each service
reflected every debt?

    uv run --group bench python bench/e2e.py [--defaults 100000] [--batch 1000] [--concurrency 2]
                                             [--postgres-url URL] [--timeout SECONDS]

The stack is the one the end-to-end tests run (tests/support/stack.py): the six services as their own uvicorn
processes, each on a fresh PostgreSQL database (on the server --postgres-url or DEBTFLOW_TEST_POSTGRES_URL names),
and the embedded Kafka-protocol broker (Tansu). N generated defaults (bench/intake.py's portfolio: borrowers
holding one to three loans) are posted in batches, `--concurrency` requests at a time. Every second the
benchmark counts, in each service's own database, what it reflects:

- intake: debts registered; classification: debts classified; credit: debts in the portfolio model;
  crm: debts with a timeline; collections: collection cases (every classified debt gets one);
  legal: legal cases (a debt classified doubtful or loss gets one; the target is classification's count).

A service has caught up when it reflects every debt it should after intake accepted the whole load. Printed:
the accept time, each service's catch-up time and its ratio to the accept time (issue 10's goal: every
service within 1.25x, downstream keeps pace with intake), defaults/s end to end (N over the last catch-up),
and each service process's peak RSS (VmHWM; goal: none above 300 MiB at 100,000 debts). Written: a JSON
report and a PNG chart of every service's lag (debts accepted by intake and not yet reflected) over time,
both under bench/results/. Nothing is asserted about timings; the exit code is 1 only if a service never
caught up within --timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from benchkit import asyncpg_dsn, rate, ratio
from intake import batch_bodies, make_portfolio, post_batches

import support
from debtflow.common.embedded import EmbeddedBroker
from support import token
from support.stack import Stack, running_stack

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_RATIO = 1.25
GOAL_RSS_MIB = 300.0
SAMPLE_EVERY_SECONDS = 1.0

#: What each service reflects, counted in its own database.
REFLECTED = {
    "intake": "SELECT count(*) FROM debts",
    "classification": "SELECT count(*) FROM classifications",
    "credit": "SELECT count(*) FROM portfolio_debts",
    "crm": "SELECT count(DISTINCT debt_id) FROM timeline_entries WHERE debt_id IS NOT NULL",
    "collections": "SELECT count(*) FROM collection_cases",
    "legal": "SELECT count(*) FROM legal_cases",
}
LEGAL_TARGET = "SELECT count(*) FROM classifications WHERE five_tier_class IN ('doubtful', 'loss')"


@dataclass
class Samples:
    """Counts per service over time, from the first POST."""

    seconds: list[float] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    counts: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in REFLECTED})
    legal_targets: list[int] = field(default_factory=list)  # debts classified doubtful or loss so far
    caught_up: dict[str, float] = field(default_factory=dict)


async def count(connection: asyncpg.Connection, query: str) -> int:
    return int(await connection.fetchval(query) or 0)


async def sample_until_caught_up(stack: Stack, n: int, accepted: list[int], started: float, timeout: float,
                                 posting: asyncio.Task[Any]) -> Samples:
    """Count every second until every service reflects everything intake accepted, or the time is up."""
    connections = {name: await asyncpg.connect(asyncpg_dsn(stack.services[name].database_url)) for name in REFLECTED}
    legal_target = connections["classification"]
    samples = Samples()
    try:
        while time.perf_counter() - started < timeout:
            elapsed = time.perf_counter() - started
            samples.seconds.append(round(elapsed, 2))
            samples.accepted.append(accepted[0])
            targets = {name: n for name in REFLECTED}
            targets["legal"] = await count(legal_target, LEGAL_TARGET)
            samples.legal_targets.append(targets["legal"])
            for name, query in REFLECTED.items():
                reflected = await count(connections[name], query)
                samples.counts[name].append(reflected)
                classified_all = samples.counts["classification"][-1] >= n if name == "legal" else True
                if name not in samples.caught_up and posting.done() and reflected >= targets[name] and classified_all:
                    samples.caught_up[name] = round(elapsed, 2)
            if len(samples.caught_up) == len(REFLECTED):
                break
            await asyncio.sleep(SAMPLE_EVERY_SECONDS)
    finally:
        for connection in connections.values():
            await connection.close()
    return samples


def peak_rss_mib(pid: int) -> float | None:
    """The largest VmHWM in the process and its children (a service's uvicorn may run under a wrapper)."""
    peaks = []
    for candidate in [pid, *children_of(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return round(max(peaks), 1) if peaks else None


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found += [int(entry.name), *children_of(int(entry.name))]
    return found


def write_chart(samples: Samples, accept_seconds: float, path: Path, n: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(10, 5.5), dpi=110)
    for name, counts in samples.counts.items():
        if name == "intake":
            continue
        owed = samples.legal_targets if name == "legal" else samples.accepted  # legal: doubtful and loss debts
        lag = [max(0, target - reflected) for target, reflected in zip(owed, counts, strict=True)]
        axes.plot(samples.seconds, lag, label=name, linewidth=1.6)
    axes.axvline(accept_seconds, color="grey", linestyle="--", linewidth=1)
    axes.axvline(accept_seconds * GOAL_RATIO, color="red", linestyle=":", linewidth=1)
    axes.text(accept_seconds, axes.get_ylim()[1] * 0.95, " intake accepted all", color="grey", fontsize=8)
    axes.text(accept_seconds * GOAL_RATIO, axes.get_ylim()[1] * 0.88, f" goal {GOAL_RATIO}x", color="red", fontsize=8)
    axes.set_xlabel("seconds since the first POST")
    axes.set_ylabel("debts accepted by intake, not yet reflected")
    axes.set_title(f"End-to-end lag per service, {n:,} defaults (real stack, PostgreSQL, Tansu)")
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    n = args.defaults
    portfolio = make_portfolio(n, tag=uuid.uuid4().hex[:4].upper(), seed=args.seed)
    bodies = batch_bodies(portfolio.defaults, args.batch)
    lender = token("lender")
    directory = Path(tempfile.mkdtemp(prefix="debtflow-e2e-bench-"))
    broker = EmbeddedBroker(log_file=directory / "broker.log").start()
    try:
        async with running_stack(broker, directory, topic_prefix=f"bench-e2e-{uuid.uuid4().hex[:6]}.") as stack:
            accepted = [0]
            print(f"stack ready; posting {n:,} defaults in batches of {args.batch:,}, {args.concurrency} at a time",
                  flush=True)
            async with httpx.AsyncClient(timeout=600) as client:
                started = time.perf_counter()

                async def post_all() -> list[dict[str, Any]]:
                    answers = await post_batches(client, stack.services["intake"].url, lender, bodies,
                                                 args.concurrency)
                    accepted[0] = n
                    return answers

                posting = asyncio.create_task(post_all())
                sampling = asyncio.create_task(sample_until_caught_up(stack, n, accepted, started, args.timeout,
                                                                      posting))
                answers = await posting
                accept_seconds = time.perf_counter() - started
                samples = await sampling
            rss = {name: peak_rss_mib(service.process.pid) if service.process else None
                   for name, service in stack.services.items()}
    finally:
        broker.stop()
    refused = [answer for answer in answers if answer.get("status") not in (200, 201, 207)]
    last = max(samples.caught_up.values()) if len(samples.caught_up) == len(REFLECTED) else None
    return {
        "defaults": n, "batch": args.batch, "concurrency": args.concurrency, "refused_requests": len(refused),
        "accept_seconds": round(accept_seconds, 2), "accepted_per_s": rate(n, accept_seconds),
        "caught_up_seconds": samples.caught_up,
        "caught_up_over_accept": {name: ratio(seconds, accept_seconds) for name, seconds in samples.caught_up.items()},
        "end_to_end_per_s": rate(n, last) if last else None, "peak_rss_mib": rss,
        "samples": {"seconds": samples.seconds, "accepted": samples.accepted, "reflected": samples.counts},
        "_samples": samples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--defaults", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="defaults per POST (default 1000)")
    parser.add_argument("--concurrency", type=int, default=2, help="POSTs in flight (default 2)")
    parser.add_argument("--postgres-url", default=os.environ.get("DEBTFLOW_TEST_POSTGRES_URL"))
    parser.add_argument("--timeout", type=float, default=3600.0, help="give up after this many seconds")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()
    if not args.postgres_url:
        parser.error("PostgreSQL is needed: --postgres-url or DEBTFLOW_TEST_POSTGRES_URL")
    support.POSTGRES_URL = args.postgres_url  # where the stack's fresh databases are made
    report = asyncio.run(run(args))
    samples: Samples = report.pop("_samples")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    chart = RESULTS / f"e2e-{stamp}.png"
    write_chart(samples, report["accept_seconds"], chart, report["defaults"])
    report.update(machine={"python": platform.python_version(), "cpus": os.cpu_count(), "node": platform.node()},
                  chart=chart.name, measured_at=stamp)
    (RESULTS / f"e2e-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(f"\nintake accepted {report['defaults']:,} defaults in {report['accept_seconds']} s "
          f"({report['accepted_per_s']:,.0f}/s); {report['refused_requests']} requests refused")
    for name in REFLECTED:
        seconds = report["caught_up_seconds"].get(name)
        over = report["caught_up_over_accept"].get(name)
        verdict = "not caught up" if seconds is None else f"{seconds} s = {over}x accept " + \
            ("(goal met)" if over <= GOAL_RATIO else f"(goal {GOAL_RATIO}x missed)")
        rss = report["peak_rss_mib"].get(name)
        print(f"  {name:15} {verdict:40} peak RSS {rss} MiB" + ("" if rss is None or rss <= GOAL_RSS_MIB
                                                                  else f" (over {GOAL_RSS_MIB:.0f})"))
    end_to_end = report["end_to_end_per_s"]
    print(f"end to end: {end_to_end:,.0f} defaults/s" if end_to_end else "end to end: not every service caught up")
    print(f"written: results/{chart.name}, results/e2e-{stamp}.json")
    return 0 if end_to_end else 1


if __name__ == "__main__":
    raise SystemExit(main())
