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


_TRACEBACK_START = "Traceback (most recent call last):"


def _traceback_as_exception(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """uvicorn logs a failed lifespan's traceback as the message itself: file it where tracebacks go."""
    event = event_dict.get("event")
    if isinstance(event, str) and event.startswith(_TRACEBACK_START) and "exception" not in event_dict:
        event_dict["exception"] = event.rstrip("\n")
        event_dict["event"] = event_dict["exception"].rsplit("\n", 1)[-1]  # the exception's own line
    return event_dict


def _shared_processors(service: str) -> list[Any]:
    """What every event gets, whether logged through structlog or through stdlib by a library."""
    return [
        structlog.contextvars.merge_contextvars,
        # A processor, not a context variable: request tasks do not inherit the lifespan's context.
        *([_service_adder(service)] if service else []),
        _add_correlation_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_personal_data,
    ]


def _rendering(fmt: str) -> list[Any]:
    if fmt == "json":
        # A traceback becomes the event's `exception` field: one JSON object per line, exceptions included.
        return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    return [structlog.dev.ConsoleRenderer()]  # renders exc_info itself, readably


def stdlib_formatter(*, service: str = "", fmt: str = "json") -> logging.Formatter:
    """A stdlib formatter in debtflow's format, for records from libraries (uvicorn, aiokafka, alembic, ...).

    Also usable from a `logging.config.dictConfig` file, e.g. uvicorn's `--log-config`
    (`{"()": "debtflow.common.logging.stdlib_formatter", "fmt": "json"}`).
    """
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(service), _traceback_as_exception],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *_rendering(fmt)],
    )


def configure_logging(*, service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Route stdlib and structlog output through one pipeline; idempotent."""
    structlog.configure(
        processors=[*_shared_processors(service), *_rendering(fmt)],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Third-party libraries log through stdlib; keep their noise at WARNING and in the same format.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(stdlib_formatter(service=service, fmt=fmt))
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
