"""Re-ageing run by the service itself: the daily run (once per business day, late if the service was down), and
the queued runs (a rule-set activation's), carried out in the background as soon as they are queued."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError

from debtflow.classification.reageing.repository import last_reage_day
from debtflow.classification.reageing.service import reage, run_queued
from debtflow.classification.reporting.service import sla_report
from debtflow.common.clock import utcnow
from debtflow.common.logging import get_logger
from debtflow.common.problems import Conflict

log = get_logger(__name__)
CHECK_EVERY_SECONDS = 300.0
#: How often a replica looks for queued runs besides being woken: a run queued by another replica (or left by
#: a process that stopped) starts within this.
QUEUE_CHECK_SECONDS = 2.0
_queued = asyncio.Event()


def wake_reage_jobs() -> None:
    """Called when a run was queued in this process: start it now rather than at the next check."""
    _queued.set()


async def queued_reage(runtime: Any, stopping: asyncio.Event) -> None:
    """Carry out queued runs one after another; one replica at a time (the others find the lock held)."""
    while not stopping.is_set():
        _queued.clear()
        try:
            while not stopping.is_set() and await run_queued(runtime.uow, chunk_size=runtime.settings.reage_chunk_size):
                pass
        except Conflict:
            pass  # another replica is re-ageing; the run waits for it, or that replica takes it
        except (DBAPIError, OSError) as error:
            log.warning("queued re-ageing failed; trying again later", error=repr(error)[:300])
        except Exception as error:  # the run is marked failed with its error; the loop goes on
            log.error("queued re-ageing run failed", error=repr(error)[:300])
        await _first_of(stopping, _queued, timeout=QUEUE_CHECK_SECONDS)


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    waits = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


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
