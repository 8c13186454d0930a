"""Each service's migrations build exactly its models' schema on SQLite and PostgreSQL, and re-run safely."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from debtflow.common.db import create_engine
from debtflow.common.db.migrations import alembic_config, upgrade_to_head
from debtflow.common.services import SERVICE_NAMES
from debtflow.common.settings import settings_class_for
from debtflow.common.web import ServiceDefinition


def _definition(service: str, database_url: str) -> ServiceDefinition:
    settings = settings_class_for(service)(database_url=database_url, bus="memory", log_format="console")
    definition: ServiceDefinition = importlib.import_module(f"debtflow.{service}.app").build_definition(
        settings
    )
    return definition


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def _differences(engine: AsyncEngine, definition: ServiceDefinition) -> list[Any]:
    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, definition.metadata))

    async with engine.connect() as connection:
        return await connection.run_sync(compare)


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _versions(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return list((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_migrations_match_the_models(engine: AsyncEngine, database_url: str, service: str) -> None:
    definition = _definition(service, database_url)
    await upgrade_to_head(engine, definition.migrations)
    assert set(definition.metadata.tables) <= await _tables(engine)
    assert {"outbox", "inbox"} <= set(definition.metadata.tables)
    differences = await _differences(engine, definition)
    assert differences == [], f"{service}: the migrations and the models disagree: {differences}"


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_upgrading_twice_is_harmless(engine: AsyncEngine, database_url: str, service: str) -> None:
    definition = _definition(service, database_url)
    head = ScriptDirectory.from_config(alembic_config(definition.migrations)).get_current_head()
    await upgrade_to_head(engine, definition.migrations)
    async with engine.begin() as connection:  # some data that a second upgrade must leave alone
        await connection.execute(
            text(
                "INSERT INTO inbox (consumer, event_id, event_type, received_at) "
                "VALUES ('test', 'ev-1', 'debtflow.debt.registered.v1', CURRENT_TIMESTAMP)"
            )
        )
    await upgrade_to_head(engine, definition.migrations)
    assert await _versions(engine) == [head]
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT event_id FROM inbox"))).scalars().all() == ["ev-1"]
    assert await _differences(engine, definition) == []
