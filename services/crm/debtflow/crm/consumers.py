"""Events CRM consumes, mapped to their handlers: every lifecycle event it can word goes on the timeline."""

from __future__ import annotations

from debtflow.common.messaging.consumer import Handlers
from debtflow.crm.settings import CrmSettings
from debtflow.crm.timeline.service import record_on_timeline
from debtflow.crm.timeline.wording import DESCRIBERS


def build_handlers(settings: CrmSettings) -> Handlers:
    return {event_type: record_on_timeline for event_type in DESCRIBERS}
