"""Hostile request bodies against real services: the token and the size are checked before the body is read, and
JSON (and rule-set YAML) too deep, with a key twice or with NaN is a problem naming the rule, never a 500."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Request

from debtflow.common.auth import Role, current_actor, require_roles
from debtflow.common.problems import Problem
from debtflow.common.services import service_names
from debtflow.common.web import create_app
from support import token
from support.harness import Harness, harness, service_definition
from support.intake import default, ndjson
from support.problems import assert_problem

LENDER = token("lender")
COLLECTOR = token("collector", subject="collector-1")
RISK = token("risk", subject="risk-1")
MiB = 1024 * 1024
DEEP = 100_000


class PulledBody:
    """A streamed request body that counts what the server pulled from it (httpx sends it chunked unless a
    Content-Length is given)."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.pulled = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        piece = b" " * self.chunk
        while self.pulled < self.total:
            self.pulled += self.chunk
            yield piece


@pytest.fixture(scope="module")
async def intake(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    directory = tmp_path_factory.mktemp("bodies-intake")
    async with harness("intake", f"sqlite+aiosqlite:///{directory / 'intake.db'}") as running:
        yield running


@pytest.fixture(scope="module")
async def classification(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    directory = tmp_path_factory.mktemp("bodies-classification")
    async with harness("classification", f"sqlite+aiosqlite:///{directory / 'classification.db'}") as running:
        yield running


def _json(headers: dict[str, str], **more: str) -> dict[str, str]:
    return {**headers, "Content-Type": "application/json", **more}


# -- the gate: who may send a body, and how much ----------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_an_unauthenticated_large_body_is_401_before_any_byte_is_read(intake: Harness, declared: bool) -> None:
    body = PulledBody(100 * MiB)
    headers = _json({}, **({"Content-Length": str(body.total)} if declared else {}))
    response = await intake.client.post("/v1/defaults", content=body, headers=headers)
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert body.pulled == 0


async def test_a_caller_without_the_role_is_403_before_any_byte_is_read(intake: Harness) -> None:
    body = PulledBody(100 * MiB)
    response = await intake.client.post("/v1/defaults", content=body, headers=_json(COLLECTOR))
    problem = assert_problem(response, 403, "forbidden")
    assert "lender" in problem["detail"]
    assert body.pulled == 0


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not.a.token"}, {"Authorization": "Basic eDp5"},
                                     COLLECTOR], ids=["none", "garbage", "basic", "wrong-role"])
async def test_the_gate_refuses_with_the_very_answer_the_route_dependency_gives(intake: Harness,
                                                                                headers: dict[str, str]) -> None:
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    request = Request({"type": "http", "app": intake.running.app, "headers": raw, "method": "POST", "path": "/"})
    with pytest.raises(Problem) as raised:  # what the route's own dependency decides
        await require_roles(Role.LENDER)(await current_actor(request, None))
    expected = raised.value
    response = await intake.client.post("/v1/payments", content=PulledBody(MiB), headers=_json(headers))
    problem = assert_problem(response, expected.status, expected.slug)
    assert (problem["title"], problem["detail"]) == (expected.title, expected.detail)
    assert response.headers.get("www-authenticate") == expected.headers.get("WWW-Authenticate")


async def test_an_authenticated_body_over_the_declared_limit_is_413_unread(intake: Harness) -> None:
    body = PulledBody(2 * MiB)
    response = await intake.client.post("/v1/defaults", content=body,
                                        headers=_json(LENDER, **{"Content-Length": str(body.total)}))
    problem = assert_problem(response, 413, "payload-too-large", fields={"body"})
    assert str(MiB) in problem["detail"] and problem["max_body_bytes"] == MiB
    assert body.pulled == 0


async def test_a_chunked_body_is_refused_once_it_passes_the_limit_and_no_further(intake: Harness) -> None:
    body = PulledBody(8 * MiB)
    response = await intake.client.post("/v1/defaults", content=body, headers=_json(LENDER))
    problem = assert_problem(response, 413, "payload-too-large")
    assert str(MiB) in problem["detail"]
    assert MiB < body.pulled <= MiB + body.chunk


async def test_a_batch_endpoint_accepts_the_larger_body_it_declares(intake: Harness) -> None:
    padded = (json.dumps([default("LN-BIG-1")])[:-1] + " " * (2 * MiB) + "]").encode()
    response = await intake.client.post("/v1/defaults:batch", content=padded, headers=_json(LENDER))
    assert response.status_code == 200, response.text
    assert response.json()["outcomes"] == {"created": 1}


async def test_a_chunked_batch_over_its_own_limit_is_413(tmp_path: Path) -> None:
    async with harness("intake", f"sqlite+aiosqlite:///{tmp_path / 'small.db'}", batch_max_bytes=256 * 1024,
                       max_body_bytes=4096) as small:
        body = PulledBody(MiB, chunk=16 * 1024)
        response = await small.client.post("/v1/defaults:batch", content=body, headers=_json(LENDER))
        problem = assert_problem(response, 413, "payload-too-large")
        assert str(256 * 1024) in problem["detail"]
        assert body.pulled <= 256 * 1024 + body.chunk
        # ... and the default limit follows DEBTFLOW_MAX_BODY_BYTES.
        single = json.dumps({**default(), "note": "x" * 5000}).encode()
        assert_problem(await small.client.post("/v1/defaults", content=single, headers=_json(LENDER)), 413)


# -- JSON the kit refuses to decode -------------------------------------------------------------------------------

DEEP_BODIES = [pytest.param("[" * DEEP + "]" * DEEP, id="arrays"),
               pytest.param('{"a":' * DEEP + "1" + "}" * DEEP, id="objects")]


