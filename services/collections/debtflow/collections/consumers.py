"""Events collections consumes, mapped to their handlers.

Each capability subscribes a set-based handler to the event types it needs (SUBSCRIPTIONS below). Several may
need one type (intake's payments matter to promises, plans and agencies): `handlers_for` gives each group of types
with the same subscribers one handler that runs them in turn on the same unit of work, each with its own types'
events, so one event is applied by all of them in one transaction, or by none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from debtflow.collections.agencies.recoveries import apply_complaints, apply_payments
from debtflow.collections.agencies.service import apply_holds, recall_closed_cases
from debtflow.collections.agents.service import apply_vulnerabilities
from debtflow.collections.arrangements.service import apply_debt_events
from debtflow.collections.cases.service import (
    apply_outcomes,
    apply_segment_facts,
    assign_strategies,
    resume_paths,
)
from debtflow.collections.channels.contacts import apply_borrower_contacts, apply_contact_points
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.contact_policy.service import (
    CRM_EVENTS,
    apply_borrower_context,
    apply_contact_holds,
)
from debtflow.collections.promises.service import apply_payments as apply_promise_payments
from debtflow.collections.settings import CollectionsSettings
from debtflow.common.db import UnitOfWork
from debtflow.common.events import (
    BorrowerCircumstanceRecorded,
    BorrowerRegistered,
    BorrowerUpdated,
    CloudEvent,
    ComplaintReceived,
    ComplaintResolved,
    ContactPointChanged,
    ContactRestricted,
    DebtClassified,
    DebtRegistered,
    DebtSold,
    DebtUpdated,
    DebtWrittenOff,
    DisputeOpened,
    DisputeResolved,
    HardshipEnded,
    HardshipGranted,
    PaymentReceived,
    PaymentReversed,
    ScoreUpdated,
    VulnerabilityRecorded,
)
from debtflow.common.messaging.consumer import Handlers, set_based

#: crm's events that may lift a hold, which lets a path that stopped at it go on (cases/service.py resume_paths).
HOLD_LIFTING_EVENTS = (DisputeResolved, HardshipEnded, ContactRestricted, BorrowerCircumstanceRecorded,
                       ComplaintResolved)
SetHandler = Callable[[UnitOfWork, list[CloudEvent[Any]]], Awaitable[None]]
Subscription = tuple[tuple[type, ...], SetHandler]


def subscriptions(settings: CollectionsSettings) -> list[Subscription]:
    """Which capability handles which events; the order here is the order they run in for one event."""
    return [
        ((DebtClassified, DebtUpdated, DebtSold, DebtWrittenOff),
         partial(assign_strategies, policy=ContactPolicy.from_settings(settings))),
        ((PaymentReceived, PaymentReversed, ComplaintReceived), apply_outcomes),
        ((DebtRegistered, ScoreUpdated, VulnerabilityRecorded, BorrowerRegistered, BorrowerUpdated), apply_segment_facts),
        ((BorrowerRegistered, BorrowerUpdated), partial(apply_borrower_contacts, cipher=settings.field_cipher)),
        ((ContactPointChanged,), partial(apply_contact_points, cipher=settings.field_cipher)),
        (CRM_EVENTS, partial(apply_contact_holds, business_zone=ZoneInfo(settings.default_timezone))),
        # after the policy's holds: a path goes on once its hold is lifted
        (HOLD_LIFTING_EVENTS, partial(resume_paths, policy=ContactPolicy.from_settings(settings))),
        ((BorrowerRegistered, BorrowerUpdated), apply_borrower_context),
        ((PaymentReceived, PaymentReversed), partial(apply_payments, match_days=settings.agency_payment_match_days)),
        ((DebtClassified, DebtUpdated, DebtSold, DebtWrittenOff, PaymentReceived), recall_closed_cases),
        ((DisputeOpened, HardshipGranted), apply_holds),
        ((ComplaintReceived,), apply_complaints),
        ((PaymentReceived, PaymentReversed), apply_promise_payments),
        ((DebtRegistered, DebtUpdated, PaymentReceived, PaymentReversed),
         partial(apply_debt_events, settings=settings)),
        ((VulnerabilityRecorded,), apply_vulnerabilities),
    ]


def in_turn(parts: Sequence[Subscription]) -> SetHandler:
    """One set-based handler running each subscriber on the events of its own types, in subscription order."""
    async def run(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
        for types, handler in parts:
            mine = [event for event in events if isinstance(event.payload, types)]
            if mine:
                await handler(uow, mine)
    return run


def handlers_for(subs: Sequence[Subscription]) -> Handlers:
    """Types with the same subscribers share one handler object, so the consumer hands it their runs together."""
    subscribers: dict[type, list[Subscription]] = {}
    for sub in subs:
        for event_type in sub[0]:
            subscribers.setdefault(event_type, []).append(sub)
    shared: dict[tuple[int, ...], Any] = {}
    handlers: Handlers = {}
    for event_type, parts in subscribers.items():
        key = tuple(id(part) for part in parts)
        if key not in shared:
            shared[key] = set_based(parts[0][1] if len(parts) == 1 else in_turn(parts))
        handlers[event_type] = shared[key]
    return handlers


def build_handlers(settings: CollectionsSettings) -> Handlers:
    return handlers_for(subscriptions(settings))
