"""Time helpers: debtflow only ever handles timezone-aware UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def ensure_utc(moment: datetime) -> datetime:
    """Normalise an aware datetime to UTC; a naive one is a programming error, not a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: debtflow requires timezone-aware times")
    return moment.astimezone(UTC)
