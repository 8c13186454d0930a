"""Column types on SQLite and PostgreSQL: Money stays exact (integer cents in SQLite), times aware UTC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from debtflow.common.db import Money, UTCDateTime, create_engine

metadata = MetaData()
ledger = Table(
    "ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("amount", Money, nullable=True),
    Column("at", UTCDateTime, nullable=True),
)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def _insert(engine: AsyncEngine, *rows: dict[str, Any]) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(ledger), list(rows))


async def _amounts(engine: AsyncEngine) -> list[Decimal]:
    async with engine.connect() as connection:
        return list((await connection.execute(select(ledger.c.amount).order_by(ledger.c.id))).scalars())


# -- Money ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount",
    [
        "9999999999999999.99",
        "-9999999999999999.99",
        "0.01",
        "-0.01",
        "0.00",
        "12000.00",
        "1234567890123456.78",
    ],
)
async def test_money_round_trips_exactly(engine: AsyncEngine, amount: str) -> None:
    await _insert(engine, {"amount": Decimal(amount)})
    [stored] = await _amounts(engine)
    assert isinstance(stored, Decimal)
    assert str(stored) == amount


async def test_money_is_always_read_at_two_decimals(engine: AsyncEngine) -> None:
    await _insert(
        engine, {"amount": Decimal("5")}, {"amount": 7}, {"amount": Decimal("1.2")}, {"amount": None}
    )
    assert [str(amount) if amount is not None else None for amount in await _amounts(engine)] == [
        "5.00",
        "7.00",
        "1.20",
        None,
    ]


async def test_sum_over_many_cents_is_exact(engine: AsyncEngine) -> None:
    # In binary floating point, a thousand 0.10s add up to 99.9999999999986.
    await _insert(engine, *({"amount": Decimal("0.10")} for _ in range(1000)))
    await _insert(engine, *({"amount": Decimal("0.01")} for _ in range(1000)))
    async with engine.connect() as connection:
        total = await connection.scalar(select(func.sum(ledger.c.amount)))
    assert isinstance(total, Decimal)
    assert str(total) == "110.00"


async def test_sum_near_the_top_of_the_range_is_exact(engine: AsyncEngine) -> None:
    await _insert(
        engine,
        {"amount": Decimal("4999999999999999.99")},
        {"amount": Decimal("0.01")},
        {"amount": Decimal("-0.03")},
    )
    async with engine.connect() as connection:
        total = await connection.scalar(select(func.sum(ledger.c.amount)))
    assert str(total) == "4999999999999999.97"


async def test_sqlite_stores_integer_cents_and_postgres_numeric(engine: AsyncEngine, db_kind: str) -> None:
    await _insert(engine, {"amount": Decimal("123.45")})
    async with engine.connect() as connection:
        if db_kind == "sqlite":
            row = (await connection.execute(text("SELECT typeof(amount), amount FROM ledger"))).one()
            assert tuple(row) == ("integer", 12345)
        else:
            row = (
                await connection.execute(
                    text(
                        "SELECT data_type, numeric_precision, numeric_scale FROM information_schema.columns "
                        "WHERE table_name = 'ledger' AND column_name = 'amount'"
                    )
                )
            ).one()
            assert tuple(row) == ("numeric", 18, 2)


async def test_filtering_by_an_amount_matches_exactly(engine: AsyncEngine) -> None:
    await _insert(
        engine, {"amount": Decimal("0.10")}, {"amount": Decimal("0.20")}, {"amount": Decimal("0.30")}
    )
    async with engine.connect() as connection:
        matched = (
            (await connection.execute(select(ledger.c.amount).where(ledger.c.amount == Decimal("0.30"))))
            .scalars()
            .all()
        )
        above = (
            await connection.execute(
                select(func.count()).select_from(ledger).where(ledger.c.amount > Decimal("0.10"))
            )
        ).scalar()
    assert [str(amount) for amount in matched] == ["0.30"]
    assert above == 2


@pytest.mark.parametrize("value", [0.1, 12000.0, "12000.00", b"1", [1]])
async def test_money_refuses_non_decimal_values_at_bind(engine: AsyncEngine, value: Any) -> None:
    with pytest.raises(StatementError) as caught:
        await _insert(engine, {"amount": value})
    assert isinstance(caught.value.orig, TypeError)
    assert "money must be a Decimal" in str(caught.value.orig)
    assert await _amounts(engine) == []


async def test_money_refuses_more_than_two_decimals_at_bind(engine: AsyncEngine) -> None:
    with pytest.raises(StatementError) as caught:
        await _insert(engine, {"amount": Decimal("0.001")})
    assert isinstance(caught.value.orig, ValueError)
    assert await _amounts(engine) == []


# -- UTCDateTime ---------------------------------------------------------------------------------


async def _times(engine: AsyncEngine) -> list[datetime]:
    async with engine.connect() as connection:
        return list((await connection.execute(select(ledger.c.at).order_by(ledger.c.id))).scalars())


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 27, 23, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Shanghai")),
        datetime(2026, 7, 1, 12, 30, tzinfo=ZoneInfo("Europe/London")),  # summer time, UTC+1
        datetime(2026, 11, 27, 8, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
    ],
)
async def test_aware_datetimes_come_back_as_the_same_instant_in_utc(
    engine: AsyncEngine, moment: datetime
) -> None:
    await _insert(engine, {"at": moment})
    [stored] = await _times(engine)
    assert stored == moment  # the same instant
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.replace(tzinfo=None) == moment.astimezone(UTC).replace(tzinfo=None)


async def test_queries_compare_instants_across_time_zones(engine: AsyncEngine) -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    await _insert(
        engine,
        {"at": datetime(2026, 11, 27, 8, 0, tzinfo=shanghai)},  # 00:00 UTC
        {"at": datetime(2026, 11, 27, 1, 0, tzinfo=UTC)},
        {"at": datetime(2026, 11, 27, 10, 0, tzinfo=shanghai)},  # 02:00 UTC
    )
    async with engine.connect() as connection:
        exact = (
            (
                await connection.execute(
                    select(ledger.c.id).where(ledger.c.at == datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
                )
            )
            .scalars()
            .all()
        )
        later = (
            (
                await connection.execute(
                    select(ledger.c.at)
                    .where(ledger.c.at > datetime(2026, 11, 27, 8, 30, tzinfo=shanghai))
                    .order_by(ledger.c.at)
                )
            )
            .scalars()
            .all()
        )
    assert exact == [1]
    assert later == [datetime(2026, 11, 27, 1, 0, tzinfo=UTC), datetime(2026, 11, 27, 2, 0, tzinfo=UTC)]


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    with pytest.raises(StatementError) as caught:
        await _insert(engine, {"at": datetime(2026, 11, 27, 8, 0)})
    assert isinstance(caught.value.orig, ValueError)
    assert "naive" in str(caught.value.orig)
    assert await _times(engine) == []


async def test_null_datetimes_stay_null(engine: AsyncEngine) -> None:
    await _insert(engine, {"at": None})
    assert await _times(engine) == [None]
