"""Dates and instants as APIs take them: ISO 8601 text only (`YYYY-MM-DD`; a time with its UTC offset), within
the years debtflow can mean."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

#: The earliest business date (due dates, as-of dates, disbursements): no loan debtflow holds is older than the
#: Unix epoch, and 0001-01-01 (a default some systems send for "no date") would be 739,000 days past due.
EARLIEST_BUSINESS_DATE = date(1970, 1, 1)
#: The latest: beyond any loan term or limitation period debtflow computes (a 30-year term from today fits).
LATEST_BUSINESS_DATE = date(2100, 12, 31)
#: Dates of birth reach back further than loans do.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_iso_date(value: Any, *, earliest: date, latest: date) -> date:
    """A `YYYY-MM-DD` string (or a date from code) within [earliest, latest]; a datetime, a number, a week date or
    an ordinal date is refused, because a time part would be silently dropped and the others are not meant."""
    if isinstance(value, date) and not hasattr(value, "hour"):  # a datetime is a date too: refuse it
        day = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            # The value is not repeated: it may be a date of birth.
            raise PydanticCustomError("iso_date", "must be a real calendar date (that day does not exist)") from None
    else:
        raise PydanticCustomError("iso_date", "must be a date written YYYY-MM-DD, such as 2026-11-27, with no time")
    if not earliest <= day <= latest:
        raise PydanticCustomError("date_range", "must be between {earliest} and {latest}",
                                  {"earliest": earliest.isoformat(), "latest": latest.isoformat()})
    return day


def _schema(earliest: date, latest: date, description: str) -> WithJsonSchema:
    # formatMinimum/formatMaximum: the range as JSON Schema validators (ajv) and the bad-input battery read it.
    return WithJsonSchema({"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                           "formatMinimum": earliest.isoformat(), "formatMaximum": latest.isoformat(),
                           "description": f"{description} (YYYY-MM-DD, {earliest.isoformat()} to "
                                          f"{latest.isoformat()})", "examples": ["2026-11-27"]})


def _business_date(value: Any) -> date:
    return parse_iso_date(value, earliest=EARLIEST_BUSINESS_DATE, latest=LATEST_BUSINESS_DATE)


def _birth_date(value: Any) -> date:
    return parse_iso_date(value, earliest=EARLIEST_BIRTH_DATE, latest=LATEST_BUSINESS_DATE)


#: Every business date an API takes: due dates, as-of dates, disbursement and maturity dates, re-ageing days.
BusinessDate = Annotated[date, BeforeValidator(_business_date),
                         _schema(EARLIEST_BUSINESS_DATE, LATEST_BUSINESS_DATE, "A calendar date")]
#: A date of birth: older than any business date can be (the schema checks it is in the past).
BirthDate = Annotated[date, BeforeValidator(_birth_date),
                      _schema(EARLIEST_BIRTH_DATE, LATEST_BUSINESS_DATE, "A date of birth")]


_ISO_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})")


def parse_instant(value: Any) -> datetime:
    """An ISO 8601 date and time with its UTC offset (`2026-11-28T09:15:00+08:00`, `...Z`), or an aware datetime
    from code. A number is refused (pydantic would read it as seconds since 1970), and so is a time without an
    offset: which instant it means depends on where it was written."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _ISO_INSTANT.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError("iso_instant", "must be a real date and time (that moment does not exist)"
                                      ) from None
    else:
        raise PydanticCustomError("iso_instant", "must be a date and time with its UTC offset, written "
                                                 "YYYY-MM-DDThh:mm:ss+hh:mm such as 2026-11-28T09:15:00+08:00")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("iso_instant", "must carry its UTC offset, such as +08:00 or Z")
    if not EARLIEST_BUSINESS_DATE <= moment.date() <= LATEST_BUSINESS_DATE:
        raise PydanticCustomError("date_range", "must be between {earliest} and {latest}",
                                  {"earliest": EARLIEST_BUSINESS_DATE.isoformat(),
                                   "latest": LATEST_BUSINESS_DATE.isoformat()})
    return moment


#: An instant an API takes (when a payment was made): ISO 8601 with its offset, in the business date range.
Instant = Annotated[datetime, BeforeValidator(parse_instant), WithJsonSchema({
    "type": "string", "format": "date-time",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$",
    "formatMinimum": f"{EARLIEST_BUSINESS_DATE.isoformat()}T00:00:00Z",
    "formatMaximum": f"{LATEST_BUSINESS_DATE.isoformat()}T23:59:59Z",
    "description": "A date and time with its UTC offset (ISO 8601)", "examples": ["2026-11-28T09:15:00+08:00"]})]
