"""Topic naming: one topic per producing service, `<topic>.dlq` for its dead letters."""

from __future__ import annotations

DLQ_SUFFIX = ".dlq"


def events_topic(producer: str, prefix: str = "") -> str:
    return f"{prefix}debtflow.{producer}.events"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"