@pytest.mark.parametrize("text", DEEP_BODIES)
@pytest.mark.parametrize("path", ["/v1/defaults", "/v1/defaults:batch", "/v1/payments:batch", "/v1/snapshots:batch"])
async def test_deeply_nested_json_is_a_problem_naming_the_depth_rule(intake: Harness, path: str, text: str) -> None:
    response = await intake.client.post(path, content=text.encode(), headers=_json(LENDER))
    problem = assert_problem(response, 422, "validation-error", fields={"body"})
    assert [error["rule"] for error in problem["errors"]] == ["max_depth"]


async def test_a_deep_ndjson_line_is_that_items_rejection(intake: Harness) -> None:
    lines = ndjson([default("LN-ND-1"), "[" * DEEP + "]" * DEEP])
    response = await intake.client.post("/v1/defaults:batch", content=lines,
                                        headers={**LENDER, "Content-Type": "application/x-ndjson"})
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert (first["outcome"], second["outcome"]) == ("created", "rejected")
    assert "levels deep" in second["problem"]["detail"]


@pytest.mark.parametrize(("text", "key"), [
    pytest.param('{"loan_id": "LN-D1", ' + json.dumps(default("LN-D2"))[1:], "loan_id", id="top-level"),
    pytest.param(json.dumps(default("LN-D3", borrower={"name": "A"})).replace('{"name": "A"', '{"name": "A", "name": "B"'),
                 "name", id="nested"),
])
async def test_a_key_given_twice_is_a_problem_naming_the_key(intake: Harness, text: str, key: str) -> None:
    for path, content in (("/v1/defaults", text), ("/v1/defaults:batch", f"[{text}]")):
        response = await intake.client.post(path, content=content.encode(), headers=_json(LENDER))
        problem = assert_problem(response, 422, "validation-error", fields={"body"})
        assert f'"{key}"' in problem["detail"], problem
        assert [error["rule"] for error in problem["errors"]] == ["duplicate_key"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e999"])
async def test_nan_and_infinity_are_refused(intake: Harness, constant: str) -> None:
    text = json.dumps({**default("LN-NAN"), "principal_outstanding": "@"}).replace('"@"', constant)
    response = await intake.client.post("/v1/defaults", content=text.encode(), headers=_json(LENDER))
    problem = assert_problem(response, 422, "validation-error", fields={"body"})
    assert [error["rule"] for error in problem["errors"]] == ["finite_number"]


# -- rule sets: JSON and YAML -------------------------------------------------------------------------------------


def _rule_set(rules_text: str) -> str:
    return '{"version": "hostile-1", "rules": ' + rules_text + "}"


@pytest.mark.parametrize(("content", "media", "rule"), [
    pytest.param(_rule_set("[" * DEEP + "]" * DEEP), "application/json", "max_depth", id="json-deep"),
    pytest.param("version: hostile-1\nrules: " + "[" * DEEP + "]" * DEEP, "application/yaml", "max_depth",
                 id="yaml-deep-flow"),
    pytest.param("version: hostile-1\nrules:\n  x:\n" + "".join(f"{'  ' * (level + 2)}-\n" for level in range(40)),
                 "application/yaml", "max_depth", id="yaml-deep-block"),
    pytest.param(_rule_set('{"grace_days": 1, "grace_days": 90}'), "application/json", "duplicate_key",
                 id="json-duplicate"),
    pytest.param("version: hostile-1\nrules:\n  grace_days: 1\n  grace_days: 90\n", "application/yaml",
                 "duplicate_key", id="yaml-duplicate"),
    pytest.param(_rule_set('{"grace_days": NaN}'), "application/json", "finite_number", id="json-nan"),
    pytest.param("version: hostile-1\nrules:\n  grace_days: .nan\n", "application/yaml", "finite_number",
                 id="yaml-nan"),
    pytest.param("version: hostile-1\nrules:\n  a: &x [1, 2]\n  b: [*x, *x]\n", "application/yaml", "no_aliases",
                 id="yaml-alias"),
])
async def test_a_hostile_rule_set_is_a_problem_naming_the_rule(classification: Harness, content: str, media: str,
                                                               rule: str) -> None:
    response = await classification.client.post("/v1/rulesets", content=content.encode(),
                                                headers={**RISK, "Content-Type": media})
    problem = assert_problem(response, 422, "validation-error", fields={"body"})
    assert [error["rule"] for error in problem["errors"]] == [rule], problem
    if rule == "duplicate_key":
        assert "grace_days" in problem["detail"]


async def test_rule_set_bodies_are_capped_before_they_are_read(classification: Harness) -> None:
    body = PulledBody(4 * MiB)
    response = await classification.client.post("/v1/rulesets", content=body,
                                                headers={**RISK, "Content-Type": "application/yaml"})
    assert_problem(response, 413, "payload-too-large")
    assert body.pulled <= MiB + body.chunk


# -- the document says each operation's limit ---------------------------------------------------------------------


@pytest.mark.parametrize("service", service_names())
async def test_every_operation_with_a_body_documents_its_limit_and_its_413(service: str, tmp_path: Path) -> None:
    app = create_app(service_definition(service, f"sqlite+aiosqlite:///{tmp_path / 'doc.db'}"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://doc") as client:
        document: dict[str, Any] = (await client.get("/openapi.json")).json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                assert "x-max-body-bytes" not in operation, (method, path)
                continue
            limit = operation["x-max-body-bytes"]
            expected = 64 * MiB if path.endswith(":batch") else MiB
            assert limit == expected, (method, path, limit)
            assert str(limit) in operation["responses"]["413"]["description"], (method, path)
