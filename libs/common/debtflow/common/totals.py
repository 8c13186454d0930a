"""Money totals: exact sums of amounts in API answers; they may outgrow the 16 integer digits of an amount."""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from debtflow.common.money import CENT, MONEY_SCALE

_DEFAULT_PRECISION = 28


def exact_cents(amount: Decimal) -> Decimal:
    """`amount` at two decimals, however many digits it has (the default context stops at 28)."""
    digits = amount.adjusted() + 1 + MONEY_SCALE
    return amount.quantize(CENT, context=Context(prec=max(_DEFAULT_PRECISION, digits)))


def parse_total(value: Any) -> Decimal:
    """An exact Decimal at two decimals with any number of integer digits, or ValueError."""
    if isinstance(value, Decimal):
        total = value
    elif isinstance(value, int) and not isinstance(value, bool):
        total = Decimal(value)
    elif isinstance(value, str):
        try:
            total = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("a total must be a decimal number such as '1234.56'") from None
    else:
        # Totals come from exact sums; a float would already have lost cents.
        raise ValueError("a total must be an exact decimal (Decimal, integer or string)")
    if not total.is_finite():
        raise ValueError("a total must be a finite number")
    cents = exact_cents(total)
    if cents != total:
        raise ValueError("a total must have at most 2 decimal places")
    return cents


#: A sum of amounts (the exposure of a portfolio or of a slice of it). Unlike `Money` it has no cap on
#: integer digits: a few 16-digit debts add up to more, and no stored value may make a read fail.
MoneyTotal = Annotated[
    Decimal,
    BeforeValidator(parse_total),
    PlainSerializer(lambda total: format(total, "f"), return_type=str, when_used="json"),
    WithJsonSchema({
        "type": "string",
        "pattern": r"^-?\d+\.\d{2}$",
        "description": "Exact sum of amounts with two decimals, as a string; it may have more than the 16 "
                       "integer digits of a single amount.",
        "examples": ["119999999999999999.88"],
    }),
]
