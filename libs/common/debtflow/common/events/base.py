"""Event payload base class and the registry from CloudEvents `type` to payload model."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

_TYPE_PATTERN = re.compile(r"^debtflow\.[a-z_]+\.[a-z_]+\.v[1-9][0-9]*$")


class EventPayload(BaseModel):
    """Business facts of one event. Subclasses are registered with :func:`event`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str] = ""
    producer: ClassVar[str] = ""

    def subject(self) -> str:
        """The aggregate the event is about; also the Kafka key. Debt events are keyed by debt id."""
        return str(self.debt_id)


P = TypeVar("P", bound=type[EventPayload])


class EventRegistry:
    """Maps event types to payload models; the source of JSON Schemas and the AsyncAPI document."""

    def __init__(self) -> None:
        self._by_type: dict[str, type[EventPayload]] = {}

    def register(self, model: type[EventPayload]) -> None:
        existing = self._by_type.get(model.event_type)
        if existing is not None and existing is not model:
            raise ValueError(f"event type {model.event_type} registered twice ({existing.__name__}, {model.__name__})")
        self._by_type[model.event_type] = model

    def model_for(self, event_type: str) -> type[EventPayload]:
        try:
            return self._by_type[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._by_type

    def all(self) -> list[type[EventPayload]]:
        return sorted(self._by_type.values(), key=lambda model: (model.producer, model.event_type))

    def producers(self) -> list[str]:
        return sorted({model.producer for model in self._by_type.values()})

    def json_schema(self, event_type: str) -> dict[str, Any]:
        return self.model_for(event_type).model_json_schema(mode="serialization")


class UnknownEventType(LookupError):
    """An event type no payload model is registered for."""


registry = EventRegistry()


def event(event_type: str, *, producer: str) -> Callable[[P], P]:
    """Class decorator: declare a payload model's CloudEvents type and producing service."""
    if not _TYPE_PATTERN.fullmatch(event_type):
        raise ValueError(f"event type {event_type!r} must look like debtflow.<aggregate>.<past_tense>.v<N>")

    def decorate(model: P) -> P:
        model.event_type = event_type
        model.producer = producer
        registry.register(model)
        return model

    return decorate
