"""A borrower's personal data in crm: opened from intake's events (transport context), sealed at rest under crm's
own contexts, opened for answers masked unless the caller holds `pii:read` (each unmasked disclosure logged)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from debtflow.common.auth import Actor
from debtflow.common.events import EncryptedPersonalData
from debtflow.common.logging import get_logger
from debtflow.common.pii import FieldCipher, mask_id_number, mask_name

log = get_logger(__name__)
PII_READ = "pii:read"
#: Associated data: intake encrypts for events under `event.borrower.<field>`; crm stores under its own contexts, so
#: a token copied from an event into crm's table (or the other way) does not decrypt there.
TRANSPORT = "event.borrower"
REST = "crm.borrower"


@dataclass(frozen=True)
class OpenedBorrower:
    """An event's personal data in plain text: held in memory while the event is applied, never stored or logged."""

    name: str | None
    id_number: str | None
    date_of_birth: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    address: str | None

    def __repr__(self) -> str:  # a traceback or a debugger must not print it
        return "OpenedBorrower(...)"


def opened_from_event(cipher: FieldCipher, data: EncryptedPersonalData) -> OpenedBorrower:
    """Decrypt what intake sent; a token that does not decrypt raises PiiError (the event is dead-lettered)."""
    def decrypt(field: str, token: str | None) -> str | None:
        return cipher.decrypt(token, context=f"{TRANSPORT}.{field}") if token is not None else None

    return OpenedBorrower(
        name=decrypt("name", data.name), id_number=decrypt("id_number", data.id_number),
        date_of_birth=decrypt("date_of_birth", data.date_of_birth),
        phones=tuple(decrypt("phone", token) or "" for token in data.phones if token),
        emails=tuple(decrypt("email", token) or "" for token in data.emails if token),
        address=decrypt("address", data.address),
    )


def sealed(cipher: FieldCipher, field: str, value: str | None) -> str | None:
    return cipher.encrypt(value, context=f"{REST}.{field}") if value is not None else None


def unsealed(cipher: FieldCipher, field: str, token: str | None) -> str | None:
    return cipher.decrypt(token, context=f"{REST}.{field}") if token is not None else None


def may_see_personal_data(actor: Actor, *, borrower_id: str, tenant: str, what: str) -> bool:
    """Whether the caller sees values unmasked; each time they do it is logged (who, whom, what kind of record;
    never the values)."""
    unmasked = actor.can(PII_READ)
    if unmasked:
        log.info("personal data disclosed", actor=actor.identity, borrower_id=borrower_id, tenant=tenant, what=what)
    return unmasked


def profile_fields(cipher: FieldCipher, profile: Any, *, unmasked: bool) -> dict[str, str | None]:
    name = unsealed(cipher, "name", profile.name_enc)
    id_number = unsealed(cipher, "id_number", profile.id_number_enc)
    born = unsealed(cipher, "date_of_birth", profile.date_of_birth_enc)
    if not unmasked:
        name = mask_name(name) if name else None
        id_number = mask_id_number(id_number) if id_number else None
        born = f"{born[:4]}-**-**" if born else None
    return {"name": name, "id_number": id_number, "date_of_birth": born}
