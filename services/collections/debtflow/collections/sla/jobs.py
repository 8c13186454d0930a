"""Keeps the SLA figures on /metrics current without anyone asking for the report."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import DBAPIError

from debtflow.collections.sla.service import sla_report
from debtflow.common.clock import utcnow
from debtflow.common.logging import get_logger

log = get_logger(__name__)


async def sla_metrics(runtime: Any, stopping: asyncio.Event) -> None:
    """Every `sla_metrics_interval_seconds`, recompute the SLA (no breach list) and set the gauges."""
    settings = runtime.settings
    while not stopping.is_set():
        try:
            async with runtime.sessions() as session:
                await sla_report(session, runtime.metrics, now=utcnow(), limit=1,
                                 first_action_hours=settings.sla_first_action_target_hours,
                                 running_days=settings.sla_running_strategy_target_days)
        except (DBAPIError, OSError) as error:
            log.warning("SLA figures not refreshed; trying again later", error=repr(error)[:300])
        except Exception as error:  # a bad row must not stop the figures for good
            log.error("SLA figures not refreshed", error=repr(error)[:300])
        try:
            await asyncio.wait_for(stopping.wait(), settings.sla_metrics_interval_seconds)
            return
        except TimeoutError:
            pass
