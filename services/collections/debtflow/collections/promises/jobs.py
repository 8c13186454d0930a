"""The due check collections runs by itself: every `arrangement_check_interval_seconds`, promises past due and
grace are decided, plans with a missed instalment breached and unpaid settlements lapsed (on every replica; the
checks' row locks keep two from deciding one twice)."""

from __future__ import annotations

from typing import Any

from debtflow.collections.arrangements.service import check_due
from debtflow.collections.promises.service import resolve_overdue
from debtflow.common.clock import utcnow
from debtflow.common.web.jobs import every


async def run_due_check(runtime: Any) -> dict[str, int]:
    """One pass: promises decided, plans breached and settlements lapsed (counts; empty when nothing changed)."""
    now = utcnow()
    promises = await resolve_overdue(runtime.uow, now=now)
    arrangements = await check_due(runtime.uow, now=now, settings=runtime.settings)
    return {"promises_decided": promises, "arrangements_changed": arrangements} if promises or arrangements else {}


due_check = every("arrangement_check_interval_seconds", run_due_check, name="due_check",
                  what="promise and arrangement due check")
