"""Strategy selection and contact timing as pure functions: which strategy a bucket gets, when to act first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Strategy:
    code: str
    description: str
    first_channel: str


#: Gentle early, firmer later: the default strategy of each DPD bucket.
DEFAULT_STRATEGIES: dict[str, Strategy] = {
    "M0": Strategy("early-reminder", "Courtesy SMS reminder before the debt ages", "sms"),
    "M1": Strategy("early-reminder", "Courtesy SMS reminder, then a call if unanswered", "sms"),
    "M2": Strategy("early-call", "Phone contact to agree a payment or promise to pay", "call"),
    "M3": Strategy("intensive-call", "Regular calls by experienced collectors; payment plans offered", "call"),
    "M4": Strategy("formal-demand", "Formal demand letter, then calls; settlements considered", "letter"),
    "M5": Strategy("formal-demand", "Formal demand letter, then calls; settlements considered", "letter"),
    "M6": Strategy("pre-legal", "Final notice before legal review", "letter"),
    "M6+": Strategy("agency-recovery", "Placement with a collection agency; legal review", "agency"),
}
FALLBACK_STRATEGY = DEFAULT_STRATEGIES["M6+"]


def strategy_for_bucket(bucket: str) -> Strategy:
    """The default strategy of a bucket; buckets this table does not know get the most senior one."""
    return DEFAULT_STRATEGIES.get(bucket, FALLBACK_STRATEGY)


@dataclass(frozen=True)
class ContactWindow:
    """The local hours in which a borrower may be contacted."""

    start: time
    end: time
    zone: ZoneInfo


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
