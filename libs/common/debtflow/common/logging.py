"""Structured logging: JSON lines carrying the correlation id, with personal data redacted by key."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

#: The correlation id of the request or event being handled; copied into every event emitted meanwhile.
correlation_id_var: ContextVar[str | None] = ContextVar("debtflow_correlation_id", default=None)

# Keys whose values are personal data. Code should never log them; this is the safety net if it does.
_PII_KEYS = frozenset(
    {
        "name", "full_name", "borrower_name", "phone", "phones", "mobile", "email", "emails", "address",
        "id_number", "identity_number", "resident_id", "document_number", "date_of_birth", "birth_date",
        "bank_account", "card_number", "password", "secret", "token", "authorization",
    }
)
REDACTED = "[redacted]"


def redact_personal_data(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: replace the value of any personal-data key, at any depth of dicts."""
    return {key: _redact(key, value) for key, value in event_dict.items()}


def _redact(key: str, value: Any) -> Any:
    if key.lower() in _PII_KEYS:
        return REDACTED
    if isinstance(value, dict):
        return {k: _redact(str(k), v) for k, v in value.items()}
    return value


def _add_correlation_id(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    correlation_id = correlation_id_var.get()
    if correlation_id and "correlation_id" not in event_dict:
        event_dict["correlation_id"] = correlation_id
    return event_dict


def _service_adder(service: str) -> Any:
    def add_service(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def configure_logging(*, service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Route stdlib and structlog output through one pipeline; idempotent."""
    renderer: Any = structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _service_adder(service),  # a processor, not a context variable: request tasks do not inherit lifespan context
        _add_correlation_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_personal_data,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Third-party libraries log through stdlib; keep their noise at WARNING and in the same format.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer,
        ])
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for uvicorn_logger in ("uvicorn", "uvicorn.error"):  # uvicorn installs its own plain-text handlers
        logging.getLogger(uvicorn_logger).handlers[:] = []
        logging.getLogger(uvicorn_logger).propagate = True
    for noisy in ("aiokafka", "kafka", "sqlalchemy.engine", "uvicorn.access", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
