"""Personal-data building blocks: GB 11643 identity numbers, emails, masking, and the rotating field cipher."""

from __future__ import annotations

import base64

import pytest

from debtflow.common.pii import (
    FieldCipher,
    PiiError,
    check_email,
    check_resident_id,
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_keyring,
)
from debtflow.intake.settings import IntakeSettings

OLD_KEY = b"0" * 32
NEW_KEY = b"1" * 32


def ring(**keys: bytes) -> str:
    return ",".join(f"{key_id}:{base64.b64encode(key).decode()}" for key_id, key in keys.items())


# -- GB 11643 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["11010519491231002X", "11010519491231002x", " 11010519491231002X ",
                                    "440524188001010014"])
def test_valid_resident_identity_numbers_are_accepted_and_normalised(number: str) -> None:
    assert check_resident_id(number) == number.strip().upper()


def test_a_wrong_check_character_is_refused() -> None:
    with pytest.raises(ValueError, match="check character"):
        check_resident_id("110105194912310021")


@pytest.mark.parametrize("number", ["11010519491331002X", "11010519490230002X", "11010500000000002X"],
                         ids=["month-13", "february-30", "all-zero-date"])
def test_an_impossible_birth_date_is_refused(number: str) -> None:
    with pytest.raises(ValueError, match="birth date"):
        check_resident_id(number)


@pytest.mark.parametrize("number", ["1101051949123100", "11010519491231002XX", "1101051949123100Y2", "A1010519491231002X"])
def test_a_number_of_the_wrong_shape_is_refused(number: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        check_resident_id(number)


# -- emails (phones: tests/common/test_phones.py) ------------------------------------------------------------


def test_emails_are_checked() -> None:
    assert check_email(" li.si@example.com ") == "li.si@example.com"
    for bad in ("li.si", "li si@example.com", "li.si@example", "@example.com"):
        with pytest.raises(ValueError):
            check_email(bad)


# -- masking -------------------------------------------------------------------------------------------------


def test_masks_keep_only_what_identifies_a_record_to_a_human() -> None:
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("+8613800138000") == "+86138****8000"
    assert mask_phone("+14155552671") == "+141****2671"
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert mask_name("张三丰") == "张**"
    assert mask_name("王") == "王*"
    assert mask_address("北京市朝阳区建国路88号") == "北京市朝********"
    assert mask_id_number("E123") == "****"  # too short to show anything


# -- the field cipher ----------------------------------------------------------------------------------------


def test_a_value_encrypted_with_an_old_key_still_decrypts_after_rotation() -> None:
    before = FieldCipher(keys={"k1": OLD_KEY}, active_key_id="k1", lookup_key=b"lookup")
    token = before.encrypt("+8613800138000", context="intake.borrower.phone")
    assert token.startswith("v1:k1:")
    assert "13800138000" not in token

    after = FieldCipher(keys={"k1": OLD_KEY, "k2": NEW_KEY}, active_key_id="k2", lookup_key=b"lookup")
    assert after.decrypt(token, context="intake.borrower.phone") == "+8613800138000"
    fresh = after.encrypt("+8613800138000", context="intake.borrower.phone")
    assert after.key_id_of(fresh) == "k2"
    assert after.decrypt(fresh, context="intake.borrower.phone") == "+8613800138000"
    with pytest.raises(PiiError, match="unknown key id"):
        before.decrypt(fresh, context="intake.borrower.phone")


def test_encryption_is_randomised() -> None:
    cipher = FieldCipher(keys={"k1": OLD_KEY}, active_key_id="k1", lookup_key=b"lookup")
    assert cipher.encrypt("x", context="c") != cipher.encrypt("x", context="c")


def test_a_token_moved_to_another_field_does_not_decrypt() -> None:
    cipher = FieldCipher(keys={"k1": OLD_KEY}, active_key_id="k1", lookup_key=b"lookup")
    token = cipher.encrypt("11010519491231002X", context="intake.borrower.id_number")
    with pytest.raises(PiiError, match="out of context"):
        cipher.decrypt(token, context="intake.borrower.phone")
    with pytest.raises(PiiError):
        cipher.decrypt(token, context="event.borrower.id_number")


def test_a_tampered_or_foreign_token_does_not_decrypt() -> None:
    cipher = FieldCipher(keys={"k1": OLD_KEY}, active_key_id="k1", lookup_key=b"lookup")
    token = cipher.encrypt("secret", context="c")
    version, key_id, payload = token.split(":", 2)
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(PiiError):
        cipher.decrypt(f"{version}:{key_id}:{flipped}", context="c")
    with pytest.raises(PiiError):
        cipher.decrypt("plaintext", context="c")
    other = FieldCipher(keys={"k1": NEW_KEY}, active_key_id="k1", lookup_key=b"lookup")
    with pytest.raises(PiiError):
        other.decrypt(token, context="c")


def test_lookup_hashes_survive_rotation_and_ignore_case_and_spacing() -> None:
    before = FieldCipher(keys={"k1": OLD_KEY}, active_key_id="k1", lookup_key=b"lookup")
    after = FieldCipher(keys={"k1": OLD_KEY, "k2": NEW_KEY}, active_key_id="k2", lookup_key=b"lookup")
    assert before.lookup_hash("11010519491231002x", context="id_number") == after.lookup_hash(
        " 11010519491231002X", context="id_number")
    assert before.lookup_hash("A@Example.com", context="email") == before.lookup_hash("a@example.COM", context="email")
    assert before.lookup_hash("x", context="phone") != before.lookup_hash("x", context="email")
    assert before.lookup_hash("x", context="phone") != FieldCipher(
        keys={"k1": OLD_KEY}, active_key_id="k1", lookup_key=b"other").lookup_hash("x", context="phone")


def test_the_key_ring_comes_from_settings_with_an_active_key() -> None:
    settings = IntakeSettings(pii_keys=ring(k1=OLD_KEY, k2=NEW_KEY), pii_active_key="k2")
    cipher = settings.field_cipher
    assert set(cipher.keys) == {"k1", "k2"}
    assert cipher.key_id_of(cipher.encrypt("x", context="c")) == "k2"
    first_by_default = IntakeSettings(pii_keys=ring(k1=OLD_KEY, k2=NEW_KEY)).field_cipher
    assert first_by_default.active_key_id == "k1"


@pytest.mark.parametrize("spec", ["", "k1", "k1:", "bad id:" + base64.b64encode(OLD_KEY).decode(),
                                  "k1:" + base64.b64encode(b"short").decode()])
def test_a_malformed_key_ring_is_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_keyring(spec)


def test_the_active_key_must_be_in_the_ring() -> None:
    with pytest.raises(ValueError, match="not in the key ring"):
        FieldCipher(keys={"k1": OLD_KEY}, active_key_id="k2", lookup_key=b"lookup")
