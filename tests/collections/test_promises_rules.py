"""Promise outcomes from random payment sequences, without a database: kept iff the amount was paid by the end of
the due date plus grace (in the lender's calendar), partly kept iff something was, else broken; reversals undo."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from debtflow.collections.promises.rules import CountedPayment, deadline, outcome

MADE_AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
ZONES = st.sampled_from([ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("UTC")])
cents = st.integers(min_value=1, max_value=500_000).map(lambda value: Decimal(value).scaleb(-2))
payments = st.lists(st.tuples(st.integers(min_value=-48, max_value=24 * 20), cents, st.booleans()), max_size=8)


def _counted(entries: list[tuple[int, Decimal, bool]]) -> list[CountedPayment]:
    return [CountedPayment(str(index), MADE_AT + timedelta(hours=hours), amount, reversed_)
            for index, (hours, amount, reversed_) in enumerate(entries)]


@settings(max_examples=200, deadline=None)
@given(amount=cents, entries=payments, due_in=st.integers(min_value=0, max_value=10),
       grace=st.integers(min_value=0, max_value=5), zone=ZONES)
def test_a_promise_past_its_deadline_is_kept_partly_kept_or_broken_by_what_was_paid_in_time(
        amount: Decimal, entries: list[tuple[int, Decimal, bool]], due_in: int, grace: int, zone: ZoneInfo) -> None:
    due_on: date = MADE_AT.astimezone(zone).date() + timedelta(days=due_in)
    end = deadline(due_on, grace, zone)
    counted = _counted(entries)
    # Stated the other way round: a payment counts when its local date is no later than due_on + grace.
    in_time = sum((p.amount for p in counted if not p.reversed and p.paid_at >= MADE_AT
                   and p.paid_at.astimezone(zone).date() <= due_on + timedelta(days=grace)), Decimal(0))
    after = end + timedelta(days=30)
    expected = "kept" if in_time >= amount else "partly_kept" if in_time > 0 else "broken"
    assert outcome(amount, MADE_AT, end, counted, after) == expected
    assert outcome(amount, MADE_AT, end, counted, MADE_AT) in ({"kept"} if in_time >= amount else {"open", "kept"})


@settings(max_examples=200, deadline=None)
@given(amount=cents, entries=payments, extra=st.tuples(st.integers(min_value=0, max_value=100), cents))
def test_a_reversed_payment_changes_nothing(amount: Decimal, entries: list[tuple[int, Decimal, bool]],
                                            extra: tuple[int, Decimal]) -> None:
    end = deadline(date(2026, 12, 5), 2, ZoneInfo("Asia/Shanghai"))
    counted = _counted(entries)
    with_reversed = [*counted, CountedPayment("x", MADE_AT + timedelta(hours=extra[0]), extra[1], reversed=True)]
    for now in (MADE_AT, end + timedelta(days=1)):
        assert outcome(amount, MADE_AT, end, with_reversed, now) == outcome(amount, MADE_AT, end, counted, now)
