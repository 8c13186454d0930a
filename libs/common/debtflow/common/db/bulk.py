"""Set-based writes of many rows at once: one statement per table, not one per row.

`insert_ignoring_duplicates` inserts rows and skips those whose key exists already (a repeat, even a
concurrent one, simply inserts nothing), as `INSERT ... ON CONFLICT DO NOTHING` in either dialect.

`copy_rows` appends new rows: PostgreSQL's COPY (several times a multi-row INSERT for thousands of rows), an
executemany INSERT on SQLite.

`update_rows` sets per-row values keyed by a column. On PostgreSQL it is a single
`UPDATE ... FROM unnest(:a, :b, ...)`: one parameter per column, however many rows, where an executemany
sends and plans one UPDATE per row. On SQLite it is an executemany of one prepared UPDATE,
which runs in-process at C speed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Table, TypeDecorator, bindparam, insert, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement


async def copy_rows(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows that are new by construction (fresh ids), in the session's transaction. On PostgreSQL through
    COPY on the session's own connection, each value bound as its column type binds it (money quantised, times
    in UTC); elsewhere one executemany INSERT. Every row must have the same columns."""
    if not rows:
        return
    dialect = session.bind.dialect
    if dialect.name != "postgresql":
        await session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    types = [table.c[name].type for name in columns]
    if any(isinstance(kind, JSON) for kind in types):
        raise TypeError("copy_rows does not encode JSON columns; use an INSERT for such a table")
    bind = [kind.process_bind_param if isinstance(kind, TypeDecorator) else None for kind in types]
    records = [tuple(value if process is None or value is None else process(value, dialect)
                     for process, value in zip(bind, (row[name] for name in columns), strict=True))
               for row in rows]
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        # SQLAlchemy's asyncpg adapter begins the transaction with the first statement it runs: a COPY sent
        # straight to the driver before any would be committed at once, outside the unit of work.
        await connection.execute(text("SELECT 1"))
    await driver.copy_records_to_table(table.name, columns=columns, records=records)


async def insert_ignoring_duplicates(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert the rows whose primary or unique key is new; returns how many were inserted."""
    if not rows:
        return 0
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert_for = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_for(table).on_conflict_do_nothing()
    result = await session.execute(statement.values(list(rows)) if len(rows) > 1 else statement.values(rows[0]))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def insert_returning_new(session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]],
                               key: str) -> set[Any]:
    """Insert the rows whose primary or unique key is new, in one statement (`INSERT ... ON CONFLICT DO NOTHING
    RETURNING key`, sent as an executemany SQLAlchemy batches into multi-row INSERTs); returns the `key` values
    of the rows inserted. A row another transaction is inserting concurrently waits for it and is skipped."""
    if not rows:
        return set()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert_for = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_for(table).on_conflict_do_nothing().returning(table.c[key])
    result = await session.execute(statement, list(rows))
    return set(result.scalars())


async def update_rows(session: AsyncSession, table: Table, key: str, rows: Sequence[Mapping[str, Any]], *,
                      constants: Mapping[str, Any] | None = None,
                      where: Sequence[ColumnElement[bool]] = ()) -> None:
    """For each row, `UPDATE table SET <its other columns> WHERE key = row[key] AND <where>`.

    Every row must have the same columns. `constants` are set on every matched row alike; `where` adds
    conditions on the table (say `spells.c.exited_on.is_(None)`).
    """
    if not rows:
        return
    columns = [name for name in rows[0] if name != key]
    constants = dict(constants or {})
    if session.bind.dialect.name == "postgresql":
        await _update_from_arrays(session, table, key, columns, rows, constants, where)
    else:
        statement = (update(table).where(table.c[key] == bindparam(f"_{key}"), *where)
                     .values({name: bindparam(f"_{name}") for name in columns}).values(constants))
        await session.execute(statement, [{f"_{name}": row[name] for name in (key, *columns)} for row in rows])


async def _update_from_arrays(session: AsyncSession, table: Table, key: str, columns: list[str],
                              rows: Sequence[Mapping[str, Any]], constants: dict[str, Any],
                              where: Sequence[ColumnElement[bool]]) -> None:
    dialect = session.bind.dialect
    names = [key, *columns]
    arrays: dict[str, Any] = {}
    unnested = []
    for index, name in enumerate(names):
        column = table.c[name]
        is_json = isinstance(column.type, JSON)
        # JSON travels as text and is cast back: asyncpg has no codec for arrays of json.
        element = "TEXT" if is_json else column.type.compile(dialect=dialect)
        values = [row[name] for row in rows]
        arrays[f"a{index}"] = [None if value is None else json.dumps(value) for value in values] if is_json \
            else values
        unnested.append(f"CAST(:a{index} AS {element}[])")
    assignments = [f"{name} = " + (f"CAST(v.{name} AS JSON)" if isinstance(table.c[name].type, JSON) else f"v.{name}")
                   for name in columns]
    assignments += [f"{name} = :c_{name}" for name in constants]
    conditions = [f"{table.name}.{key} = v.{key}"]
    conditions += [str(condition.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                   for condition in where]
    statement = (f"UPDATE {table.name} SET {', '.join(assignments)} "
                 f"FROM unnest({', '.join(unnested)}) AS v({', '.join(names)}) WHERE {' AND '.join(conditions)}")
    bound = text(statement).bindparams(*(bindparam(f"c_{name}", type_=table.c[name].type) for name in constants))
    await session.execute(bound, {**arrays, **{f"c_{name}": value for name, value in constants.items()}})
