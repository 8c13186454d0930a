"""money_sum: an exact SQL sum of a Money column that no number of large amounts can overflow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine

from debtflow.common.totals import exact_cents

#: SQLite sums the cents above and below this split point separately (see money_sum).
_SPLIT = 10**9


class MoneySum(TypeDecorator[Decimal]):
    """The result of money_sum: a Decimal at two decimals, with any number of integer digits."""

    impl = Numeric()
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            high, low = str(value).split(" ")
            # From a string, so no context precision rounds it: exact at any size.
            return Decimal(f"{int(high) * _SPLIT + int(low)}E-2")
        return exact_cents(Decimal(value))


class money_sum(ColumnElement[Decimal]):
    """`sum(amount)` of a Money column or expression (NULLs skipped; NULL when there is nothing to add).

    PostgreSQL sums NUMERIC exactly and without limit. SQLite holds money as integer cents and its sum()
    fails with "integer overflow" past 2**63 cents (about 9.2e16 in amount: ten 16-digit debts), so there
    the cents are summed in two parts, `cents / 10**9` and `cents % 10**9` (truncating division, so every
    value is exactly 10**9 * high + low), each with the built-in sum, and recombined exactly in Python.
    Either part of an amount a Money column holds (under 10**18 cents) is below 10**9, so a group would
    need over nine billion rows to overflow. For a conditional sum use `money_sum(case((condition, column)))`
    (this is not a function, so it takes no FILTER).
    """

    inherit_cache = True
    _traverse_internals = [("amount", InternalTraversal.dp_clauseelement)]
    type = MoneySum()

    def __init__(self, amount: Any) -> None:
        self.amount = amount

    @property
    def _from_objects(self) -> list[Any]:
        # What the amount reads from, so `select(money_sum(column))` alone still has its FROM clause.
        return self.amount._from_objects  # type: ignore[no-any-return]


@compiles(money_sum)
def _plain_sum(element: money_sum, compiler: Any, **options: Any) -> str:
    return f"sum({compiler.process(element.amount, **options)})"


@compiles(money_sum, "sqlite")
def _sum_in_two_parts(element: money_sum, compiler: Any, **options: Any) -> str:
    # The amount is rendered twice; a bound parameter in it is then bound twice, which both
    # SQLAlchemy's positional and named styles support.
    amount = compiler.process(element.amount, **options)
    # One text value, "high low": a single column that stays NULL when both sums are NULL.
    return f"(sum(({amount}) / {_SPLIT}) || ' ' || sum(({amount}) % {_SPLIT}))"
