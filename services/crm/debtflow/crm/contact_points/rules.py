"""Contact point rules as plain functions: a value in its one stored form per kind, its mask, and which of a
borrower's lending-core contact points a new listing from the core adds, keeps, brings back or retires."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from debtflow.common.phones import PhoneNumberError, to_e164
from debtflow.common.pii import check_email, mask_address, mask_email, mask_phone

KINDS = ("phone", "email", "address")
SOURCES = ("lending_core", "borrower", "agent")
BELONGS_TO = ("borrower", "third_party")
RELATIONSHIPS = ("emergency_contact", "family", "employer", "other")
VERIFICATIONS = ("unverified", "verified", "failed")
DO_NOT_USE_REASONS = ("wrong_number", "number_reassigned", "borrower_request", "other")
STATUSES = ("active", "retired")
#: Longest value per kind: E.164 is at most 16 characters; RFC 5321 caps an address at 254; intake's address 300.
MAX_LENGTH = {"phone": 32, "email": 254, "address": 300}


class ContactValueError(ValueError):
    """A value that is not a valid value of its kind; the message never repeats it (it is personal data)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def normalised(kind: str, value: str, *, phone_region: str) -> str:
    """The value as it is stored and matched: a phone in E.164 (national numbers read in `phone_region`), an
    email as checked, an address trimmed."""
    if len(value) > MAX_LENGTH[kind]:
        raise ContactValueError("too_long", f"a {kind} has at most {MAX_LENGTH[kind]} characters")
    if kind == "phone":
        try:
            return to_e164(value, phone_region)
        except PhoneNumberError as error:
            raise ContactValueError("phone_number", str(error)) from None
    if kind == "email":
        try:
            return check_email(value)
        except ValueError as error:
            raise ContactValueError("email", str(error)) from None
    address = value.strip()
    if not address:
        raise ContactValueError("address", "an address cannot be blank")
    return address


def masked(kind: str, value: str) -> str:
    if kind == "phone":
        return mask_phone(value)
    if kind == "email":
        return mask_email(value)
    return mask_address(value)


@dataclass(frozen=True)
class Held:
    """What the listing rule needs to know of a contact point the borrower already has."""

    key: Any  # whatever the caller uses to find the row again
    kind: str
    lookup_hash: str
    source: str
    belongs_to: str
    status: str


@dataclass
class ListingOutcome:
    """What a lending core's new listing does: values to add (kind, value), points to bring back or retire."""

    added: list[tuple[str, str]] = field(default_factory=list)
    reactivated: list[Any] = field(default_factory=list)
    retired: list[Any] = field(default_factory=list)


def apply_listing(held: Sequence[Held], listed: Iterable[tuple[str, str, str]]) -> ListingOutcome:
    """`listed`: (kind, value, lookup hash) the core now gives for the borrower themselves. A value the borrower
    already has (from any source) is kept as it is, flags and all; one only retired comes back (with its
    do-not-use mark, so a number proven wrong stays marked); a lending-core point no longer listed is retired.
    Points agents or the borrower gave are the core's business never: a listing does not retire them."""
    outcome = ListingOutcome()
    own = [point for point in held if point.belongs_to == "borrower"]
    wanted: dict[tuple[str, str], str] = {}
    for kind, value, digest in listed:
        wanted.setdefault((kind, digest), value)
    for (kind, digest), value in wanted.items():
        same = [point for point in own if (point.kind, point.lookup_hash) == (kind, digest)]
        if any(point.status == "active" for point in same):
            continue
        retired = [point for point in same if point.source == "lending_core"]
        if retired:
            outcome.reactivated.append(retired[0].key)
        else:
            outcome.added.append((kind, value))
    for point in own:
        if (point.source == "lending_core" and point.status == "active"
                and (point.kind, point.lookup_hash) not in wanted):
            outcome.retired.append(point.key)
    return outcome
