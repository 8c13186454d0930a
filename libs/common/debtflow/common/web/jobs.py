"""Background jobs that run a pass every interval until the service stops: one loop for every service's checks
(crm's complaint escalation, collections' dispatcher, promise checks, placement expiry, SLA figures)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError

from debtflow.common.logging import get_logger

log = get_logger(__name__)

#: A job as a ServiceDefinition lists it: called with the runtime and the event set when the service stops.
Job = Callable[[Any, asyncio.Event], Awaitable[None]]


def every(interval_setting: str, run_pass: Callable[[Any], Awaitable[Any]], *, name: str, what: str,
          wait_first: bool = True) -> Job:
    """A job named `name` running `run_pass(runtime)` every `settings.<interval_setting>` seconds.

    It waits first by default: a replica starting (or a test's service) runs no sooner than one interval later,
    while the others run meanwhile. A pass that fails is logged and tried again next interval, never the end of the
    job: a database or network failure is a warning (it passes), anything else an error (a bad row must not stop
    the checks for good). A pass that returns something true is logged as done, with what it returned."""

    async def job(runtime: Any, stopping: asyncio.Event) -> None:
        interval = float(getattr(runtime.settings, interval_setting))
        first = True
        while not stopping.is_set():
            if wait_first or not first:
                try:
                    await asyncio.wait_for(stopping.wait(), interval)
                    return
                except TimeoutError:
                    pass
            first = False
            try:
                done = await run_pass(runtime)
                if done:
                    log.info(f"{what} done", result=done)
            except (DBAPIError, OSError) as error:
                log.warning(f"{what} failed; trying again later", error=repr(error)[:300])
            except Exception as error:
                log.error(f"{what} failed", error=repr(error)[:300])

    job.__name__ = job.__qualname__ = name
    return job
