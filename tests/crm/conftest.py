"""Fixtures of the crm tests: a service shared by a module's refusal cases, on each database."""

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
    """One crm service per database for a module's cases that change nothing (refused input) or use borrowers of
    their own: starting a service per case is most of their time."""
    async with fresh_database(shared_db_kind, tmp_path_factory.mktemp("crm")) as url, \
            harness("crm", url) as running:
        yield running
