"""Time helpers: debtflow only ever handles timezone-aware UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def ensure_utc(moment: datetime) -> datetime:
    """Normalise an aware datetime to UTC; a naive one is a programming error, not a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: debtflow requires timezone-aware times")
    return moment.astimezone(UTC)


def check_time_zone(zone: str) -> str:
    """An IANA time zone name that this machine's zone database knows, e.g. Asia/Shanghai."""
    # Names are short and plain ASCII (tz database Theory: at most 14 characters per part); an over-long one
    # would reach the file system and fail there with OSError.
    if len(zone) > 64 or not zone.isascii() or not zone.isprintable():
        raise ValueError("not an IANA time zone such as Asia/Shanghai")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"not an IANA time zone such as Asia/Shanghai: {zone!r}") from None
    return zone


TimeZoneName = Annotated[str, AfterValidator(check_time_zone)]
