"""The tenant dimension of the authorization matrix: every operation a lending core may call, generated from the
OpenAPI documents, called by lender B with lender A's identifiers. Nothing of A's comes back, and nothing of A's
changes.

test_tenants.py tests each rule with its reasons; this test makes sure no lender operation is left out: one
added without a body here (if it writes) fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
from reliability.access_rules import ACCESS
from reliability.test_tenants import A1, B1, BORROWER_A, STAFF, TENANTS, get, post

from debtflow.common.services import service_names
from support.harness import Harness, harness
from support.intake import ID_NUMBER, PHONE, default, payment, snapshot

LENDER_OPERATIONS = sorted((service, key) for service in service_names()
                           for key, roles in ACCESS[service].items() if "lender" in roles)

#: What would give lender A's data away: its tenant, and its borrower's identity number and phone (masked or not).
A_MARKS = ["lender-a", ID_NUMBER, "110***********002X", PHONE, "+86138****8000"]

#: What lender B sends to each write operation, aimed at lender A's loan LN-A, payment PAY-A and borrower BR-1.
WRITES: dict[str, Callable[[], Any]] = {
    "POST /v1/defaults": lambda: default("LN-A", borrower={"name": "王五", "phones": ["+8613900139000"]}),
    "POST /v1/defaults:batch": lambda: [default("LN-A", borrower={"name": "王五"})],
    "POST /v1/payments": lambda: payment("PAY-B", loan_id="LN-A"),
    "POST /v1/payments:batch": lambda: [payment("PAY-B2", loan_id="LN-A")],
    "POST /v1/payments/{payment_id}/reversal": lambda: {"reason_code": "bounced"},
    "POST /v1/snapshots:batch": lambda: [snapshot("2026-11-28", loan_id="LN-A")],
}


@pytest.fixture(scope="module")
async def services(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Harness]]:
    directory = tmp_path_factory.mktemp("tenant-matrix")
    async with AsyncExitStack() as stack:
        yield {name: await stack.enter_async_context(
                   harness(name, f"sqlite+aiosqlite:///{directory / f'{name}.db'}", tenants=TENANTS))
               for name in sorted({service for service, _ in LENDER_OPERATIONS} | {"intake"})}


async def _lender_a_world(intake: Harness) -> dict[str, str]:
    debt = await post(intake, "/v1/defaults", default("LN-A", borrower=BORROWER_A), A1)
    await post(intake, "/v1/payments", payment("PAY-A", loan_id="LN-A"), A1)
    return {"debt_id": debt["id"], "borrower_id": "BR-1", "payment_id": "PAY-A", "loan_id": "LN-A"}


async def _what_a_has(intake: Harness, ids: dict[str, str]) -> list[Any]:
    return [await get(intake, f"/v1/debts/{ids['debt_id']}", STAFF),
            await get(intake, f"/v1/debts/{ids['debt_id']}/history", STAFF),
            await get(intake, f"/v1/payments?debt_id={ids['debt_id']}", STAFF),
            await get(intake, "/v1/borrowers/BR-1?tenant=lender-a", STAFF)]


def _request(key: str, operation: dict[str, Any], ids: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    """Method, path and query, every identifier parameter filled with lender A's."""
    method, path = key.split(" ", 1)
    query = {}
    for parameter in operation.get("parameters", []):
        value = ids.get(parameter["name"])
        if value is None:
            continue
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", value)
        elif parameter["in"] == "query":
            query[parameter["name"]] = value
    return method, path, query


async def test_another_lender_sees_and_changes_nothing_of_ours(services: dict[str, Harness]) -> None:
    intake = services["intake"]
    ids = await _lender_a_world(intake)
    before = await _what_a_has(intake, ids)
    leaks = []
    for service, key in LENDER_OPERATIONS:
        document = (await services[service].client.get("/openapi.json")).json()
        method, template = key.split(" ", 1)
        method, path, query = _request(key, document["paths"][template][method.lower()], ids)
        if method != "GET":
            assert key in WRITES, f"{service} {key}: a lender write without a case in WRITES"
        body = WRITES[key]() if method != "GET" else None
        response = await services[service].client.request(method, path, params=query, json=body, headers=B1)
        # A 404 may repeat the id that was asked for; anything else must not know A's debt at all.
        seen = [mark for mark in A_MARKS + ([] if response.status_code == 404 else [ids["debt_id"]])
                if mark in response.text]
        if response.status_code >= 500 or seen:
            leaks.append(f"{service} {key}: {response.status_code} shows {seen}: {response.text[:200]}")
        if "{" in key and response.status_code != 404 and method == "GET":
            leaks.append(f"{service} {key}: {response.status_code} for another lender's id (expected 404)")
    assert not leaks, "\n".join(leaks)
    await intake.settled()
    assert await _what_a_has(intake, ids) == before, "lender B's calls changed lender A's data"
