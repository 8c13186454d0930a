"""Keeps the SLA figures on /metrics current without anyone asking for the report."""

from __future__ import annotations

from typing import Any

from debtflow.collections.sla.service import sla_report
from debtflow.common.clock import utcnow
from debtflow.common.web.jobs import every


async def refresh_sla_figures(runtime: Any) -> None:
    """One pass: the SLA recomputed (no breach list) and its gauges set."""
    settings = runtime.settings
    async with runtime.sessions() as session:
        await sla_report(session, runtime.metrics, now=utcnow(), limit=1,
                         first_action_hours=settings.sla_first_action_target_hours,
                         running_days=settings.sla_running_strategy_target_days)


# At once on start (the gauges exist from the first scrape), then every interval.
sla_metrics = every("sla_metrics_interval_seconds", refresh_sla_figures, name="sla_metrics", what="SLA figures",
                    wait_first=False)
