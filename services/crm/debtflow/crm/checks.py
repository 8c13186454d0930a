"""Checks crm's use cases share: a state machine's move is allowed (else 409 naming the current state), and a
day the borrower says something happened is not in the future."""

from __future__ import annotations

from datetime import date

from debtflow.common.problems import Conflict, InvalidInput, field_error


def require_state(current: str, allowed: tuple[str, ...], *, what: str, move: str) -> None:
    """Refuse `move` unless the record is in one of `allowed` (resolving a resolved dispute is a 409)."""
    if current not in allowed:
        raise Conflict(f"cannot {move} {what}: it is {current}", slug="invalid-transition", current_state=current,
                       allowed_from=list(allowed))


def not_in_future(day: date | None, today: date, field: str) -> date:
    """The day given, or today when none is: what happened (a dispute raised by letter) cannot happen later."""
    if day is None:
        return today
    if day > today:
        raise InvalidInput(f"{field} is in the future", errors=[field_error(field, "not_in_future",
                                                                             f"must be on or before {today}")])
    return day
