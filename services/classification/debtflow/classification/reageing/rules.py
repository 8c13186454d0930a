"""Which days a requested re-ageing run may age debts to, as a pure rule."""

from __future__ import annotations

from datetime import date, timedelta


def latest_day_to_age_to(today: date) -> date:
    """Tomorrow at the latest: a run scheduled just before midnight for the next business day is fine, but
    ageing debts further ahead would report them later than they are."""
    return today + timedelta(days=1)
