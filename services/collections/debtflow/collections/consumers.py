"""Events collections consumes, mapped to their handlers."""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

from debtflow.common.events import DebtClassified
from debtflow.common.messaging.consumer import Handlers
from debtflow.collections.service import assign_strategy
from debtflow.collections.settings import CollectionsSettings
from debtflow.collections.strategy import ContactWindow


def build_handlers(settings: CollectionsSettings) -> Handlers:
    window = ContactWindow(
        start=settings.contact_window_start, end=settings.contact_window_end, zone=ZoneInfo(settings.default_timezone)
    )
    return {DebtClassified: partial(assign_strategy, window=window)}
