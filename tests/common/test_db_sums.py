"""money_sum on SQLite and PostgreSQL: exact sums of Money however large; MoneyTotal carries them out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import Column, Integer, MetaData, String, Table, case, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from debtflow.common.db import Money, create_engine, money_sum
from debtflow.common.totals import MoneyTotal

LARGEST = Decimal("9999999999999999.99")  # the largest single amount intake accepts

metadata = MetaData()
book = Table(
    "book",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("currency", String(3), nullable=False),
    Column("grade", String(16), nullable=False),
    Column("amount", Money, nullable=True),
)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def _insert(engine: AsyncEngine, *amounts: Decimal | None, currency: str = "CNY",
                  grade: str = "bad") -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(book), [{"currency": currency, "grade": grade, "amount": amount}
                                                for amount in amounts])


async def _scalar(engine: AsyncEngine, statement: Any) -> Any:
    async with engine.connect() as connection:
        return await connection.scalar(statement)


async def test_twelve_of_the_largest_amounts_add_up_exactly(engine: AsyncEngine) -> None:
    await _insert(engine, *[LARGEST] * 12)
    total = await _scalar(engine, select(money_sum(book.c.amount)))
    assert isinstance(total, Decimal)
    assert str(total) == "119999999999999999.88"  # 18 integer digits, past SQLite's 64-bit integers


async def test_sqlite_sum_would_overflow_where_money_sum_does_not(engine: AsyncEngine, db_kind: str) -> None:
    """The defect money_sum fixes: SQLite's own sum() of integer cents stops at 2**63 cents."""
    await _insert(engine, *[LARGEST] * 10)
    if db_kind == "sqlite":
        with pytest.raises(OperationalError, match="integer overflow"):
            await _scalar(engine, select(func.sum(book.c.amount)))
    assert await _scalar(engine, select(money_sum(book.c.amount))) == LARGEST * 10


async def test_negative_amounts_and_cents_recombine_exactly(engine: AsyncEngine) -> None:
    amounts = [LARGEST, Decimal("-0.01"), Decimal("-1234567890.12"), Decimal("0.10"), -LARGEST, LARGEST,
               Decimal("-999999999.99"), Decimal("1000000000.01")]
    await _insert(engine, *amounts)
    assert await _scalar(engine, select(money_sum(book.c.amount))) == sum(amounts, Decimal("0.00"))
    await _insert(engine, *[-LARGEST] * 12)
    assert str(await _scalar(engine, select(money_sum(book.c.amount)))) == str(
        sum([*amounts, *[-LARGEST] * 12], Decimal("0.00")))


async def test_nulls_are_skipped_and_nothing_to_add_is_null(engine: AsyncEngine) -> None:
    assert await _scalar(engine, select(money_sum(book.c.amount))) is None
    await _insert(engine, None, None)
    assert await _scalar(engine, select(money_sum(book.c.amount))) is None
    await _insert(engine, Decimal("0.00"), None, Decimal("5"))
    assert str(await _scalar(engine, select(money_sum(book.c.amount)))) == "5.00"


async def test_sums_per_group_and_conditional_sums(engine: AsyncEngine) -> None:
    await _insert(engine, *[LARGEST] * 11, grade="bad")
    await _insert(engine, Decimal("0.01"), Decimal("7.00"), grade="good")
    await _insert(engine, Decimal("1.50"), currency="USD", grade="bad")
    bad = money_sum(case((book.c.grade.in_(["bad", "worse"]), book.c.amount)))
    statement = select(book.c.currency, bad, money_sum(book.c.amount)).group_by(book.c.currency) \
        .order_by(book.c.currency)
    async with engine.connect() as connection:
        rows = [tuple(row) for row in await connection.execute(statement)]
    assert [(currency, str(bad), str(total)) for currency, bad, total in rows] == [
        ("CNY", "109999999999999999.89", "110000000000000006.90"),
        ("USD", "1.50", "1.50"),
    ]


def test_postgresql_gets_its_own_exact_sum() -> None:
    sql = str(select(money_sum(book.c.amount)).compile(dialect=postgresql.dialect()))
    assert sql.startswith("SELECT sum(book.amount) AS ")


def test_sqlite_sums_the_cents_in_two_parts() -> None:
    sql = str(select(money_sum(book.c.amount)).compile(dialect=sqlite.dialect()))
    assert "sum((book.amount) / 1000000000) || ' ' || sum((book.amount) % 1000000000)" in sql


def test_statements_with_money_sum_are_cached_per_column() -> None:
    first, second = money_sum(book.c.amount), money_sum(book.c.amount)
    other = money_sum(book.c.id)
    assert first._generate_cache_key() == second._generate_cache_key()
    assert first._generate_cache_key() != other._generate_cache_key()


# -- MoneyTotal ----------------------------------------------------------------------------------


class Summary(BaseModel):
    exposure: MoneyTotal


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("119999999999999999.88"), "119999999999999999.88"),
    (Decimal("12345678901234567890123456789012.5"), "12345678901234567890123456789012.50"),
    (Decimal("5"), "5.00"),
    ("-0.5", "-0.50"),
    (7, "7.00"),
    (Decimal("1.230"), "1.23"),
])
def test_a_total_is_exact_at_two_decimals_and_serialised_as_a_string(value: Any, text: str) -> None:
    summary = Summary(exposure=value)
    assert str(summary.exposure) == text
    assert json.loads(summary.model_dump_json()) == {"exposure": text}


@pytest.mark.parametrize("value", [0.1, True, "1.234", "NaN", "Infinity", "ten", [1]])
def test_a_total_refuses_anything_inexact(value: Any) -> None:
    with pytest.raises(ValidationError):
        Summary(exposure=value)


def test_the_schema_documents_a_string_without_a_digit_cap() -> None:
    schema = Summary.model_json_schema()["properties"]["exposure"]
    assert schema["type"] == "string"
    assert schema["pattern"] == r"^-?\d+\.\d{2}$"
