"""CloudEvents 1.0 envelope: structured JSON in the Kafka value, `ce_*` attributes copied into headers."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from debtflow.common.clock import utcnow
from debtflow.common.events.base import EventPayload, EventRegistry, registry

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
PayloadT = TypeVar("PayloadT", bound=EventPayload)


class CloudEvent(BaseModel, Generic[PayloadT]):
    """One debt-lifecycle event: CloudEvents context attributes plus the typed payload in `data`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    specversion: str = "1.0"
    id: str
    source: str
    type: str
    subject: str
    time: AwareDatetime
    datacontenttype: str = "application/json"
    dataschema: str | None = None
    correlationid: str
    causationid: str | None = None
    #: Extension attribute: the lender whose borrower or debt this is (see docs/tenants.md). Absent on events
    #: written before tenants existed; `event_tenant` gives their default.
    tenant: str | None = None
    data: PayloadT

    @classmethod
    def new(
        cls,
        payload: PayloadT,
        *,
        source_service: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        time: datetime | None = None,
        tenant: str | None = None,
    ) -> CloudEvent[PayloadT]:
        event_id = str(uuid.uuid4())
        return cls(
            id=event_id,
            source=f"/services/{source_service}",
            type=payload.event_type,
            subject=payload.subject(),
            time=time or utcnow(),
            dataschema=f"urn:debtflow:schema:{payload.event_type}",
            # The first event of a chain correlates with itself, so every event has a correlation id.
            correlationid=correlation_id or event_id,
            causationid=causation_id,
            tenant=tenant,
            data=payload,
        )

    @property
    def payload(self) -> PayloadT:
        return self.data

    def to_json(self) -> str:
        # Leave out absent optional envelope attributes only; inside `data`, an explicit null is a value.
        absent = {name for name in ("dataschema", "causationid", "tenant") if getattr(self, name) is None}
        return self.model_dump_json(exclude=absent)

    def kafka_headers(self) -> tuple[tuple[str, bytes], ...]:
        return kafka_headers(json.loads(self.to_json()))


def kafka_headers(attributes: dict[str, Any]) -> tuple[tuple[str, bytes], ...]:
    """Headers that let a consumer route or de-duplicate a structured event before decoding the value."""
    headers = {"content-type": STRUCTURED_CONTENT_TYPE}
    for attribute in ("specversion", "id", "type", "source", "subject", "time", "correlationid", "causationid",
                      "tenant"):
        if attributes.get(attribute) is not None:
            headers[f"ce_{attribute}"] = str(attributes[attribute])
    return tuple((name, value.encode()) for name, value in headers.items())


def event_tenant(event: CloudEvent[Any]) -> str | None:
    """The tenant an event is about. Events from before tenants existed carry none: a registration then belongs
    to its source system's tenant (each lending core was its own), anything else is left to the consumer, which
    knows the debt's tenant from its registration."""
    if event.tenant is not None:
        return event.tenant
    source_system = getattr(event.data, "source_system", None)
    return source_system if isinstance(source_system, str) else None


class UndecodableEvent(ValueError):
    """A record that is not a valid CloudEvent of a registered type; it will never decode, so it is dead-lettered."""


def decode_event(value: bytes | str, *, events: EventRegistry = registry, type_hint: str | None = None
                 ) -> CloudEvent[EventPayload]:
    """Parse a structured-mode CloudEvent and validate its data against the registered payload model.

    With `type_hint` (the record's `ce_type` header), the model is known before parsing, so pydantic-core
    validates the JSON bytes directly, without building Python dicts first; if the body says another type,
    or the hint is unknown, the event is decoded the slow way from its own `type`."""
    if type_hint is not None:
        try:
            event = CloudEvent[events.model_for(type_hint)].model_validate_json(value)  # type: ignore[misc]
            if event.type == type_hint:
                return event
        except (ValueError, LookupError, ValidationError):
            pass  # decoded again below, which names what is wrong
    try:
        raw: dict[str, Any] = json.loads(value)
        if not isinstance(raw, dict):
            raise UndecodableEvent("the event is not a JSON object")
        model = events.model_for(str(raw.get("type")))
        return CloudEvent[model].model_validate(raw)  # type: ignore[valid-type]
    except UndecodableEvent:
        raise
    except (ValueError, LookupError, ValidationError) as error:
        raise UndecodableEvent(f"{type(error).__name__}: {_short(error)}") from error


def _short(error: Exception) -> str:
    # Validation messages never include input values here (they could hold personal data).
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors(include_input=False)
        )
    return str(error)[:500]


__all__ = ["CloudEvent", "UndecodableEvent", "decode_event", "event_tenant", "kafka_headers"]
