"""Borrower personal data: encrypted for storage, re-encrypted for events, decrypted and masked for answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from debtflow.common.events import EncryptedPersonalData
from debtflow.common.pii import (
    FieldCipher,
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)
from debtflow.intake.borrowers.schemas import BorrowerIn

#: Associated data for values at rest and in events: a ciphertext only decrypts where it was made for.
REST = "intake.borrower"
TRANSPORT = "event.borrower"


@dataclass(frozen=True)
class SealedBorrower:
    """BorrowerIn as it is stored: every personal field encrypted, plus the keyed hashes used for lookup."""

    columns: dict[str, Any]
    contact_hashes: list[tuple[str, str]]  # (kind, hash)
    content_hash: str


def seal(cipher: FieldCipher, borrower: BorrowerIn | None) -> SealedBorrower:
    data = borrower or BorrowerIn()
    encrypt = _encryptor(cipher, REST)
    columns = {
        "id_type": data.id_type,
        "name_enc": encrypt("name", data.name),
        "id_number_enc": encrypt("id_number", data.id_number),
        "id_number_hash": cipher.lookup_hash(data.id_number, context="id_number") if data.id_number else None,
        "phones_enc": [encrypt("phone", phone) for phone in data.phones],
        "emails_enc": [encrypt("email", email) for email in data.emails],
        "address_enc": encrypt("address", data.address),
        "date_of_birth_enc": encrypt("date_of_birth", data.date_of_birth.isoformat() if data.date_of_birth else None),
        "region": data.region,
        "timezone": data.timezone,
    }
    hashes = [("phone", cipher.lookup_hash(phone, context="phone")) for phone in data.phones]
    hashes += [("email", cipher.lookup_hash(email, context="email")) for email in data.emails]
    return SealedBorrower(columns, hashes, content_hash(cipher, data))


def content_hash(cipher: FieldCipher, borrower: BorrowerIn) -> str:
    """A keyed hash of all the borrower's data: equal hashes mean nothing changed."""
    canonical = json.dumps(borrower.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return cipher.lookup_hash(canonical, context="borrower.content")


def for_event(cipher: FieldCipher, borrower: BorrowerIn | None) -> EncryptedPersonalData:
    """The same data encrypted under the transport context, for the services that hold the key ring (crm)."""
    data = borrower or BorrowerIn()
    encrypt = _encryptor(cipher, TRANSPORT)
    return EncryptedPersonalData(
        name=encrypt("name", data.name),
        id_number=encrypt("id_number", data.id_number),
        phones=tuple(encrypt("phone", phone) or "" for phone in data.phones),
        emails=tuple(encrypt("email", email) or "" for email in data.emails),
        address=encrypt("address", data.address),
        date_of_birth=encrypt("date_of_birth", data.date_of_birth.isoformat() if data.date_of_birth else None),
    )


def open_for(cipher: FieldCipher, row: Any, *, unmasked: bool) -> dict[str, Any]:
    """Decrypt a stored borrower for an answer, masking every personal field unless `unmasked`."""
    decrypt = _decryptor(cipher, REST)
    name, id_number = decrypt("name", row.name_enc), decrypt("id_number", row.id_number_enc)
    phones = [decrypt("phone", token) or "" for token in row.phones_enc]
    emails = [decrypt("email", token) or "" for token in row.emails_enc]
    address, born = decrypt("address", row.address_enc), decrypt("date_of_birth", row.date_of_birth_enc)
    if not unmasked:
        name = mask_name(name) if name else None
        id_number = mask_id_number(id_number) if id_number else None
        phones = [mask_phone(phone) for phone in phones]
        emails = [mask_email(email) for email in emails]
        address = mask_address(address) if address else None
        born = f"{born[:4]}-**-**" if born else None
    return {"name": name, "id_number": id_number, "phones": phones, "emails": emails, "address": address,
            "date_of_birth": born}


def unseal(cipher: FieldCipher, row: Any) -> BorrowerIn:
    """A stored borrower decrypted back to what lending cores send, to merge a later default into (never answered:
    answers go through `open_for`, which masks)."""
    opened = open_for(cipher, row, unmasked=True)
    born = opened.pop("date_of_birth")
    # The stored values passed validation when they came in; revalidating could refuse what rules since tightened.
    return BorrowerIn.model_construct(**opened, id_type=row.id_type, region=row.region, timezone=row.timezone,
                                      date_of_birth=date.fromisoformat(born) if born else None)


def _encryptor(cipher: FieldCipher, scope: str) -> Any:
    def encrypt(field: str, value: str | None) -> str | None:
        return cipher.encrypt(value, context=f"{scope}.{field}") if value is not None else None

    return encrypt


def _decryptor(cipher: FieldCipher, scope: str) -> Any:
    def decrypt(field: str, token: str | None) -> str | None:
        return cipher.decrypt(token, context=f"{scope}.{field}") if token is not None else None

    return decrypt
