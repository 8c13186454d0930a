"""Contact timing as pure functions: the local hours a borrower may be contacted in, and the first moment inside them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ContactWindow:
    """The local hours in which a borrower may be contacted."""

    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Any) -> ContactWindow:
        """The window the collections settings configure (`CONTACT_WINDOW_START`/`_END`, `DEFAULT_TIMEZONE`)."""
        return cls(start=settings.contact_window_start, end=settings.contact_window_end,
                   zone=ZoneInfo(settings.default_timezone))


def first_permitted_contact(now: datetime, window: ContactWindow) -> datetime:
    """The earliest instant at or after `now` inside the borrower's local contact window, in `now`'s time zone."""
    local = now.astimezone(window.zone)
    if local.time() < window.start:
        candidate = local.replace(hour=window.start.hour, minute=window.start.minute, second=0, microsecond=0)
    elif local.time() >= window.end:
        next_day = (local + timedelta(days=1)).date()
        candidate = datetime.combine(next_day, window.start, tzinfo=window.zone)
    else:
        candidate = local
    return candidate.astimezone(now.tzinfo)
