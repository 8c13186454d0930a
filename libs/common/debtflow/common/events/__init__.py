"""Debt-lifecycle event schemas, one module per producing service, all registered by CloudEvents type.

A producer's module lists its events in its `__all__`; everything listed there is importable from here.
"""

from debtflow.common.events import classification, collections, credit, crm, intake, legal
from debtflow.common.events.base import EventPayload, EventRegistry, UnknownEventType, event, registry
from debtflow.common.events.classification import *  # noqa: F403
from debtflow.common.events.collections import *  # noqa: F403
from debtflow.common.events.credit import *  # noqa: F403
from debtflow.common.events.crm import *  # noqa: F403
from debtflow.common.events.envelope import CloudEvent, UndecodableEvent, decode_event, event_tenant
from debtflow.common.events.intake import *  # noqa: F403
from debtflow.common.events.legal import *  # noqa: F403
from debtflow.common.events.topics import dead_letter_topic, events_topic

__all__ = [
    "CloudEvent",
    "EventPayload",
    "EventRegistry",
    "UndecodableEvent",
    "UnknownEventType",
    "dead_letter_topic",
    "decode_event",
    "event",
    "event_tenant",
    "events_topic",
    "registry",
    *classification.__all__,
    *collections.__all__,
    *credit.__all__,
    *crm.__all__,
    *intake.__all__,
    *legal.__all__,
]
