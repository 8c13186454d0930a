"""Money parsing and currencies: exact amounts in, two-decimal strings out, unsafe input refused."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from debtflow.common.money import (
    CurrencyCode,
    Money,
    NonNegativeMoney,
    check_amount_fits_currency,
    parse_amount,
)


class Signed(BaseModel):
    amount: Money


class Balance(BaseModel):
    amount: NonNegativeMoney


class Priced(BaseModel):
    currency: CurrencyCode


def _exact(value: Decimal, text: str) -> None:
    """Equal *and* the same representation: 12000 and 12000.00 compare equal but are not the same amount."""
    assert value == Decimal(text)
    assert str(value) == text


# -- accepted input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12000.00", "12000.00"),
        ("350.4", "350.40"),
        ("0.01", "0.01"),
        ("0", "0.00"),
        ("-12.50", "-12.50"),
        ("9999999999999999.99", "9999999999999999.99"),
        ("1.230", "1.23"),  # more decimals written, but only two of value
        ("1.2000000", "1.20"),
        ("-0", "0.00"),  # zero, never a negative zero
        ("007.50", "7.50"),
        (Decimal("7.5"), "7.50"),
        (Decimal("1E+2"), "100.00"),  # a Decimal comes from code, not from a client: any exponent form is fine
        (12000, "12000.00"),
        (0.1, "0.10"),  # a JSON number reaches the validator as a float
        (350.4, "350.40"),
        (123456789012345, "123456789012345.00"),  # 15 significant digits
        (1000000000000000, "1000000000000000.00"),  # one significant digit: a double holds it exactly
    ],
)
def test_parse_amount_is_exact_at_two_decimals(value: Any, expected: str) -> None:
    _exact(parse_amount(value), expected)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ('{"amount": "12000.00"}', "12000.00"),
        ('{"amount": "1.230"}', "1.23"),
        ('{"amount": 12000}', "12000.00"),
        ('{"amount": 0.1}', "0.10"),
        ('{"amount": 350.40}', "350.40"),
        ('{"amount": 1234567890123.45}', "1234567890123.45"),  # 15 significant digits: still exact
        ('{"amount": 999999999999999}', "999999999999999.00"),  # 15 significant digits
        ('{"amount": 1e3}', "1000.00"),  # a JSON number may use an exponent: it is the number that counts
    ],
)
def test_json_strings_and_numbers_are_accepted_exactly(document: str, expected: str) -> None:
    _exact(Balance.model_validate_json(document).amount, expected)
    _exact(Signed.model_validate_json(document).amount, expected)


def test_signed_money_accepts_negative_amounts() -> None:
    _exact(Signed.model_validate_json('{"amount": "-0.01"}').amount, "-0.01")
    _exact(Signed.model_validate_json('{"amount": -3}').amount, "-3.00")


# -- refused input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.234", "at most 2 decimal places"),
        ("0.001", "at most 2 decimal places"),
        ("1.2301", "at most 2 decimal places"),
        (1.005, "at most 2 decimal places"),
        (True, "not a boolean"),
        (False, "not a boolean"),
        ("NaN", "plain decimal"),
        ("sNaN", "plain decimal"),
        ("Infinity", "plain decimal"),
        ("-Infinity", "plain decimal"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (float("-inf"), "finite"),
        ("", "plain decimal"),
        ("abc", "plain decimal"),
        ("12,000.00", "plain decimal"),
        ("¥12000", "plain decimal"),
        ("0x10", "plain decimal"),
        ("1_000", "plain decimal"),
        ("1e3", "plain decimal"),
        ("1E+2", "plain decimal"),
        (" 100.00 ", "plain decimal"),
        ("100.00\n", "plain decimal"),
        ("+5", "plain decimal"),
        ("1.", "plain decimal"),
        (".5", "plain decimal"),
        ("--1", "plain decimal"),
        ("١٠٠", "plain decimal"),  # Arabic-Indic digits
        ("１００", "plain decimal"),  # full-width digits
        ("१००", "plain decimal"),  # Devanagari digits
        (None, "decimal number"),
        ([1], "decimal number"),
        ({"amount": "1"}, "decimal number"),
        ("12345678901234567", "at most 16 digits before the decimal point"),
        ("10000000000000000.00", "at most 16 digits before the decimal point"),
        ("-12345678901234567", "at most 16 digits before the decimal point"),
        (12345678901234567, "at most 16 digits before the decimal point"),
        (Decimal("1E+16"), "at most 16 digits before the decimal point"),
        (9007199254740993, "more than 15 significant digits"),  # a JavaScript client sends it as ...992
        (1234567890123456, "more than 15 significant digits"),
        (1234567890123.456, "more than 15 significant digits"),
    ],
)
def test_parse_amount_refuses(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_amount(value)


@pytest.mark.parametrize(
    "document",
    [
        '{"amount": "1.234"}',
        '{"amount": 1.234}',
        '{"amount": true}',
        '{"amount": "NaN"}',
        '{"amount": NaN}',
        '{"amount": Infinity}',
        '{"amount": "Infinity"}',
        '{"amount": "twelve"}',
        '{"amount": null}',
        '{"amount": "12345678901234567"}',
        '{"amount": 12345678901234567}',
        '{"amount": {}}',
        '{"amount": "1e3"}',
        '{"amount": "1_000"}',
        '{"amount": " 100.00 "}',
        '{"amount": "\\u0661\\u0660\\u0660"}',
        '{"amount": "\\uff11\\uff10\\uff10"}',
        '{"amount": 9007199254740993}',
        '{"amount": 9999999999999999}',
    ],
)
def test_json_refuses_unsafe_amounts(document: str) -> None:
    with pytest.raises(ValidationError):
        Signed.model_validate_json(document)


@pytest.mark.parametrize(
    ("digits", "exact"),
    [
        (
            "12345678901234.56",
            "12345678901234.56",
        ),  # 16 significant digits: a float parse may have rounded it
        ("1234567890123456.7", "1234567890123456.70"),
        # The largest valid amount; as a float it is 1e16, so it must not be blamed on its size.
        ("9999999999999999.99", "9999999999999999.99"),
    ],
)
def test_json_numbers_beyond_float_precision_must_be_sent_as_strings(digits: str, exact: str) -> None:
    with pytest.raises(ValidationError, match="send it as a string"):
        Balance.model_validate_json(f'{{"amount": {digits}}}')
    # The same digits sent as a JSON string are kept exactly.
    _exact(Balance.model_validate_json(f'{{"amount": "{digits}"}}').amount, exact)


@pytest.mark.parametrize("document", ['{"amount": "-0.01"}', '{"amount": -1}', '{"amount": "-12000.00"}'])
def test_non_negative_money_refuses_negative_amounts(document: str) -> None:
    with pytest.raises(ValidationError, match="must not be negative"):
        Balance.model_validate_json(document)


def test_non_negative_money_accepts_zero() -> None:
    _exact(Balance.model_validate_json('{"amount": "0"}').amount, "0.00")


# -- output --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "serialised"),
    [
        ("1234.5", "1234.50"),
        (12000, "12000.00"),
        ("1.230", "1.23"),
        ("0", "0.00"),
        (Decimal("1E+2"), "100.00"),
        ("9999999999999999.99", "9999999999999999.99"),
    ],
)
def test_amounts_serialise_to_json_as_two_decimal_strings(value: Any, serialised: str) -> None:
    assert json.loads(Balance(amount=value).model_dump_json()) == {"amount": serialised}
    assert json.loads(Signed(amount=value).model_dump_json()) == {"amount": serialised}


def test_negative_amounts_serialise_as_strings() -> None:
    assert json.loads(Signed(amount="-5.5").model_dump_json()) == {"amount": "-5.50"}


def test_python_dump_keeps_decimals() -> None:
    assert Balance(amount="3.10").model_dump() == {"amount": Decimal("3.10")}


def test_json_schema_advertises_decimal_strings() -> None:
    schema = Balance.model_json_schema()["properties"]["amount"]
    assert schema["type"] == "string"
    assert "pattern" in schema


# -- currencies ----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["CNY", "USD", "EUR", "HKD", "JPY", "KRW"])
def test_known_currencies_are_accepted(code: str) -> None:
    assert Priced.model_validate_json(json.dumps({"currency": code})).currency == code


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("XXX", "not an active ISO 4217 currency code"),
        ("ABC", "not an active ISO 4217 currency code"),
        ("cny", "three capital letters"),
        ("Cny", "three capital letters"),
        ("CN", "three capital letters"),
        ("CNYY", "three capital letters"),
        ("C1Y", "three capital letters"),
        (156, "three capital letters"),
        (None, "three capital letters"),
        ("KWD", "3 minor units"),
        ("BHD", "3 minor units"),
    ],
)
def test_unusable_currencies_are_refused(code: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Priced.model_validate({"currency": code})


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.50", "JPY"), ("0.01", "KRW"), ("100.10", "JPY")],
)
def test_fractional_amounts_in_currencies_without_minor_units_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(ValueError, match=f"{currency} amounts have 0 decimal places"):
        check_amount_fits_currency(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("150", "JPY"), ("150.00", "JPY"), ("1.50", "CNY"), ("0.01", "USD"), ("0.00", "KRW")],
)
def test_amounts_that_fit_their_currency_pass(amount: str, currency: str) -> None:
    check_amount_fits_currency(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("value", "rule"),
    [("1e3", "plain_decimal"), (9007199254740993, "json_number_precision"), ("1.234", "decimal_places"),
     ("12345678901234567", "amount_too_large"), ("-1", "negative_amount"), (True, "decimal_type")],
)
def test_each_refusal_names_its_rule(value: Any, rule: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Balance.model_validate({"amount": value})
    assert [error["type"] for error in refused.value.errors()] == [rule]


def test_negative_zero_is_plain_zero() -> None:
    assert json.loads(Signed.model_validate_json('{"amount": "-0.00"}').model_dump_json()) == {"amount": "0.00"}
    _exact(Balance.model_validate_json('{"amount": "-0"}').amount, "0.00")
