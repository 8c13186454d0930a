"""Events classification consumes: every one goes to one set-based handler, so a poll's run is applied at once."""

from __future__ import annotations

from functools import partial

from debtflow.classification.facts.service import FACTS_EVENTS, classify_events
from debtflow.classification.settings import ClassificationSettings
from debtflow.common.messaging.consumer import Handlers, set_based


def build_handlers(settings: ClassificationSettings) -> Handlers:
    # One handler object for every type: a debt's registration, payments and flags in one poll form one run.
    handler = set_based(partial(classify_events, zone=settings.zone))
    return dict.fromkeys(FACTS_EVENTS, handler)
