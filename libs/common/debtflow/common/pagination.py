"""Keyset pagination, the same on every list endpoint: `limit` and `after` in, `items` and `next_cursor` out.

A cursor is the sort key of the last item of a page, typed and encoded opaquely (base64url of a JSON array), so
a page boundary is stable under inserts and a query never pays for an OFFSET. A service reads one page with
`limit + 1` rows and hands them to `page_of`: the extra row only says that another page exists.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from debtflow.common.problems import InvalidInput, field_error

T = TypeVar("T")
R = TypeVar("R")

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Most items on the page.")]
After = Annotated[str | None, Query(max_length=500, description="`next_cursor` of the previous page; "
                                                                 "omit it for the first page.")]

#: The types a sort key may hold, and how each reads back from its text.
_READERS: dict[type, Callable[[str], Any]] = {
    uuid.UUID: uuid.UUID,
    int: int,
    Decimal: Decimal,
    str: str,
    date: date.fromisoformat,
    datetime: datetime.fromisoformat,
}


class Page(BaseModel, Generic[T]):
    """One page of a list, in the list's order."""

    items: list[T]
    next_cursor: str | None = Field(description="Pass it as `after` to get the next page; null on the last page.")


def encode_cursor(*key: Any) -> str:
    """The cursor of an item whose sort key is `key` (values of the types in _READERS)."""
    text = json.dumps([value.isoformat() if isinstance(value, date) else str(value) for value in key])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type) -> tuple[Any, ...]:
    """The sort key a cursor holds, each value read as `types` says; a 422 naming `after` if it is not one
    this API made (tampered, truncated, or from another list)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError("wrong shape")
        key = tuple(_READERS[kind](value) for kind, value in zip(types, values, strict=True))
        if not all(map(_storable, key)):
            raise ValueError("out of range")
        return key
    except (ValueError, TypeError, InvalidOperation, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("the cursor is not one this API returned", errors=[
            field_error("after", "cursor", "pass the next_cursor of the previous page unchanged", "query")]) from None


def _storable(value: Any) -> bool:
    """A value a database column of its kind can hold (a tampered cursor must not reach SQL and fail there)."""
    if isinstance(value, datetime):
        return value.tzinfo is not None
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, Decimal):
        return value.is_finite()
    return True


def page_of(rows: Sequence[R], limit: int, sort_key: Callable[[R], tuple[Any, ...]]) -> tuple[list[R], str | None]:
    """Cut rows read with `limit + 1` to the page and the cursor of the next one (None when there is none)."""
    items = list(rows[:limit])
    more = len(rows) > limit
    return items, encode_cursor(*sort_key(items[-1])) if more and items else None
