"""The AsyncAPI 3.0 document and the event catalogue, generated from the event registry (checked in CI)."""

from __future__ import annotations

import json
from typing import Any

from debtflow.common.events.base import EventPayload, EventRegistry, registry
from debtflow.common.events.envelope import STRUCTURED_CONTENT_TYPE
from debtflow.common.events.topics import dead_letter_topic, events_topic

_COMPONENT_REF = "#/components/schemas/{model}"


def _envelope_schema(model: type[EventPayload]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": f"{model.__name__}Event",
        "description": f"CloudEvents 1.0 structured envelope carrying {model.__name__}.",
        "required": ["specversion", "id", "source", "type", "subject", "time", "correlationid", "data"],
        "additionalProperties": False,
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "format": "uuid", "description": "Unique event id; consumers de-duplicate on it."},
            "source": {"const": f"/services/{model.producer}"},
            "type": {"const": model.event_type},
            "subject": {"type": "string", "description": "The aggregate the event is about (the debt id); also the Kafka key."},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"const": "application/json"},
            "dataschema": {"type": "string"},
            "correlationid": {"type": "string", "description": "Shared by every event caused by one request."},
            "causationid": {"type": "string", "description": "Id of the event that caused this one."},
            "tenant": {"type": "string", "description": "The lender whose borrower or debt this is; absent on "
                       "events older than tenants (then a registration's source system)."},
            "data": {"$ref": _COMPONENT_REF.format(model=model.__name__)},
        },
    }


_HEADERS_SCHEMA = {
    "type": "object",
    "description": "CloudEvents attributes copied into Kafka headers, so consumers can route or skip before decoding.",
    "properties": {
        "content-type": {"const": STRUCTURED_CONTENT_TYPE},
        **{f"ce_{name}": {"type": "string"} for name in
           ("specversion", "id", "type", "source", "subject", "time", "correlationid", "causationid", "tenant")},
    },
}

_DLQ_HEADERS_SCHEMA = {
    "type": "object",
    "description": "The original record's headers plus the failure.",
    "properties": {name: {"type": "string"} for name in (
        "dlq_error_type", "dlq_error_message", "dlq_consumer_group", "dlq_original_topic",
        "dlq_original_partition", "dlq_original_offset", "dlq_attempts", "dlq_failed_at")},
}


def _channel_id(producer: str, dlq: bool = False) -> str:
    return f"{producer}Events" + ("DeadLetters" if dlq else "")


def asyncapi_document(events: EventRegistry = registry) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for producer in events.producers():
        models = [model for model in events.all() if model.producer == producer]
        channel, dlq_channel = _channel_id(producer), _channel_id(producer, dlq=True)
        channels[channel] = {
            "address": events_topic(producer),
            "title": f"Events of the {producer} service",
            "description": "Keyed by debt id: every event of one debt is on one partition, in order. "
                           "A deployment may prefix topic names (DEBTFLOW_TOPIC_PREFIX).",
            "messages": {model.__name__: {"$ref": f"#/components/messages/{model.__name__}"} for model in models},
        }
        channels[dlq_channel] = {
            "address": dead_letter_topic(events_topic(producer)),
            "title": f"Dead letters of {events_topic(producer)}",
            "description": "Records a consumer could not handle after its retries, with the error in headers.",
            "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
        }
        operations[f"publish{producer.title()}Events"] = {
            "action": "send",
            "title": f"{producer} publishes",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{model.__name__}"} for model in models],
        }
        for model in models:
            payload_schema = model.model_json_schema(mode="serialization", ref_template=_COMPONENT_REF)
            for name, definition in payload_schema.pop("$defs", {}).items():
                schemas[name] = definition
            schemas[model.__name__] = payload_schema
            schemas[f"{model.__name__}Event"] = _envelope_schema(model)
            messages[model.__name__] = {
                "name": model.event_type,
                "title": model.__name__,
                "summary": (model.__doc__ or "").strip().splitlines()[0],
                "contentType": STRUCTURED_CONTENT_TYPE.split(";")[0],
                "headers": _HEADERS_SCHEMA,
                "payload": {"$ref": _COMPONENT_REF.format(model=f"{model.__name__}Event")},
                "bindings": {"kafka": {"key": {"type": "string", "description": "The event subject (debt id)."}}},
            }
    messages["DeadLetter"] = {
        "name": "dead-letter",
        "title": "DeadLetter",
        "summary": "The original record, unchanged, with the failure described in headers.",
        "headers": _DLQ_HEADERS_SCHEMA,
        "payload": {},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "debtflow debt-lifecycle events",
            "version": "1.0.0",
            "description": "Events the six debtflow services publish. Generated from the event registry by "
                           "`debtflow docs`; do not edit by hand.",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "embedded": {"host": "127.0.0.1:9092", "protocol": "kafka",
                         "description": "The broker `make run` starts (Tansu, Kafka protocol)."},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def asyncapi_json(events: EventRegistry = registry) -> str:
    return json.dumps(asyncapi_document(events), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def event_catalogue_markdown(events: EventRegistry = registry) -> str:
    """The README's event table: one row per event type."""
    lines = [
        "| event type | producer | topic | what happened |",
        "|---|---|---|---|",
    ]
    for model in events.all():
        summary = (model.__doc__ or "").strip().splitlines()[0]
        lines.append(f"| `{model.event_type}` | {model.producer} | `{events_topic(model.producer)}` | {summary} |")
    return "\n".join(lines)
