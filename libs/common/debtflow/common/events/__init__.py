"""Debt-lifecycle event schemas, one module per producing service, all registered by CloudEvents type."""

from debtflow.common.events.base import EventPayload, EventRegistry, UnknownEventType, event, registry
from debtflow.common.events.classification import DebtClassified, FiveTierClass
from debtflow.common.events.collections import (
    DebtEscalatedToLegal,
    DebtRestructured,
    DebtSettled,
    ScheduledAction,
    StrategyAssigned,
)
from debtflow.common.events.credit import ScoreUpdated
from debtflow.common.events.crm import (
    BorrowerCircumstanceRecorded,
    ContactRestricted,
    DisputeOpened,
    DisputeResolved,
    HardshipEnded,
    HardshipGranted,
)
from debtflow.common.events.envelope import CloudEvent, UndecodableEvent, decode_event
from debtflow.common.events.intake import (
    BalanceSnapshot,
    BorrowerRegistered,
    BorrowerUpdated,
    DebtRegistered,
    DebtUpdated,
    EncryptedPersonalData,
    PaymentAllocation,
    PaymentReceived,
    PaymentReversed,
)
from debtflow.common.events.legal import DebtSold, DebtWrittenOff, LegalCaseOpened, LimitationUpdated
from debtflow.common.events.topics import dead_letter_topic, events_topic

__all__ = [
    "BorrowerCircumstanceRecorded",
    "ContactRestricted",
    "DebtRestructured",
    "DisputeOpened",
    "DisputeResolved",
    "HardshipEnded",
    "HardshipGranted",
    "LimitationUpdated",
    "ScoreUpdated",
    "BalanceSnapshot",
    "BorrowerRegistered",
    "BorrowerUpdated",
    "CloudEvent",
    "DebtSettled",
    "DebtSold",
    "DebtUpdated",
    "DebtWrittenOff",
    "EncryptedPersonalData",
    "PaymentAllocation",
    "PaymentReceived",
    "PaymentReversed",
    "DebtClassified",
    "DebtEscalatedToLegal",
    "DebtRegistered",
    "EventPayload",
    "EventRegistry",
    "FiveTierClass",
    "LegalCaseOpened",
    "ScheduledAction",
    "StrategyAssigned",
    "UndecodableEvent",
    "UnknownEventType",
    "dead_letter_topic",
    "decode_event",
    "event",
    "events_topic",
    "registry",
]
