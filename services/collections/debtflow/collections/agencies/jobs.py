"""The recall check collections runs by itself: every `agency_recall_interval_seconds`, placements past their term
are recalled (on every replica; SKIP LOCKED keeps two from recalling one twice)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError

from debtflow.collections.agencies.service import recall_expired
from debtflow.common.clock import utcnow
from debtflow.common.logging import get_logger

log = get_logger(__name__)


async def recall_expired_once(runtime: Any) -> int:
    """One pass, in chunks of a thousand per transaction, until none is left."""
    total = 0
    while True:
        async with runtime.uow() as unit:
            recalled = await recall_expired(unit, now=utcnow())
        total += recalled
        if recalled < 1000:
            return total


async def placement_expiry(runtime: Any, stopping: asyncio.Event) -> None:
    """Every interval, recall the expired placements, until the service stops."""
    interval = runtime.settings.agency_recall_interval_seconds
    while not stopping.is_set():
        try:
            await asyncio.wait_for(stopping.wait(), interval)
            return
        except TimeoutError:
            pass
        try:
            recalled = await recall_expired_once(runtime)
            if recalled:
                log.info("expired placements recalled", placements=recalled)
        except (DBAPIError, OSError) as error:
            log.warning("placement expiry check failed; trying again later", error=repr(error)[:300])
        except Exception as error:  # a bad row must not stop the checks for good
            log.error("placement expiry check failed", error=repr(error)[:300])
