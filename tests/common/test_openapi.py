"""Every service's OpenAPI document says every answer it gives: derived problem answers, declared ones, OPTIONS,
the Idempotency-Key rule, and no schema referred to but left undefined."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from debtflow.common.services import service_names
from debtflow.common.web import create_app
from support import token
from support.harness import service_definition
from support.problems import assert_problem

STAFF = token("supervisor")


@pytest.fixture(params=service_names())
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # The document and the method answers need no database or broker: no lifespan.
    app = create_app(service_definition(str(request.param), f"sqlite+aiosqlite:///{tmp_path / 'doc.db'}"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service.test") as client:
        yield client


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    reply = await client.get("/openapi.json")
    assert reply.status_code == 200
    return reply.json()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


async def test_every_schema_referred_to_is_defined(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    assert set(_references(document)) - set(document["components"]["schemas"]) == set()


async def test_problem_answers_follow_from_each_operation(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    missing = []
    for path, method, operation in _operations(document):
        answers = set(operation["responses"])
        expected = set()
        if operation.get("security"):
            expected |= {"401", "403"}
        if "{" in path and method != "options":
            expected |= {"404", "422"}
        if "requestBody" in operation:
            expected |= {"400", "413", "415", "422"}
        if expected - answers:
            missing.append(f"{method.upper()} {path}: {sorted(expected - answers)}")
        for status, answer in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert "application/problem+json" in answer["content"], (path, method, status)
    assert not missing, "\n".join(missing)


async def test_every_path_documents_and_answers_options_with_all_its_methods(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    for path, item in document["paths"].items():
        assert "options" in item, path
        concrete = path.replace("{", "").replace("}", "")  # any value will do for a path parameter
        reply = await client.options(concrete)
        assert reply.status_code == 204, (path, reply.text)
        # At least the path's own methods: a URL such as /rulesets/x:dry-run also matches /rulesets/{ruleset_id}.
        assert set(reply.headers["allow"].split(", ")) >= {method.upper() for method in item}, path


async def test_a_method_the_path_does_not_allow_is_a_405_naming_every_allowed_one(
    client: httpx.AsyncClient,
) -> None:
    document = await _document(client)
    # A path with two operations shows the defect: Starlette named only the first route's method.
    path = next((path for path, item in document["paths"].items() if len(item) > 2), "/admin/outbox")
    reply = await client.delete(path, headers=STAFF)
    assert_problem(reply, 405, "method-not-allowed")
    assert set(reply.headers["allow"].split(", ")) == {method.upper() for method in document["paths"][path]}


async def test_the_idempotency_key_rule_is_documented(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    for path, method, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "Idempotency-Key":
                assert "409" in operation["responses"] and "409" in parameter["description"], (method, path)
                created = operation["responses"].get("201") or operation["responses"]["200"]
                assert "Idempotent-Replayed" in created["headers"], (method, path)
