"""Test helpers: fresh databases (SQLite or PostgreSQL), service harnesses, tokens, waiting for effects."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from debtflow.common.auth import TokenService
from debtflow.common.messaging.bus import Bus
from debtflow.common.settings import DEVELOPMENT_AUTH_SECRET
from debtflow.common.web import ServiceDefinition, ServiceRuntime, create_app

POSTGRES_URL = os.environ.get("DEBTFLOW_TEST_POSTGRES_URL")
T = TypeVar("T")


@asynccontextmanager
async def fresh_database(kind: str, directory: Path) -> AsyncIterator[str]:
    """A new, empty database: a SQLite file under `directory`, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / f'db-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    assert POSTGRES_URL, "DEBTFLOW_TEST_POSTGRES_URL is not set"
    admin = make_url(POSTGRES_URL)
    name = f"debtflow_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(_asyncpg_dsn(admin))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield admin.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(_asyncpg_dsn(admin))
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


def _asyncpg_dsn(url: Any) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def token(*roles: str, subject: str = "lending-core-a", permissions: Iterable[str] = (),
          agency: str | None = None) -> dict[str, str]:
    """An Authorization header with a development token. `agency`: a collection agency's code claim (an agency
    token without one is refused, so the agency role gets `agency-a` unless told otherwise)."""
    if agency is None and "agency" in roles:
        agency = "agency-a"
    issued = TokenService(secret=DEVELOPMENT_AUTH_SECRET).issue(subject=subject, roles=roles, permissions=permissions,
                                                                agency=agency)
    return {"Authorization": f"Bearer {issued}"}


@dataclass
class RunningService:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def runtime(self) -> ServiceRuntime:
        return self.app.state.runtime  # type: ignore[no-any-return]


@asynccontextmanager
async def running_service(definition: ServiceDefinition, *, bus: Bus | None = None) -> AsyncIterator[RunningService]:
    """The service's app with its lifespan running (migrations, relay, consumer) and an HTTP client for it."""
    app = create_app(definition, bus=bus)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{definition.name}") as client:
            yield RunningService(app, client)


async def eventually(probe: Callable[[], Awaitable[T | None]], *, timeout: float = 20.0, interval: float = 0.05,
                     what: str = "condition") -> T:
    """Poll `probe` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)
