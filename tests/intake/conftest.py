"""Fixtures of the intake tests: a running intake on each database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from support.harness import Harness, harness


@pytest.fixture
async def intake(database_url: str) -> AsyncIterator[Harness]:
    """Intake with default settings on a fresh database (classes that need other settings override it)."""
    async with harness("intake", database_url) as running:
        yield running
