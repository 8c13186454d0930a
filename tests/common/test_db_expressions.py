"""one_of: `IN (...)` on SQLite and `= ANY(:array)` on PostgreSQL, and on both an index still serves it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from debtflow.common.db import create_engine
from debtflow.common.db.expressions import one_of

metadata = MetaData()
loans = Table(
    "loans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(16), nullable=False),
    Column("loan_id", String(32), nullable=False, unique=True),
)


def _sql(statement: object, dialect: object) -> str:
    return str(statement.compile(dialect=dialect))  # type: ignore[attr-defined]


def test_sqlite_gets_a_plain_in_list_with_nothing_after_it() -> None:
    """No `= 1` after the list: SQLite would then scan the table instead of using the index."""
    sql = _sql(select(loans.c.id).where(loans.c.source == "core", one_of(loans.c.loan_id, ["a", "b"])),
               sqlite.dialect())
    assert sql.endswith("loans.loan_id IN (__[POSTCOMPILE_loan_id_1])")


def test_postgresql_gets_one_array_parameter() -> None:
    sql = _sql(select(loans.c.id).where(one_of(loans.c.loan_id, ["a", "b"])), postgresql.dialect())
    assert sql.endswith("WHERE loans.loan_id = ANY (%(param_1)s::VARCHAR(32)[])")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(insert(loans), [{"source": "core", "loan_id": f"LN-{n}"} for n in range(2000)])
    yield engine
    await engine.dispose()


async def test_it_finds_exactly_the_rows_named(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        found = (await connection.execute(
            select(loans.c.loan_id).where(one_of(loans.c.loan_id, ["LN-7", "LN-1999", "LN-missing"]))
        )).scalars().all()
        none = (await connection.execute(select(loans.c.loan_id).where(one_of(loans.c.loan_id, [])))).all()
    assert sorted(found) == ["LN-1999", "LN-7"]
    assert none == []


async def test_the_unique_index_serves_the_lookup(engine: AsyncEngine) -> None:
    statement = select(loans.c.id).where(one_of(loans.c.loan_id, ["LN-7", "LN-8"]))
    async with engine.connect() as connection:
        compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        if connection.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "SEARCH loans USING" in plan and "INDEX" in plan and "SCAN" not in plan, plan
        else:
            await connection.execute(text("ANALYZE loans"))
            await connection.execute(text("SET enable_seqscan = off"))  # a 2,000-row table might be scanned anyway
            plan = " ".join(row[0] for row in await connection.execute(text(f"EXPLAIN {compiled}")))
            assert "Index" in plan and "Seq Scan" not in plan, plan
