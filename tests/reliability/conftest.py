"""Fixtures of the reliability tests that walk every operation (the authorization matrix, the bad-input battery):
each service in process on a SQLite file of its own. The session fixtures (databases, broker) are shared."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from debtflow.common.services import service_names
from support.harness import Harness, harness


@pytest.fixture(scope="module", params=service_names())
async def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                  ) -> AsyncIterator[Harness]:
    """Each service in turn, one module's worth of requests against it."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    directory: Path = tmp_path_factory.mktemp(f"{module}-{request.param}")
    async with harness(str(request.param), f"sqlite+aiosqlite:///{directory / 'service.db'}") as running:
        yield running
