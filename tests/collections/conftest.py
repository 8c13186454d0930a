"""Fixtures of the collections tests: a service shared by a module's cases, on each database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from support import POSTGRES_URL, fresh_database
from support.harness import Harness, harness


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_db_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not POSTGRES_URL:
        pytest.skip("DEBTFLOW_TEST_POSTGRES_URL is not set")
    return str(request.param)


@pytest.fixture(scope="module")
async def shared(shared_db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """One collections service per database for a module whose cases cannot interfere (each uses its own debts
    and borrowers, and looks only at its own events): starting a service per case costs most of the time."""
    async with fresh_database(shared_db_kind, tmp_path_factory.mktemp("collections")) as url, \
            harness("collections", url) as running:
        yield running
