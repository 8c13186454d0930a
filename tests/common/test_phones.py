"""Phone numbers as lending cores write them, normalised to E.164 in the configured region, or refused."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from debtflow.common.phones import (
    DEFAULT_REGION,
    PhoneNumber,
    PhoneNumberError,
    check_region,
    current_region,
    phone_region,
    to_e164,
)

MOBILE = "+8613800138000"


class Contact(BaseModel):
    phone: PhoneNumber


@pytest.mark.parametrize("raw", ["13800138000", "138-0013-8000", "138 0013 8000", "(138) 0013-8000",
                                 "138.0013.8000", " 13800138000 "])
def test_national_forms_become_e164(raw: str) -> None:
    assert to_e164(raw) == MOBILE


@pytest.mark.parametrize("raw", [MOBILE, "+86 138 0013 8000", "+86-138-0013-8000", "+86 (138) 00138000",
                                 "0086 138 0013 8000"])
def test_international_forms_are_kept_as_e164(raw: str) -> None:
    assert to_e164(raw) == MOBILE


def test_a_fixed_line_with_its_trunk_prefix_and_area_code_becomes_e164() -> None:
    assert to_e164("(010) 1234 5678") == "+861012345678"


def test_an_international_number_keeps_its_own_country() -> None:
    assert to_e164("+1 415 555 2671") == "+14155552671"
    assert to_e164("00 1 415 555 2671") == "+14155552671"


@pytest.mark.parametrize("raw", ["138-0013", "+86138001380009999", "+86 138 0013 80", "+1234567", "+0861380013800",
                                 "call me", "", "1-800-FLOWERS", "+8613800138000 x12", "+86 138 0013 800x"],
                         ids=["too-short", "too-long", "e164-too-short", "no-such-country", "plus-zero", "words",
                              "empty", "keypad-letters", "extension", "trailing-letter"])
def test_numbers_that_are_not_valid_are_refused_without_repeating_them(raw: str) -> None:
    with pytest.raises(PhoneNumberError) as refused:
        to_e164(raw)
    # One fixed wording: the refused value (personal data) never reaches an answer or a log.
    assert str(refused.value) == "not a valid phone number for region CN; send E.164 such as +8613123456789"


def test_another_region_reads_national_numbers_as_its_own() -> None:
    assert to_e164("(415) 555-2671", "US") == "+14155552671"
    assert to_e164("+8613800138000", "US") == MOBILE  # E.164 needs no region
    with pytest.raises(PhoneNumberError, match="region US; send E.164 such as \\+1"):
        to_e164("13800138000", "US")


def test_the_region_of_a_block_applies_inside_it_only() -> None:
    assert current_region() == DEFAULT_REGION == "CN"
    with phone_region("us"):
        assert current_region() == "US"
        assert to_e164("415-555-2671") == "+14155552671"
        assert Contact(phone="415.555.2671").phone == "+14155552671"
    assert current_region() == "CN"
    assert to_e164("415-555-2671") == "+864155552671"  # a Chinese fixed line with area code 415


def test_a_refused_field_names_the_phone_number_rule() -> None:
    assert Contact(phone="138-0013-8000").phone == MOBILE
    with pytest.raises(ValidationError) as refused:
        Contact(phone="138-0013")
    [error] = refused.value.errors(include_input=False)
    assert (error["loc"], error["type"]) == (("phone",), "phone_number")
    assert error["msg"].startswith("not a valid phone number for region CN")


@pytest.mark.parametrize("region", ["ZZ", "China", "", "001"])
def test_only_regions_with_a_numbering_plan_are_accepted(region: str) -> None:
    with pytest.raises(ValueError, match="numbering plan"):
        check_region(region)
    assert check_region(" hk ") == "HK"

