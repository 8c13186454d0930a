"""Checks crm's use cases share: the record a move is about, locked (else 404); the move is allowed (else 409
naming the current state); a day the borrower says something happened is not in the future."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.problems import Conflict, InvalidInput, NotFound, field_error

T = TypeVar("T")


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


async def locked_or_404(session: AsyncSession, model: type[T], record_id: uuid.UUID, *, what: str) -> T:
    """The record, locked for the move about to be made (two moves at once queue up), or 404 naming it."""
    record = (await session.scalars(select(model).where(model.id == record_id).with_for_update())).first()  # type: ignore[attr-defined]
    if record is None:
        raise NotFound(f"no {what} {record_id}")
    return record
