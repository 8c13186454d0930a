"""The overdue check crm runs by itself: every `complaint_escalation_interval_seconds`, complaints past a deadline
are escalated (on every replica; the check's row locks keep them from escalating one twice)."""

from __future__ import annotations

from typing import Any

from debtflow.common.clock import utcnow
from debtflow.common.web.jobs import every
from debtflow.crm.complaints.service import escalate_overdue


async def escalate_now(runtime: Any) -> int:
    """One pass: the complaints past a deadline, escalated once each; returns how many."""
    return await escalate_overdue(runtime.uow, now=utcnow())


complaint_escalation = every("complaint_escalation_interval_seconds", escalate_now, name="complaint_escalation",
                             what="overdue complaint escalation")
