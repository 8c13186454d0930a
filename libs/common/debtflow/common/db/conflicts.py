"""Which database errors mean "another transaction got in the way; try again" rather than a fault."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

#: serialization failure, deadlock detected (PostgreSQL): the transaction was rolled back and can run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def sqlstate(error: DBAPIError) -> str | None:
    """The SQLSTATE of a driver error, however deep the driver wrapped it."""
    original = error.orig
    return getattr(original, "sqlstate", None) or getattr(getattr(original, "__cause__", None), "sqlstate", None)


def lost_to_another_transaction(error: BaseException) -> bool:
    """A deadlock or serialization failure: nothing is wrong with the work, it only has to run again."""
    return isinstance(error, DBAPIError) and sqlstate(error) in RETRYABLE_SQLSTATES
