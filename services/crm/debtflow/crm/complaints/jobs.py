"""The overdue check crm runs by itself: every `complaint_escalation_interval_seconds`, complaints past a deadline
are escalated (on every replica; the check's row locks keep them from escalating one twice)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError

from debtflow.common.clock import utcnow
from debtflow.common.logging import get_logger
from debtflow.crm.complaints.service import escalate_overdue

log = get_logger(__name__)


async def complaint_escalation(runtime: Any, stopping: asyncio.Event) -> None:
    """Every interval, escalate the overdue complaints, until the service stops. It waits first: a replica
    starting (or a test's service) checks no sooner than one interval later, and the others check meanwhile."""
    interval = runtime.settings.complaint_escalation_interval_seconds
    while not stopping.is_set():
        try:
            await asyncio.wait_for(stopping.wait(), interval)
            return
        except TimeoutError:
            pass
        try:
            escalated = await escalate_overdue(runtime.uow, now=utcnow())
            if escalated:
                log.info("overdue complaints escalated", escalations=escalated)
        except (DBAPIError, OSError) as error:
            log.warning("complaint escalation check failed; trying again later", error=repr(error)[:300])
        except Exception as error:  # a bad row must not stop the checks for good
            log.error("complaint escalation check failed", error=repr(error)[:300])
