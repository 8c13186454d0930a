"""Operational endpoints every service has: outbox status and replay (admin only), production start-up checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from debtflow.common.messaging.memory import InMemoryBroker, InMemoryBus
from debtflow.intake.app import build_definition
from debtflow.intake.settings import IntakeSettings
from support import RunningService, eventually, running_service, token

DEFAULT = {"loan_id": "OPS-1", "borrower_id": "B-OPS", "principal_outstanding": "500.00",
           "first_unpaid_due_date": "2026-01-10", "as_of_date": "2026-03-01"}


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[tuple[RunningService, InMemoryBroker]]:
    broker = InMemoryBroker()
    settings = IntakeSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}", bus="memory",
                              relay_poll_interval_seconds=0.05, log_format="console")
    async with running_service(build_definition(settings), bus=InMemoryBus(broker)) as service:
        yield service, broker


async def test_outbox_status_and_replay_need_the_admin_role(intake: tuple[RunningService, InMemoryBroker]) -> None:
    service, _ = intake
    assert (await service.client.get("/admin/outbox", headers=token("supervisor"))).status_code == 403
    replay = {"since": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z"}
    assert (await service.client.post("/admin/outbox:replay", json=replay, headers=token("lender"))).status_code == 403


async def test_replay_republishes_what_the_service_published(intake: tuple[RunningService, InMemoryBroker]) -> None:
    service, broker = intake
    topic = "debtflow.intake.events"
    assert (await service.client.post("/v1/defaults", json=DEFAULT, headers=token("lender"))).status_code == 201
    await eventually(lambda: _count(broker, topic, 1), what="the registration to be published")

    status = (await service.client.get("/admin/outbox", headers=token("admin"))).json()
    assert status["pending"] == 0 and status["retained_published"] == 2  # the debt and its borrower

    now = datetime.now(UTC)
    replay = {"since": (now - timedelta(hours=1)).isoformat(), "until": (now + timedelta(minutes=1)).isoformat()}
    answer = await service.client.post("/admin/outbox:replay", json=replay, headers=token("admin"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["requeued"] == 2
    await eventually(lambda: _count(broker, topic, 2), what="the replayed registration")
    first, again = _registrations(broker, topic)
    assert first.header("ce_id") == again.header("ce_id"), "a replay re-sends the same event, not a new one"


async def test_replay_rejects_a_backwards_range(intake: tuple[RunningService, InMemoryBroker]) -> None:
    service, _ = intake
    replay = {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    answer = await service.client.post("/admin/outbox:replay", json=replay, headers=token("admin"))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    naive = {"since": "2026-01-01T00:00:00", "until": "2026-01-02T00:00:00"}
    answer = await service.client.post("/admin/outbox:replay", json=naive, headers=token("admin"))
    assert answer.status_code == 422
    assert {error["field"] for error in answer.json()["errors"]} == {"since", "until"}


def _registrations(broker: InMemoryBroker, topic: str) -> list[Any]:
    return [record for record in broker.records(topic) if record.header("ce_type") == "debtflow.debt.registered.v1"]


async def _count(broker: InMemoryBroker, topic: str, expected: int) -> bool:
    return len(_registrations(broker, topic)) == expected


async def test_a_service_refuses_to_start_in_production_with_the_development_key(tmp_path: Path) -> None:
    settings = IntakeSettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}", bus="memory",
                              environment="production")
    with pytest.raises(RuntimeError, match="development signing key"):
        async with running_service(build_definition(settings), bus=InMemoryBus()):
            pass
