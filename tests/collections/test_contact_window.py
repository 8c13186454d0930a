"""The first permitted contact time as a pure function, across time zones and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from debtflow.collections.contact_policy.rules import ContactWindow, first_permitted_contact

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW = ContactWindow(start=time(8, 0), end=time(21, 0), zone=SHANGHAI)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now_utc", "expected_utc"),
    [
        # Shanghai is UTC+8 all year: 08:00 local = 00:00 UTC, 21:00 local = 13:00 UTC.
        pytest.param("2026-11-27T20:00:00", "2026-11-28T00:00:00", id="04:00-local-waits-for-08:00-same-local-day"),
        pytest.param("2026-11-27T23:59:59", "2026-11-28T00:00:00", id="07:59:59-local-waits-for-08:00"),
        pytest.param("2026-11-28T00:00:00", "2026-11-28T00:00:00", id="exactly-08:00-local-is-now"),
        pytest.param("2026-11-28T04:15:30", "2026-11-28T04:15:30", id="12:15-local-is-now"),
        pytest.param("2026-11-28T12:59:59", "2026-11-28T12:59:59", id="20:59:59-local-is-now"),
        pytest.param("2026-11-28T13:00:00", "2026-11-29T00:00:00", id="exactly-21:00-local-waits-for-next-day"),
        pytest.param("2026-11-28T15:30:00", "2026-11-29T00:00:00", id="23:30-local-waits-for-next-day"),
        pytest.param("2026-12-31T14:00:00", "2027-01-01T00:00:00", id="22:00-local-new-years-eve"),
        pytest.param("2028-02-28T14:00:00", "2028-02-29T00:00:00", id="22:00-local-before-leap-day"),
    ],
)
def test_first_permitted_contact_in_shanghai(now_utc: str, expected_utc: str) -> None:
    result = first_permitted_contact(_utc(now_utc), WINDOW)
    assert result == _utc(expected_utc)
    assert result.utcoffset() == timedelta(0)  # given in UTC, answered in UTC


def test_before_the_window_across_a_utc_date_boundary() -> None:
    # 2026-11-27 17:00 UTC is 2026-11-28 01:00 in Shanghai: the contact is at 08:00 on the local 28th,
    # which is still the 28th in UTC (00:00), not the 27th.
    result = first_permitted_contact(_utc("2026-11-27T17:00:00"), WINDOW)
    assert result.astimezone(SHANGHAI) == datetime(2026, 11, 28, 8, 0, tzinfo=SHANGHAI)
    assert result == _utc("2026-11-28T00:00:00")


def test_after_the_window_across_a_utc_date_boundary() -> None:
    # 2026-11-28 13:30 UTC is 21:30 local: the next local day's 08:00 is 2026-11-29 00:00 UTC.
    result = first_permitted_contact(_utc("2026-11-28T13:30:00"), WINDOW)
    assert result.astimezone(SHANGHAI) == datetime(2026, 11, 29, 8, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Europe/Berlin"])
def test_the_answer_is_in_the_time_zone_it_was_asked_in(zone: str) -> None:
    asked_in = ZoneInfo(zone)
    for now in (datetime(2026, 11, 27, 3, 0, tzinfo=asked_in), datetime(2026, 11, 27, 12, 0, tzinfo=asked_in),
                datetime(2026, 11, 27, 23, 0, tzinfo=asked_in)):
        result = first_permitted_contact(now, WINDOW)
        assert result.tzinfo is asked_in
        assert result.astimezone(SHANGHAI).time() >= WINDOW.start
        assert result >= now


def _is_first_permitted(now: datetime, result: datetime, window: ContactWindow) -> list[str]:
    """What is wrong with `result` as the first permitted contact for `now` (nothing: empty list)."""
    problems = []
    local_now, local_result = now.astimezone(window.zone), result.astimezone(window.zone)
    if result.tzinfo is None:
        problems.append("naive result")
    if result < now:
        problems.append("before now")
    if not window.start <= local_result.time() < window.end:
        problems.append(f"outside the window at {local_result.time()} local")
    inside_now = window.start <= local_now.time() < window.end
    if inside_now and result != now:
        problems.append("inside the window but not now")
    if not inside_now and local_result.time() != window.start:
        problems.append("outside the window but not at the window's start")
    if not inside_now and (result - now) > timedelta(hours=25):
        problems.append("waits more than a day")
    return problems


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        pytest.param("Europe/London", "2026-03-29", id="london-spring-forward"),
        pytest.param("Europe/London", "2026-10-25", id="london-fall-back"),
        pytest.param("America/New_York", "2026-03-08", id="new-york-spring-forward"),
        pytest.param("America/New_York", "2026-11-01", id="new-york-fall-back"),
        pytest.param("Australia/Lord_Howe", "2026-04-05", id="lord-howe-half-hour-shift"),
        pytest.param("America/Santiago", "2026-09-06", id="santiago-midnight-shift"),
        pytest.param("Asia/Shanghai", "2026-11-27", id="shanghai-no-dst"),
    ],
)
def test_around_dst_transitions_the_result_stays_inside_the_window(zone: str, day: str) -> None:
    window = ContactWindow(start=time(8, 0), end=time(21, 0), zone=ZoneInfo(zone))
    start = datetime.fromisoformat(day).replace(tzinfo=UTC) - timedelta(days=1)
    failures = {}
    for step in range(3 * 24 * 4):  # every 15 minutes for three days around the transition
        now = start + timedelta(minutes=15 * step)
        problems = _is_first_permitted(now, first_permitted_contact(now, window), window)
        if problems:
            failures[now.isoformat()] = problems
    assert not failures


@pytest.mark.parametrize(
    ("now_utc", "expected_local"),
    [
        # London spring forward on 2026-03-29 at 01:00 UTC: 00:30 GMT waits for 08:00 BST (07:00 UTC).
        pytest.param("2026-03-29T00:30:00", datetime(2026, 3, 29, 8, 0), id="spring-forward-night"),
        # 21:30 GMT on the eve of spring forward: 08:00 BST the next day, only 9.5 hours later.
        pytest.param("2026-03-28T21:30:00", datetime(2026, 3, 29, 8, 0), id="eve-of-spring-forward"),
        # London falls back on 2026-10-25 at 01:00 UTC; 01:30 local happens twice.
        pytest.param("2026-10-25T00:30:00", datetime(2026, 10, 25, 8, 0), id="fall-back-first-01:30"),
        pytest.param("2026-10-25T01:30:00", datetime(2026, 10, 25, 8, 0), id="fall-back-second-01:30"),
        pytest.param("2026-10-24T20:30:00", datetime(2026, 10, 25, 8, 0), id="eve-of-fall-back"),
    ],
)
def test_london_dst_days(now_utc: str, expected_local: datetime) -> None:
    london = ZoneInfo("Europe/London")
    window = ContactWindow(start=time(8, 0), end=time(21, 0), zone=london)
    result = first_permitted_contact(_utc(now_utc), window)
    assert result == expected_local.replace(tzinfo=london)
    assert result.astimezone(london).replace(tzinfo=None) == expected_local
