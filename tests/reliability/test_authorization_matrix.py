"""The authorization matrix, generated from every service's OpenAPI document: each operation x no token, bad
tokens, every role; each cell's expected answer comes from the one table in access_rules.py.

Only the gate is under test here: a caller the table admits must get past authentication and the role check
(any answer but 401 and 403; with an empty body that is usually 404 or 422), everyone else 401 or 403. What
each admitted caller may then see (a lending core only its own debts) is tested with each service.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
from reliability.access_rules import ACCESS, PUBLIC, SIGNED
from reliability.operations import operation_url

from debtflow.common.auth import Role, TokenService
from debtflow.common.settings import DEVELOPMENT_AUTH_SECRET
from support import token
from support.harness import Harness

DEVELOPMENT = TokenService(secret=DEVELOPMENT_AUTH_SECRET)
BAD_TOKENS: dict[str, str | bytes] = {
    "garbage": "Bearer not.a.token",
    "undecodable": b"Bearer \xb7\xb7\xb7.eyJ.x",  # bytes no token decoder can read (once a 500)
    "other signing key": "Bearer " + TokenService(secret="another-key-of-at-least-thirty-two-bytes!").issue(
        subject="intruder", roles=["admin", "lender"]),
    "expired": "Bearer " + DEVELOPMENT.issue(subject="late", roles=["admin", "lender"], ttl=timedelta(minutes=-5)),
    "other audience": "Bearer " + TokenService(secret=DEVELOPMENT_AUTH_SECRET, audience="elsewhere").issue(
        subject="lost", roles=["admin", "lender"]),
    "other issuer": "Bearer " + TokenService(secret=DEVELOPMENT_AUTH_SECRET, issuer="someone-else").issue(
        subject="lost", roles=["admin", "lender"]),
    "basic scheme": "Basic YWRtaW46YWRtaW4=",
    "empty bearer": "Bearer ",
}
ROLES = [role.value for role in Role]
STAFF_RULE = frozenset({"supervisor"})  # any non-public rule: only the cells are wanted


async def _operations(service: Harness) -> dict[str, dict[str, Any]]:
    document = (await service.client.get("/openapi.json")).json()
    return {f"{method.upper()} {path}": operation for path, item in document["paths"].items()
            for method, operation in item.items() if method != "options"}


def _body(operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return {}
    is_array = content["application/json"].get("schema", {}).get("type") == "array"
    return {"content": b"[]" if is_array else b"{}", "headers": {"Content-Type": "application/json"}}


async def _call(service: Harness, operation_key: str, operation: dict[str, Any],
                authorization: str | bytes | None) -> httpx.Response:
    method = operation_key.split(" ", 1)[0]
    body = _body(operation)
    headers = {**body.get("headers", {}), **({"Authorization": authorization} if authorization else {})}
    return await service.client.request(method, operation_url(operation_key, operation), content=body.get("content"),
                                        headers=headers)


def _cells(rule: frozenset[str]) -> Iterator[tuple[str, str | bytes | None, set[int] | None]]:
    """(who, Authorization header, the statuses expected; None = anything but 401 and 403)."""
    public = rule == PUBLIC
    if rule == SIGNED:  # no cell carries a signature: all refused, whatever the token
        yield from ((who, header, {401}) for who, header, _ in _cells(STAFF_RULE))
        return
    yield "no token", None, None if public else {401}
    for name, header in BAD_TOKENS.items():
        yield name, header, None if public else {401}
    for role in ROLES:
        yield role, token(role, subject=f"matrix-{role}")["Authorization"], (
            None if public or role in rule else {403})
    yield "no roles", token(subject="matrix-nobody")["Authorization"], None if public else {403}


async def test_every_operation_has_a_declared_rule(service: Harness) -> None:
    operations = set(await _operations(service))
    declared = set(ACCESS[service.service])
    assert operations - declared == set(), "operations without a rule in tests/reliability/access_rules.py"
    assert declared - operations == set(), "rules for operations the service no longer has"


async def test_each_cell_gets_the_answer_the_table_declares(service: Harness) -> None:
    wrong = []
    for key, operation in (await _operations(service)).items():
        for who, authorization, expected in _cells(ACCESS[service.service][key]):
            reply = await _call(service, key, operation, authorization)
            admitted = expected is None and reply.status_code not in (401, 403)
            if not (admitted or (expected is not None and reply.status_code in expected)):
                wrong.append(f"{key} as {who}: {reply.status_code} (expected "
                             f"{'anything but 401/403' if expected is None else sorted(expected)})")
            if reply.status_code in (401, 403):
                assert reply.headers["content-type"].startswith("application/problem+json"), (key, who)
            if reply.status_code == 401 and ACCESS[service.service][key] != SIGNED:  # a signature's own challenge
                assert reply.headers.get("www-authenticate", "").startswith("Bearer"), (key, who)
    assert not wrong, "\n".join(wrong)
