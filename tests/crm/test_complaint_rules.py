"""Complaint rules without a database: business days (weekends, holidays, the year's end), the deadlines in the
lender's time zone, which complaints pause collection, and which deadlines are escalated once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from debtflow.crm.complaints import rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
NATIONAL_DAY = frozenset(date(2026, 10, day) for day in range(1, 8))
NEW_YEAR = frozenset({date(2027, 1, 1)})


def policy(*, acknowledge: int = 1, resolve: int = 15, unit: rules.ResolveUnit = "calendar",
           holidays: frozenset[date] = frozenset()) -> rules.DeadlinePolicy:
    return rules.DeadlinePolicy(acknowledge_business_days=acknowledge, resolve_days=resolve, resolve_unit=unit,
                                holidays=holidays, zone=SHANGHAI)


def local_end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("start", "days", "holidays", "expected"), [
    (date(2026, 12, 4), 1, frozenset(), date(2026, 12, 7)),        # Friday + 1: Monday
    (date(2026, 12, 5), 1, frozenset(), date(2026, 12, 7)),        # Saturday + 1: Monday
    (date(2026, 12, 7), 1, frozenset(), date(2026, 12, 8)),        # Monday + 1: Tuesday
    (date(2026, 12, 4), 5, frozenset(), date(2026, 12, 11)),       # a working week over the weekend
    (date(2026, 9, 30), 1, NATIONAL_DAY, date(2026, 10, 8)),       # the Golden Week is skipped
    (date(2026, 12, 31), 1, NEW_YEAR, date(2027, 1, 4)),           # over the year's end and New Year's Day
    (date(2026, 12, 31), 1, frozenset(), date(2027, 1, 1)),        # without the holiday, the Friday
    (date(2026, 12, 6), 0, frozenset(), date(2026, 12, 7)),        # 0 on a Sunday: the next business day
    (date(2026, 12, 4), 0, frozenset(), date(2026, 12, 4)),        # 0 on a business day: that day
])
def test_business_days_skip_weekends_and_holidays(start: date, days: int, holidays: frozenset[date],
                                                  expected: date) -> None:
    assert rules.add_business_days(start, days, holidays) == expected


def test_a_negative_count_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="negative"):
        rules.add_business_days(date(2026, 12, 4), -1, frozenset())


def test_a_friday_complaint_is_acknowledged_by_the_end_of_monday_and_resolved_within_15_days() -> None:
    friday_evening = datetime(2026, 12, 4, 20, 0, tzinfo=SHANGHAI)
    due = rules.deadlines(friday_evening, policy())
    assert due.acknowledge_by == local_end_of(date(2026, 12, 7))
    assert due.resolve_by == local_end_of(date(2026, 12, 19))  # 15 calendar days, a Saturday included
    assert due.acknowledge_by.astimezone(UTC) == datetime(2026, 12, 7, 15, 59, 59, 999999, tzinfo=UTC)


def test_the_day_of_receipt_is_the_lenders_day_not_utcs() -> None:
    # 16:30 UTC on Thursday is 00:30 on Friday in Shanghai: received on Friday, acknowledged by Monday.
    due = rules.deadlines(datetime(2026, 12, 3, 16, 30, tzinfo=UTC), policy())
    assert due.acknowledge_by == local_end_of(date(2026, 12, 7))


def test_holidays_move_the_deadlines_and_business_resolution_days_skip_them() -> None:
    before_golden_week = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    calendar = rules.deadlines(before_golden_week, policy(holidays=NATIONAL_DAY))
    assert calendar.acknowledge_by == local_end_of(date(2026, 10, 8))
    assert calendar.resolve_by == local_end_of(date(2026, 10, 15))
    business = rules.deadlines(before_golden_week, policy(resolve=15, unit="business", holidays=NATIONAL_DAY))
    # 15 business days from Wednesday 30 September: 8, 9, 12-16, 19-23, 26, 27, 28 October.
    assert business.resolve_by == local_end_of(date(2026, 10, 28))


def test_the_resolution_deadline_is_never_before_the_acknowledgement() -> None:
    due = rules.deadlines(datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI), policy(acknowledge=2, resolve=0))
    assert due.resolve_by == due.acknowledge_by == local_end_of(date(2026, 12, 8))


@pytest.mark.parametrize(("category", "setting", "pauses"), [
    ("aggressive_collection", True, True),
    ("contact_outside_hours_or_too_often", True, True),
    ("third_party_contact", True, True),
    ("privacy", True, True),
    ("wrong_amount", True, False),   # a matter for a dispute, which stops collection itself
    ("other", True, False),
    ("aggressive_collection", False, False),
])
def test_conduct_complaints_pause_collection_when_the_setting_says_so(category: str, setting: bool,
                                                                     pauses: bool) -> None:
    assert rules.pauses_collection(category, setting=setting) is pauses


def test_each_missed_deadline_is_escalated_once() -> None:
    due = rules.deadlines(datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI), policy())
    state = {"acknowledge_by": due.acknowledge_by, "resolve_by": due.resolve_by, "acknowledged": False,
             "resolved": False, "acknowledgement_escalated": False, "resolution_escalated": False}
    assert rules.missed_deadlines(now=due.acknowledge_by, **state) == ()  # the deadline's last instant is in time
    after_monday = due.acknowledge_by + timedelta(microseconds=1)
    assert rules.missed_deadlines(now=after_monday, **state) == ("acknowledgement",)
    assert rules.missed_deadlines(now=after_monday, **{**state, "acknowledgement_escalated": True}) == ()
    assert rules.missed_deadlines(now=after_monday, **{**state, "acknowledged": True}) == ()
    late = due.resolve_by + timedelta(hours=1)
    assert rules.missed_deadlines(now=late, **state) == ("acknowledgement", "resolution")
    assert rules.missed_deadlines(now=late, **{**state, "acknowledged": True}) == ("resolution",)
    assert rules.missed_deadlines(now=late, **{**state, "resolved": True}) == ()


def test_an_upheld_complaint_names_a_fault() -> None:
    assert rules.root_cause_problem("upheld", "no_fault") is not None
    assert rules.root_cause_problem("partly_upheld", "no_fault") is not None
    assert rules.root_cause_problem("upheld", "agent_conduct") is None
    assert rules.root_cause_problem("rejected", "no_fault") is None
