"""Events collections consumes, mapped to their handlers."""

from __future__ import annotations

from functools import partial

from debtflow.collections.cases.service import assign_strategies
from debtflow.collections.channels.contacts import apply_borrower_contacts, apply_contact_points
from debtflow.collections.contact_policy.rules import ContactWindow
from debtflow.collections.settings import CollectionsSettings
from debtflow.common.events import BorrowerRegistered, BorrowerUpdated, ContactPointChanged, DebtClassified
from debtflow.common.messaging.consumer import Handlers, set_based


def build_handlers(settings: CollectionsSettings) -> Handlers:
    return {DebtClassified: set_based(partial(assign_strategies, window=ContactWindow.from_settings(settings))),
            **dict.fromkeys((BorrowerRegistered, BorrowerUpdated),
                            set_based(partial(apply_borrower_contacts, cipher=settings.field_cipher))),
            ContactPointChanged: set_based(partial(apply_contact_points, cipher=settings.field_cipher))}
