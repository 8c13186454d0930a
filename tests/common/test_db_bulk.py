"""Set-based writes: update_rows (one UPDATE for many rows, executemany on SQLite, unnest on PostgreSQL) and
insert_returning_new, the same result on both."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from debtflow.common.db import Money, UTCDateTime, create_engine
from debtflow.common.db.bulk import copy_rows, insert_returning_new, update_rows

metadata = MetaData()
accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("balance", Money, nullable=True),
    Column("due_on", Date, nullable=True),
    Column("closed", Boolean, nullable=False),
    Column("tags", JSON, nullable=True),
    Column("tier", String(4), nullable=True),
    Column("touched_at", UTCDateTime, nullable=True),
    Column("spell", Integer, nullable=True),
)
IDS = [uuid.UUID(int=number) for number in range(1, 6)]


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(accounts), [
            {"id": account_id, "balance": Decimal("1.00"), "due_on": date(2026, 1, 1), "closed": False,
             "tags": ["old"], "tier": "P4", "touched_at": None, "spell": None if index % 2 else 7}
            for index, account_id in enumerate(IDS)
        ])
    yield engine
    await engine.dispose()


async def _rows(engine: AsyncEngine) -> dict[uuid.UUID, tuple[object, ...]]:
    async with engine.connect() as connection:
        result = await connection.execute(select(accounts).order_by(accounts.c.id))
        return {row.id: tuple(row)[1:] for row in result}


async def test_each_row_gets_its_own_values_and_the_rest_stay(engine: AsyncEngine) -> None:
    now = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    async with AsyncSession(engine) as session, session.begin():
        await update_rows(session, accounts, "id", [
            {"id": IDS[0], "balance": Decimal("12345678.91"), "due_on": date(2024, 2, 29), "closed": True,
             "tags": ["a", "b"], "tier": "P1"},
            {"id": IDS[2], "balance": None, "due_on": None, "closed": False, "tags": [], "tier": None},
        ], constants={"touched_at": now})
    rows = await _rows(engine)
    assert rows[IDS[0]] == (Decimal("12345678.91"), date(2024, 2, 29), True, ["a", "b"], "P1", now, 7)
    assert rows[IDS[2]] == (None, None, False, [], None, now, 7)
    untouched = (Decimal("1.00"), date(2026, 1, 1), False, ["old"], "P4", None)
    assert [rows[IDS[index]][:6] for index in (1, 3, 4)] == [untouched] * 3


async def test_extra_conditions_limit_the_rows_matched(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await update_rows(session, accounts, "id", [{"id": account_id, "tier": "P2"} for account_id in IDS],
                          where=[accounts.c.spell.is_(None)])
    rows = await _rows(engine)
    assert [rows[account_id][4] for account_id in IDS] == ["P4", "P2", "P4", "P2", "P4"]


async def test_no_rows_is_no_statement(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await update_rows(session, accounts, "id", [])
    assert len(await _rows(engine)) == len(IDS)


async def test_insert_returning_new_answers_which_rows_it_inserted(engine: AsyncEngine) -> None:
    fresh = [uuid.UUID(int=number) for number in range(100, 400)]  # enough for several multi-row batches
    rows = [{"id": account_id, "closed": False} for account_id in [IDS[0], *fresh, IDS[3]]]
    async with AsyncSession(engine) as session, session.begin():
        assert await insert_returning_new(session, accounts, rows, "id") == set(fresh)
    async with AsyncSession(engine) as session, session.begin():
        assert await insert_returning_new(session, accounts, rows, "id") == set(), "every row is there now"
        assert await insert_returning_new(session, accounts, [], "id") == set()
    assert len(await _rows(engine)) == len(IDS) + len(fresh)
    assert (await _rows(engine))[IDS[0]][0] == Decimal("1.00"), "an existing row is left as it was"


async def test_copy_rows_stores_what_an_insert_would_and_commits_with_the_transaction(engine: AsyncEngine) -> None:
    new = [{"id": uuid.uuid4(), "balance": Decimal("99999999.99") if n else None, "due_on": date(2026, 2, 28),
            "closed": bool(n % 2), "tier": "P2", "touched_at": datetime(2026, 12, 7, 8, n, tzinfo=UTC), "spell": n}
           for n in range(3)]
    async with AsyncSession(engine) as session, session.begin():
        await copy_rows(session, accounts, new)
        assert await session.scalar(select(func.count()).select_from(accounts)) == len(IDS) + 3  # same transaction
    rows = await _rows(engine)
    for row in new:
        balance, due_on, closed, _tags, tier, touched_at, spell = rows[row["id"]]
        assert (balance, due_on, closed, tier, touched_at, spell) == (
            row["balance"], row["due_on"], row["closed"], row["tier"], row["touched_at"], row["spell"])

    async with AsyncSession(engine) as session:
        async with session.begin():
            await copy_rows(session, accounts, [{**new[0], "id": uuid.uuid4()}])
            await session.rollback()
    assert len(await _rows(engine)) == len(IDS) + 3  # rolled back with the transaction it was part of
