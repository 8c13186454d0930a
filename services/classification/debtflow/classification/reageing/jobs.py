"""The daily re-ageing, run by the service itself: once per business day, late if the service was down."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError

from debtflow.classification.reageing.repository import last_reage_day
from debtflow.classification.reageing.service import reage
from debtflow.classification.reporting.service import sla_report
from debtflow.common.clock import utcnow
from debtflow.common.logging import get_logger
from debtflow.common.problems import Conflict

log = get_logger(__name__)
CHECK_EVERY_SECONDS = 300.0


async def daily_reage(runtime: Any, stopping: asyncio.Event) -> None:
    """Every few minutes: if the day's run is due and not done, run it; refresh the SLA breach gauge."""
    settings = runtime.settings
    while not stopping.is_set():
        try:
            await _run_if_due(runtime)
            async with runtime.sessions() as session:
                await sla_report(session, runtime.metrics, target_days=settings.sla_target_days, limit=0)
        except Conflict:
            pass  # another replica holds the run
        except (DBAPIError, OSError) as error:
            log.warning("daily re-ageing check failed; retrying later", error=repr(error)[:300])
        try:
            await asyncio.wait_for(stopping.wait(), CHECK_EVERY_SECONDS)
        except TimeoutError:
            pass


async def _run_if_due(runtime: Any) -> None:
    settings = runtime.settings
    if not settings.reage_automatically:
        return
    local = utcnow().astimezone(settings.zone)  # the business day and time of day where the lender is
    if local.time() < settings.reage_at:
        return
    async with runtime.sessions() as session:
        if await last_reage_day(session) >= local.date():
            return
    await reage(runtime.uow, as_of=local.date(), chunk_size=settings.reage_chunk_size)
