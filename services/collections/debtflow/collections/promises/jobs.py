"""The due check collections runs by itself: every `arrangement_check_interval_seconds`, promises past due and
grace are decided, plans with a missed instalment breached and unpaid settlements lapsed (on every replica; the
checks' row locks keep two from deciding one twice)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError

from debtflow.collections.arrangements.service import check_due
from debtflow.collections.promises.service import resolve_overdue
from debtflow.common.clock import utcnow
from debtflow.common.logging import get_logger

log = get_logger(__name__)


async def due_check(runtime: Any, stopping: asyncio.Event) -> None:
    """Every interval, until the service stops; it waits first, as crm's complaint check does."""
    interval = runtime.settings.arrangement_check_interval_seconds
    while not stopping.is_set():
        try:
            await asyncio.wait_for(stopping.wait(), interval)
            return
        except TimeoutError:
            pass
        await run_due_check(runtime)


async def run_due_check(runtime: Any) -> None:
    """One pass; a failure is logged and tried again next interval."""
    try:
        now = utcnow()
        promises = await resolve_overdue(runtime.uow, now=now)
        arrangements = await check_due(runtime.uow, now=now, settings=runtime.settings)
        if promises or arrangements:
            log.info("due check", promises_decided=promises, arrangements_changed=arrangements)
    except (DBAPIError, OSError) as error:
        log.warning("due check failed; trying again later", error=repr(error)[:300])
    except Exception as error:  # a bad row must not stop the checks for good
        log.error("due check failed", error=repr(error)[:300])
