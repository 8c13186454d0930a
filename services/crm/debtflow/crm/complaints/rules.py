"""Complaint rules as plain functions: business days, the acknowledgement and resolution deadlines, which
categories are about collection conduct, and which deadlines an open complaint has missed. No I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from debtflow.common.events.crm import (
    ComplaintCategory,
    ComplaintOutcome,
    ComplaintRootCause,
    ComplaintSeverity,
)

# The event contract names the values; the API takes the same ones.
Category = ComplaintCategory
Severity = ComplaintSeverity
Outcome = ComplaintOutcome
RootCause = ComplaintRootCause
ResolveUnit = Literal["calendar", "business"]
Missed = Literal["acknowledgement", "resolution"]

#: Complaints about how collection was done, not about what is owed. While one is open, going on collecting the
#: same way could repeat the harm complained of, so these may pause collection (the `complaint_pauses_collection`
#: setting). Privacy is here because in collection it means telling others of the debt or misusing the borrower's
#: data, which the conduct rules forbid as they forbid threats. A wrong amount is a matter for a dispute (which
#: stops collection by itself); `other` is unknown until reviewed.
CONDUCT_CATEGORIES: frozenset[str] = frozenset({
    "aggressive_collection", "contact_outside_hours_or_too_often", "third_party_contact", "privacy"})

#: Outcomes that say we were at fault: they cannot carry the root cause `no_fault`.
FAULT_FOUND: frozenset[str] = frozenset({"upheld", "partly_upheld"})


def is_business_day(day: date, holidays: frozenset[date]) -> bool:
    """Monday to Friday, and not one of the configured public holidays."""
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: date, days: int, holidays: frozenset[date]) -> date:
    """The business day `days` business days after `start` (a Friday plus one is the Monday). With 0: `start`
    itself if it is a business day, else the next one (a complaint on a Sunday is handled from Monday)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    if days == 0:
        while not is_business_day(day, holidays):
            day += timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            counted += 1
    return day


@dataclass(frozen=True)
class DeadlinePolicy:
    """The configured deadlines: acknowledge within N business days, resolve within M (calendar or business) days,
    counted in the lender's business time zone."""

    acknowledge_business_days: int
    resolve_days: int
    resolve_unit: ResolveUnit
    holidays: frozenset[date]
    zone: ZoneInfo


@dataclass(frozen=True)
class Deadlines:
    acknowledge_by: datetime
    resolve_by: datetime


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last instant of `day` where the lender is: a deadline "by Monday" lasts all of Monday there."""
    return datetime.combine(day, time.max, zone)


def deadlines(received_at: datetime, policy: DeadlinePolicy) -> Deadlines:
    """When a complaint received at `received_at` must be acknowledged and resolved."""
    received_on = received_at.astimezone(policy.zone).date()
    acknowledge_on = add_business_days(received_on, policy.acknowledge_business_days, policy.holidays)
    if policy.resolve_unit == "business":
        resolve_on = add_business_days(received_on, policy.resolve_days, policy.holidays)
    else:
        resolve_on = received_on + timedelta(days=policy.resolve_days)
    # A resolution is also an answer: its deadline is never before the acknowledgement's (0 resolve days).
    resolve_on = max(resolve_on, acknowledge_on)
    return Deadlines(end_of_day(acknowledge_on, policy.zone), end_of_day(resolve_on, policy.zone))


def pauses_collection(category: str, *, setting: bool) -> bool:
    """Whether a new complaint pauses collection on its debt until it is resolved."""
    return setting and category in CONDUCT_CATEGORIES


def missed_deadlines(*, now: datetime, acknowledge_by: datetime, resolve_by: datetime, acknowledged: bool,
                     resolved: bool, acknowledgement_escalated: bool, resolution_escalated: bool) -> tuple[Missed, ...]:
    """The deadlines an open complaint has passed that were not escalated yet: each one is escalated once."""
    if resolved:
        return ()
    missed: list[Missed] = []
    if not acknowledged and not acknowledgement_escalated and now > acknowledge_by:
        missed.append("acknowledgement")
    if not resolution_escalated and now > resolve_by:
        missed.append("resolution")
    return tuple(missed)


def root_cause_problem(outcome: str, root_cause: str) -> str | None:
    """Why a resolution's root cause contradicts its outcome, or None: an upheld complaint found a fault."""
    if outcome in FAULT_FOUND and root_cause == "no_fault":
        return f"a complaint {outcome.replace('_', ' ')} found a fault: name its root cause, not no_fault"
    return None
