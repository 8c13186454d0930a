"""Phone numbers: national or international forms of the lending cores' region parsed and stored as E.164."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

#: The region national numbers belong to unless a service says otherwise (`DEBTFLOW_PHONE_REGION`).
DEFAULT_REGION = "CN"

# A context variable, not a module global: each app sets it around its own requests (ServiceDefinition's
# request_scopes), so two services or two tests with different regions in one process never see each other's.
_region: ContextVar[str] = ContextVar("phone_region", default=DEFAULT_REGION)

# Digits and the punctuation people write between them. Letters are refused: phonenumbers would read them as a
# keypad word (1-800-FLOWERS) or an extension (x12), and E.164 has room for neither.
_WRITTEN_NUMBER = re.compile(r"\+?[\d\s\-().]+")


class PhoneNumberError(ValueError):
    """A phone number that is not a valid number; the message never repeats it (it is personal data)."""


def check_region(region: str) -> str:
    """A region phonenumbers has numbering plans for: an ISO 3166-1 alpha-2 code such as CN or HK."""
    value = region.strip().upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"not a region with a known numbering plan (ISO 3166-1 alpha-2, e.g. CN): {region!r}")
    return value


def current_region() -> str:
    return _region.get()


@contextmanager
def phone_region(region: str) -> Iterator[None]:
    """National numbers parsed inside this block belong to `region`."""
    token = _region.set(check_region(region))
    try:
        yield
    finally:
        _region.reset(token)


def to_e164(number: str, region: str | None = None) -> str:
    """`number` as E.164 (+8613800138000): E.164 itself, `00`-prefixed international, or national in `region`
    (default: the current region), with spaces, dashes, dots or parentheses."""
    region = region or current_region()
    if not _WRITTEN_NUMBER.fullmatch(number.strip()):
        raise PhoneNumberError(_refusal(region))
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        raise PhoneNumberError(_refusal(region)) from None
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneNumberError(_refusal(region))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _refusal(region: str) -> str:
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    shown = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164) if example else "+8613800138000"
    return f"not a valid phone number for region {region}; send E.164 such as {shown}"


def _validated(number: str) -> str:
    # A custom error type, so a problem names the rule `phone_number` rather than a generic `value_error`.
    try:
        return to_e164(number)
    except PhoneNumberError as error:
        raise PydanticCustomError("phone_number", "{reason}", {"reason": str(error)}) from None


#: A phone number field of a request: stored as E.164 whichever form it came in.
PhoneNumber = Annotated[str, AfterValidator(_validated)]
