"""`./debtflow classification reage --as-of YYYY-MM-DD`: run the daily re-ageing from the command line (cron)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date

from debtflow.classification.app import build_definition
from debtflow.classification.reageing.service import reage_on_request
from debtflow.classification.settings import ClassificationSettings
from debtflow.common.db import UnitOfWorkFactory, create_engine, session_factory
from debtflow.common.db.migrations import upgrade_to_head


async def _reage(as_of: date | None) -> None:
    definition = build_definition()
    settings = definition.settings
    assert isinstance(settings, ClassificationSettings)
    engine = create_engine(settings.database_url)
    try:
        await upgrade_to_head(engine, definition.migrations, definition.metadata)
        uow = UnitOfWorkFactory(session_factory(engine), definition.messaging, service=definition.name,
                                topic_prefix=settings.topic_prefix)
        report = await reage_on_request(uow, as_of=as_of, today=settings.today(), chunk_size=settings.reage_chunk_size)
        print(f"re-aged to {report.as_of_date}: {report.examined} due, {report.changed} changed "
              f"({(report.finished_at - report.started_at).total_seconds():.2f}s); the service's relay publishes "
              "the events")
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="debtflow classification", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("reage", help="re-age every open debt to a date (idempotent per date)")
    run.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD; default today in the business zone")
    args = parser.parse_args(argv)
    asyncio.run(_reage(args.as_of))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
