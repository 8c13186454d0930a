"""Money: exact decimal amounts and ISO 4217 currencies, as pydantic types shared by APIs and events."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

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


def parse_amount(value: Any) -> Decimal:
    """Turn API/event input into an exact Decimal with at most two decimals, or raise ValueError."""
    if isinstance(value, bool):
        raise ValueError("amount must be a decimal number, not a boolean")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("amount must be a finite number")
        # A JSON number reaches us as a float; more than 15 significant digits may have been rounded.
        text = repr(value)
        significant = len(text.lstrip("-").split("e")[0].replace(".", "").strip("0"))
        # Beyond 15 digits, or beyond 1e15 where floats cannot even hold every whole number, it may be rounded.
        if significant > _FLOAT_SAFE_DIGITS or abs(value) >= 1e15:
            raise ValueError("amount has more digits than a JSON number carries exactly; send it as a string")
        value = text
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("amount must be a decimal number such as '1234.56'") from None
    else:
        raise ValueError("amount must be a decimal number such as '1234.56'")
    if not amount.is_finite():
        raise ValueError("amount must be a finite number")
    if abs(amount) >= MAX_AMOUNT:
        raise ValueError("amount must have at most 16 digits before the decimal point")
    cents = amount.quantize(CENT)
    if cents != amount:  # value-based, so '1.230' is fine and '1.234' is not
        raise ValueError("amount must have at most 2 decimal places")
    return cents


def _non_negative(value: Any) -> Decimal:
    amount = parse_amount(value)
    if amount < 0:
        raise ValueError("amount must not be negative")
    return amount


_MONEY_SCHEMA = {
    "type": "string",
    "pattern": r"^-?\d{1,16}(\.\d{1,2})?$",
    "description": "Exact decimal amount with at most two decimals, as a string (numbers are accepted on input).",
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
    WithJsonSchema({**_MONEY_SCHEMA, "pattern": r"^\d{1,16}(\.\d{1,2})?$"}),
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
