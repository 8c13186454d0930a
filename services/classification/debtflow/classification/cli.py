"""`./debtflow classification reage [--as-of YYYY-MM-DD]`: run the re-ageing from the command line (cron), with a
progress bar; `./debtflow classification watch-run ID`: follow a queued run (a rule-set activation's) to its end."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import TextIO

from debtflow.classification.app import build_definition
from debtflow.classification.reageing.models import ReageRun
from debtflow.classification.reageing.service import reage_on_request
from debtflow.classification.settings import ClassificationSettings
from debtflow.common.db import UnitOfWorkFactory, create_engine, session_factory
from debtflow.common.db.migrations import upgrade_to_head

WATCH_EVERY_SECONDS = 1.0
BAR_WIDTH = 30


def progress_bar(run: ReageRun) -> str:
    """`[#########.....]  62%  620,000/1,000,000 due, 4,210 changed`: where a run stands."""
    due = run.due or 0
    share = 1.0 if run.status == "finished" else (min(1.0, run.examined / due) if due else 0.0)
    filled = round(share * BAR_WIDTH)
    return (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}  {run.examined:,}/{due:,} due, "
            f"{run.changed:,} changed  ({run.status})")


class _Bar:
    """Redraws one line on a terminal; elsewhere (a cron log) writes a line per tenth of the run."""

    def __init__(self, out: TextIO) -> None:
        self.out, self.tty = out, out.isatty()
        self.last: tuple[int, str] | None = None

    def __call__(self, run: ReageRun) -> None:
        if self.tty:
            self.out.write("\r" + progress_bar(run))
        else:
            tenth = int(10 * run.examined / run.due) if run.due else 0
            if (tenth, run.status) == self.last:
                return
            self.last = (tenth, run.status)
            self.out.write(progress_bar(run) + "\n")
        self.out.flush()

    def end(self) -> None:
        if self.tty:
            self.out.write("\n")


@asynccontextmanager
async def _service_database() -> AsyncIterator[UnitOfWorkFactory]:
    definition = build_definition()
    settings = definition.settings
    assert isinstance(settings, ClassificationSettings)
    engine = create_engine(settings.database_url)
    try:
        await upgrade_to_head(engine, definition.migrations, definition.metadata)
        yield UnitOfWorkFactory(session_factory(engine), definition.messaging, service=definition.name,
                                topic_prefix=settings.topic_prefix)
    finally:
        await engine.dispose()


async def _reage(as_of: date | None) -> int:
    settings = ClassificationSettings()
    bar = _Bar(sys.stderr)
    async with _service_database() as uow:
        run = await reage_on_request(uow, as_of=as_of, today=settings.today(), chunk_size=settings.reage_chunk_size,
                                     progress=bar)
    bar.end()
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at and run.started_at else 0.0
    print(f"re-aged to {run.as_of_date}: {run.examined} due, {run.changed} changed ({seconds:.2f}s); the "
          "service's relay publishes the events")
    return 0


async def _watch(run_id: int) -> int:
    """Poll the run until it is finished (0) or failed (1); a queued run waits for the service to take it."""
    bar = _Bar(sys.stderr)
    async with _service_database() as uow:
        while True:
            async with uow.sessions() as session:
                run = await session.get(ReageRun, run_id)
            if run is None:
                print(f"re-ageing run {run_id} does not exist", file=sys.stderr)
                return 2
            bar(run)
            if run.status in ("finished", "failed"):
                bar.end()
                print(f"run {run_id} {run.status}: {run.examined} of {run.due} due examined, {run.changed} changed"
                      + (f"; {run.error}" if run.error else ""))
                return 0 if run.status == "finished" else 1
            await asyncio.sleep(WATCH_EVERY_SECONDS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="debtflow classification", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("reage", help="re-age every open debt to a date (idempotent per date)")
    run.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD; default today in the business zone")
    watch = commands.add_parser("watch-run", help="follow a re-ageing run (say an activation's) with a progress bar")
    watch.add_argument("run_id", type=int, help="the run's id (the activation answer's reage_run.id)")
    args = parser.parse_args(argv)
    if args.command == "watch-run":
        return asyncio.run(_watch(args.run_id))
    return asyncio.run(_reage(args.as_of))


if __name__ == "__main__":
    raise SystemExit(main())
