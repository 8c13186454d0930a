"""Money: exact decimal amounts and ISO 4217 currencies, as pydantic types shared by APIs and events."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

#: Storage scale of every amount (columns are NUMERIC(18, 2)).
MONEY_SCALE = 2
MONEY_MAX_DIGITS = 18
#: Largest significant-digit count a JSON number survives intact through a float parse.
_FLOAT_SAFE_DIGITS = 15
CENT = Decimal("0.01")
#: The first amount too large for NUMERIC(18, 2).
MAX_AMOUNT = Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_SCALE)

# Active ISO 4217 currency codes with their minor units (ISO 4217 list one, funds and
# precious-metal/test codes excluded). Currencies with 3 minor units cannot be held at
# scale 2 and are refused with a clear error rather than rounded.
CURRENCY_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD "
        "CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD "
        "GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD "
        "MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP "
        "PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS "
        "TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES VED WST XCD XCG YER ZAR ZMW ZWG".split(),
        2,
    ),
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}


#: What an amount sent as text must look like: ASCII digits, one optional point, an optional leading minus.
#: Nothing else: no spaces, exponents, underscores, plus signs, thousands separators or non-ASCII digits.
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_PLAIN_DECIMAL_RULE = "must be a plain decimal such as 1200.50: ASCII digits, one optional point, no spaces or exponent"


def amount_error(rule: str, message: str) -> PydanticCustomError:
    """A refused amount with a stable rule name (the `rule` of the problem's field error)."""
    return PydanticCustomError(rule, message)


def _from_json_number(value: int | float) -> Decimal:
    """An amount sent as a JSON number, if that number carries it exactly.

    The README's rule, exactly: at most 15 significant digits (leading and trailing zeros do not count) and, when
    written with a point or an exponent (a float once decoded), smaller than 10^15. Any number a client holds as a double meets it without rounding; beyond it
    the client may already have rounded (9007199254740993 becomes ...992 in JavaScript), so it must send a string.
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise amount_error("finite_amount", "amount must be a finite number")
    text = str(value) if isinstance(value, int) else repr(value)
    mantissa = text.lstrip("-").split("e")[0]
    significant = len(mantissa.replace(".", "").strip("0"))
    if isinstance(value, int) and abs(value) >= MAX_AMOUNT:
        raise amount_error("amount_too_large", "amount must have at most 16 digits before the decimal point")
    # A fractional double at or beyond 10^15 is less precise than a cent, so its size says nothing either.
    if significant > _FLOAT_SAFE_DIGITS or (isinstance(value, float) and abs(value) >= 10**_FLOAT_SAFE_DIGITS):
        raise amount_error("json_number_precision",
                           "amount has more than 15 significant digits, more than a JSON number carries exactly; "
                           "send it as a string such as \"1234567890123456.78\"")
    return Decimal(text)


def parse_amount(value: Any) -> Decimal:
    """Turn API/event input into an exact Decimal with at most two decimals, or raise a ValueError naming the rule.

    Text must be a plain decimal (PLAIN_DECIMAL); a JSON number must carry its value exactly (15 significant
    digits); a Decimal (from code, never from JSON) is taken as it is. The scale rule is by value: `1.230` is 1.23.
    """
    if isinstance(value, bool):
        raise amount_error("decimal_type", "amount must be a decimal number, not a boolean")
    if isinstance(value, int | float):
        amount = _from_json_number(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        if PLAIN_DECIMAL.fullmatch(value) is None:
            raise amount_error("plain_decimal", f"amount {_PLAIN_DECIMAL_RULE}")
        amount = Decimal(value)
    else:
        raise amount_error("decimal_type", "amount must be a decimal number such as \"1234.56\" (a string)")
    if not amount.is_finite():
        raise amount_error("finite_amount", "amount must be a finite number")
    if abs(amount) >= MAX_AMOUNT:
        raise amount_error("amount_too_large", "amount must have at most 16 digits before the decimal point")
    try:
        cents = amount.quantize(CENT)
    except InvalidOperation:  # more digits than the context holds: certainly not two decimals
        raise amount_error("decimal_places", "amount must have at most 2 decimal places") from None
    if cents != amount:  # value-based, so '1.230' is fine and '1.234' is not
        raise amount_error("decimal_places", "amount must have at most 2 decimal places")
    return cents if cents else Decimal("0.00")  # "-0" is zero, not a negative amount


def _non_negative(value: Any) -> Decimal:
    amount = parse_amount(value)
    if amount < 0:
        raise amount_error("negative_amount", "amount must not be negative")
    return amount


_MONEY_SCHEMA = {
    "type": "string",
    "pattern": r"^-?[0-9]{1,16}(\.[0-9]{1,2})?$",
    "description": "Exact decimal amount with at most two decimals, as a plain decimal string (ASCII digits, one "
                   "optional point, no spaces or exponent). A JSON number is accepted on input when it has at most "
                   "15 significant digits (and, with a fraction, is below 10^15).",
    "examples": ["1234.50"],
}

#: A signed amount (adjustments, balance deltas).
Money = Annotated[
    Decimal,
    BeforeValidator(parse_amount),
    PlainSerializer(lambda amount: format(amount, "f"), return_type=str, when_used="json"),
    WithJsonSchema(_MONEY_SCHEMA),
]
#: An amount that can never be negative (balances, payments).
NonNegativeMoney = Annotated[
    Decimal,
    BeforeValidator(_non_negative),
    PlainSerializer(lambda amount: format(amount, "f"), return_type=str, when_used="json"),
    WithJsonSchema({**_MONEY_SCHEMA, "pattern": r"^[0-9]{1,16}(\.[0-9]{1,2})?$"}),
]


def check_currency(code: Any) -> str:
    """Validate an ISO 4217 code that debtflow can hold at two decimals."""
    if not isinstance(code, str) or len(code) != 3 or not code.isalpha() or not code.isupper():
        raise ValueError("currency must be an ISO 4217 code of three capital letters, such as 'CNY'")
    minor_units = CURRENCY_MINOR_UNITS.get(code)
    if minor_units is None:
        raise ValueError(f"'{code}' is not an active ISO 4217 currency code")
    if minor_units > MONEY_SCALE:
        raise ValueError(f"'{code}' has {minor_units} minor units; debtflow holds amounts at 2 decimals")
    return code


CurrencyCode = Annotated[
    str,
    BeforeValidator(check_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217 code", "examples": ["CNY"]}),
]


def check_amount_fits_currency(amount: Decimal, currency: str) -> None:
    """Reject an amount with more decimals than its currency has (e.g. fractional yen)."""
    minor_units = CURRENCY_MINOR_UNITS[currency]
    if amount != amount.quantize(Decimal(1).scaleb(-minor_units), rounding=ROUND_HALF_EVEN):
        raise ValueError(f"{currency} amounts have {minor_units} decimal places")
