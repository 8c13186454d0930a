"""All six services in one process on the in-memory bus: a default travels through every stage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from debtflow.common.messaging.memory import InMemoryBroker, InMemoryBus
from debtflow.common.services import service_names
from support import RunningService, eventually, fresh_database, running_service, token
from support.harness import service_definition


@pytest.fixture
async def platform(db_kind: str, tmp_path: Path) -> AsyncIterator[dict[str, RunningService]]:
    broker = InMemoryBroker()
    async with AsyncExitStack() as stack:
        services = {}
        for service in service_names():
            url = await stack.enter_async_context(fresh_database(db_kind, tmp_path))
            services[service] = await stack.enter_async_context(
                running_service(service_definition(service, url), bus=InMemoryBus(broker))
            )
        yield services


def _default(loan_id: str, days_overdue: int, **overrides: Any) -> dict[str, Any]:
    as_of = date.today()
    return {
        "loan_id": loan_id, "borrower_id": f"B-{loan_id}", "currency": "CNY",
        "principal_outstanding": "10000.00", "interest_outstanding": "250.55", "fees_outstanding": "30.00",
        "first_unpaid_due_date": (as_of - timedelta(days=days_overdue)).isoformat(),
        "as_of_date": as_of.isoformat(), **overrides,
    }


async def test_a_default_reaches_every_service(platform: dict[str, RunningService]) -> None:
    lender, staff = token("lender"), token("supervisor")
    response = await platform["intake"].client.post("/v1/defaults", json=_default("L1", 300), headers=lender)
    assert response.status_code == 201, response.text
    debt = response.json()
    assert debt["total_outstanding"] == "10280.55"

    async def get(service: str, path: str) -> Any:
        reply = await platform[service].client.get(path, headers=staff)
        return reply.json() if reply.status_code == 200 else None

    classification = await eventually(lambda: get("classification", f"/v1/classifications/{debt['id']}"))
    assert (classification["dpd_bucket"], classification["five_tier_class"]) == ("M6+", "doubtful")
    case = await eventually(lambda: get("collections", f"/v1/cases/{debt['id']}"))
    assert case["strategy_code"] == "agency-recovery"
    legal = await eventually(lambda: get("legal", f"/v1/cases/{debt['id']}"))
    assert legal["trigger"] == "classified_doubtful"
    summary = await eventually(lambda: get("credit", "/v1/portfolio/summary"))
    assert summary["by_currency"][0]["exposure"] == "10280.55"
    timeline = await eventually(lambda: _complete(get("crm", "/v1/borrowers/B-L1/timeline")))
    assert [entry["source_service"] for entry in timeline["items"]][-1] == "intake"


async def _complete(reply: Any) -> Any:
    """A timeline once all four events (registered, classified, strategy, legal case) are on it."""
    timeline = await reply
    return timeline if timeline and len(timeline["items"]) == 4 else None
