"""Personal data: AES-GCM field encryption with rotating key ids, keyed lookup hashes, validation and masking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

#: Development keys, published in this repository: start-up refuses them outside development mode.
DEVELOPMENT_PII_KEYS = "dev1:" + base64.b64encode(b"debtflow-dev-pii-key-32-bytes!!!").decode()
DEVELOPMENT_PII_HMAC_KEY = "debtflow-development-lookup-hash-key"
_TOKEN_VERSION = "v1"
_NONCE_BYTES = 12


class PiiError(ValueError):
    """A value could not be decrypted (unknown key id, tampered or swapped ciphertext)."""


def parse_keyring(spec: str) -> dict[str, bytes]:
    """`kid:base64key[,kid:base64key...]` -> {kid: key}; keys must be 16, 24 or 32 bytes."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, _, encoded = item.partition(":")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,32}", key_id) or not encoded:
            raise ValueError(f"key ring entries look like `kid:base64key`; got {key_id!r}")
        key = base64.b64decode(encoded, validate=True)
        if len(key) not in (16, 24, 32):
            raise ValueError(f"key {key_id!r} must be 16, 24 or 32 bytes, not {len(key)}")
        keys[key_id] = key
    if not keys:
        raise ValueError("the key ring is empty")
    return keys


@dataclass(frozen=True)
class FieldCipher:
    """Encrypts single fields. Tokens name their key id, so old keys keep decrypting after a rotation.

    The context (e.g. `borrower.phone`) is bound as associated data: a ciphertext copied into another
    field or table does not decrypt there.
    """

    keys: dict[str, bytes]
    active_key_id: str
    lookup_key: bytes

    def __post_init__(self) -> None:
        if self.active_key_id not in self.keys:
            raise ValueError(f"active key {self.active_key_id!r} is not in the key ring")

    @classmethod
    def from_settings(cls, keyring: str, active_key_id: str | None, lookup_key: str) -> FieldCipher:
        keys = parse_keyring(keyring)
        return cls(keys=keys, active_key_id=active_key_id or next(iter(keys)), lookup_key=lookup_key.encode())

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active_key_id]).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_TOKEN_VERSION}:{self.active_key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str) -> str:
        try:
            version, key_id, payload = token.split(":", 2)
            raw = base64.urlsafe_b64decode(payload.encode())
        except ValueError:
            raise PiiError("not an encrypted field") from None
        if version != _TOKEN_VERSION or key_id not in self.keys:
            raise PiiError(f"cannot decrypt: unknown key id {key_id!r}")
        try:
            return AESGCM(self.keys[key_id]).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
        except InvalidTag:
            raise PiiError("cannot decrypt: ciphertext altered or used out of context") from None

    def lookup_hash(self, value: str, *, context: str) -> str:
        """Keyed hash for exact-match search without storing the value; stable across key rotations."""
        message = f"{context}\x00{normalise_for_lookup(value)}".encode()
        return hmac.new(self.lookup_key, message, hashlib.sha256).hexdigest()

    def key_id_of(self, token: str) -> str:
        return token.split(":", 2)[1]


def normalise_for_lookup(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().upper()


# -- validation ------------------------------------------------------------------------------------

_GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_GB11643_CHECK = "10X98765432"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")


def check_resident_id(number: str) -> str:
    """Validate a PRC resident identity number (GB 11643-1999: 18 characters, ISO 7064 MOD 11-2 check)."""
    value = number.strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):  # ASCII digits: \d would take full-width ones too
        raise ValueError("a resident identity number has 17 digits and a check character (digit or X)")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError("the resident identity number does not contain a valid birth date") from None
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], _GB11643_WEIGHTS, strict=True))
    if _GB11643_CHECK[total % 11] != value[17]:
        raise ValueError("the resident identity number fails its GB 11643 check character")
    return value


def check_email(address: str) -> str:
    value = address.strip()
    if not _EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


# -- masking ---------------------------------------------------------------------------------------


def mask_keep(value: str, *, head: int, tail: int) -> str:
    """Keep `head` and `tail` characters, star the rest (never fewer than 3 stars)."""
    if len(value) <= head + tail:
        return "*" * max(3, len(value))
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail:]


def mask_id_number(value: str) -> str:
    return mask_keep(value, head=3, tail=4)


def mask_phone(value: str) -> str:
    return mask_keep(value, head=6 if value.startswith("+86") else 4, tail=4)


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_name(value: str) -> str:
    return value[:1] + "*" * max(1, len(value) - 1)


def mask_address(value: str) -> str:
    return mask_keep(value, head=min(6, len(value) // 3), tail=0)


# -- free text: notes must not become a leak ------------------------------------------------------------

#: What agents' free text (notes, descriptions, stated circumstances) is screened for. Digits may be spaced or
#: dashed the way people type them; full-width digits are folded first (NFKC).
_SCREENED_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email address", re.compile(r"[^\s@]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")),
    ("identity number", re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9Xx]"
                                   r"(?![0-9])")),
    ("bank card number", re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")),
    ("phone number", re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]){8}(?![0-9])"
                                r"|\+[1-9](?:[ -]?[0-9]){7,14}(?![0-9])"
                                r"|(?<![0-9])0[1-9][0-9]{1,3}[ -]?[0-9]{7,8}(?![0-9])")),
)


@dataclass(frozen=True)
class PersonalDataFound:
    """Where free text holds something that looks like personal data: what it looks like, and where."""

    kind: str
    start: int
    end: int


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def personal_data_in(text: str) -> list[PersonalDataFound]:
    """Personal data patterns in free text: email addresses, PRC identity numbers, bank card numbers (13-19 digits
    passing the Luhn check) and phone numbers (mainland mobiles, E.164, area-code landlines). Overlaps are
    reported once, by the first pattern that matched (an identity number is not also a card number). Positions
    are in the NFKC form of the text, which is what is screened (full-width digits are digits)."""
    text = unicodedata.normalize("NFKC", text)
    found: list[PersonalDataFound] = []
    for kind, pattern in _SCREENED_PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < other.end and other.start < match.end() for other in found):
                continue
            if kind == "bank card number" and not _luhn(re.sub(r"[ -]", "", match.group())):
                continue
            found.append(PersonalDataFound(kind, match.start(), match.end()))
    return sorted(found, key=lambda item: item.start)


def mask_personal_data(text: str) -> str:
    """The text with every personal data pattern replaced by `[<kind> removed]`."""
    folded = unicodedata.normalize("NFKC", text)
    masked, last = [], 0
    for item in personal_data_in(folded):
        masked += [folded[last:item.start], f"[{item.kind} removed]"]
        last = item.end
    return "".join(masked) + folded[last:]
