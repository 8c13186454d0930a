"""Events CRM consumes, mapped to their handler: every lifecycle event it can word goes on the timeline, a poll's
run of them in one set-based call."""

from __future__ import annotations

from debtflow.common.messaging.consumer import Handlers, set_based
from debtflow.crm.settings import CrmSettings
from debtflow.crm.timeline.service import record_on_timeline
from debtflow.crm.timeline.wording import DESCRIBERS


def build_handlers(settings: CrmSettings) -> Handlers:
    timeline = set_based(record_on_timeline)  # one object for every type: a run of them arrives in one call
    return dict.fromkeys(DESCRIBERS, timeline)
