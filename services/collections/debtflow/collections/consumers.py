"""Events collections consumes, mapped to their handlers."""

from __future__ import annotations

from functools import partial

from debtflow.collections.cases.service import assign_strategy
from debtflow.collections.contact_policy.rules import ContactWindow
from debtflow.collections.settings import CollectionsSettings
from debtflow.common.events import DebtClassified
from debtflow.common.messaging.consumer import Handlers


def build_handlers(settings: CollectionsSettings) -> Handlers:
    return {DebtClassified: partial(assign_strategy, window=ContactWindow.from_settings(settings))}
