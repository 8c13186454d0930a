"""Events CRM consumes: every lifecycle event goes on the borrower's timeline."""

from __future__ import annotations

from debtflow.common.messaging.consumer import Handlers
from debtflow.crm.service import record_on_timeline
from debtflow.crm.timeline import DESCRIBERS

HANDLERS: Handlers = {event_type: record_on_timeline for event_type in DESCRIBERS}
