"""Alembic, driven from code: each service keeps its revisions in `debtflow/<service>/migrations/`."""

from __future__ import annotations

from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

# Any constant works; it only has to be the same for every replica of a service migrating one database.
_MIGRATION_LOCK_ID = 7_311_402_211


def alembic_config(script_location: str) -> Config:
    """`script_location` is a package resource path such as `debtflow.intake:migrations`."""
    config = Config()
    config.set_main_option("script_location", script_location)
    return config


async def upgrade_to_head(engine: AsyncEngine, script_location: str) -> None:
    """Apply pending migrations. On PostgreSQL an advisory lock keeps concurrent replicas from racing."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        await connection.run_sync(_upgrade, script_location)


def _upgrade(connection: Connection, script_location: str) -> None:
    config = alembic_config(script_location)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's `migrations/env.py`: migrate over the connection handed in by upgrade_to_head."""
    connection: Any = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `debtflow migrate --service <name>`, which supplies the connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
