"""Events CRM consumes, mapped to their handler: every lifecycle event it can word goes on the timeline, a poll's
run of them in one set-based call; intake's borrower events build the borrower profiles and contact points."""

from __future__ import annotations

from functools import partial

from debtflow.common.events import BorrowerRegistered, BorrowerUpdated
from debtflow.common.messaging.consumer import Handlers, set_based
from debtflow.crm.borrowers.service import apply_borrower_events
from debtflow.crm.settings import CrmSettings
from debtflow.crm.timeline.service import record_on_timeline
from debtflow.crm.timeline.wording import DESCRIBERS


def build_handlers(settings: CrmSettings) -> Handlers:
    timeline = set_based(record_on_timeline)  # one object for every type: a run of them arrives in one call
    # Not on the timeline (no debt, and nothing to word without personal data): one object for both types, so a
    # registration and its updates of one borrower stay in order in one call.
    profiles = set_based(partial(apply_borrower_events, cipher=settings.field_cipher))
    return {**dict.fromkeys(DESCRIBERS, timeline), **dict.fromkeys((BorrowerRegistered, BorrowerUpdated), profiles)}
