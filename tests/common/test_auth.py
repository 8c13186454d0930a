"""Bearer tokens and roles: what TokenService accepts, and what intake's endpoints let each caller do."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from debtflow.common.auth import Role, TokenService
from debtflow.common.clock import utcnow
from debtflow.common.messaging.memory import InMemoryBus
from debtflow.common.problems import Unauthenticated
from debtflow.common.settings import DEVELOPMENT_AUTH_SECRET
from debtflow.intake.app import build_definition
from debtflow.intake.settings import IntakeSettings
from support import RunningService, fresh_database, running_service, token
from support.problems import assert_problem

SECRET = "unit-test-signing-key-" + "0123456789abcdef" * 3  # long enough for HS512 too
PROBLEM = "application/problem+json"


def tokens(**options: Any) -> TokenService:
    return TokenService(secret=options.pop("secret", SECRET), **options)


# -- TokenService --------------------------------------------------------------------------------


def test_issue_and_verify_round_trip() -> None:
    issued = tokens().issue(
        subject="lending-core-a", roles=["lender", "collector", "lender"], permissions=["pii:read"]
    )
    actor = tokens().verify(issued)
    assert actor.subject == "lending-core-a"
    assert actor.roles == {"lender", "collector"}
    assert actor.permissions == {"pii:read"}
    assert actor.can("pii:read") and not actor.can("pii:write")


def test_a_token_without_permissions_grants_none() -> None:
    actor = tokens().verify(tokens().issue(subject="alice", roles=[Role.SUPERVISOR]))
    assert actor.roles == {"supervisor"}
    assert actor.permissions == frozenset()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    claims = {
        "iss": "debtflow",
        "aud": "debtflow",
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(hours=1),
        "roles": ["supervisor"],
        "permissions": [],
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _tampered() -> str:
    header, claims, signature = tokens().issue(subject="alice", roles=["collector"]).split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    decoded["roles"] = ["admin"]
    return f"{header}.{_b64(json.dumps(decoded).encode())}.{signature}"


def _signed(**overrides: Any) -> str:
    return jwt.encode(_claims(**overrides), SECRET, algorithm="HS256")


def _signed_raw(payload: bytes) -> str:
    """A correctly signed token whose payload is whatever bytes are given (not necessarily claims)."""
    return jwt.api_jws.encode(payload, SECRET, algorithm="HS256")


#: Refused tokens: (id, token, words the refusal must use). The token is what follows `Bearer `.
BAD_TOKENS: list[tuple[str, Any, str]] = [
    ("latin-1-bytes", lambda: b"\xb7\xb7garbage".decode("latin-1"), "not a well-formed JWT"),
    ("abc", lambda: "abc", "not a well-formed JWT"),
    ("three-dots", lambda: "a.b.c", "not a well-formed JWT"),
    ("only-dots", lambda: "...", "not a well-formed JWT"),
    ("header-not-utf-8", lambda: f"{_b64(bytes([0xB7, 0xB7]))}.e30.c2ln", "not a well-formed JWT"),
    ("header-not-an-object", lambda: f"{_b64(b'[1]')}.e30.c2ln", "not a well-formed JWT"),
    ("payload-not-utf-8", lambda: _signed_raw(bytes([0xB7, 0xFF])), "not a well-formed JWT"),
    ("payload-not-an-object", lambda: _signed_raw(b"[1, 2]"), "not a well-formed JWT"),
    ("textual-exp", lambda: _signed(exp="tomorrow"), "not a well-formed JWT"),
    ("other-key", lambda: tokens(secret="another-signing-key-0123456789abcdefgh").issue(
        subject="alice", roles=["admin"]), "signature does not verify"),
    ("tampered-claims", _tampered, "signature does not verify"),
    ("alg-none", lambda: jwt.encode(_claims(), key=None, algorithm="none"), "only algorithm accepted"),
    ("hs512", lambda: jwt.encode(_claims(), SECRET, algorithm="HS512"), "only algorithm accepted"),
    ("expired", lambda: tokens().issue(subject="alice", roles=["supervisor"], ttl=timedelta(minutes=-5)),
     "the token expired at 20"),
    ("not-yet-valid", lambda: _signed(nbf=utcnow() + timedelta(hours=1)), "the token is not valid before 20"),
    ("issued-in-the-future", lambda: _signed(iat=utcnow() + timedelta(hours=1)), "issued in the future"),
    ("wrong-audience", lambda: tokens(audience="someone-else").issue(subject="alice", roles=["admin"]),
     "issued for another audience"),
    ("wrong-issuer", lambda: tokens(issuer="evil-issuer").issue(subject="alice", roles=["admin"]),
     "issued by another issuer"),
    ("no-exp", lambda: _signed(exp=None), "lacks the required claim `exp`"),
    ("no-sub", lambda: _signed(sub=None), "lacks the required claim `sub`"),
    ("no-aud", lambda: _signed(aud=None), "lacks the required claim `aud`"),
    ("no-iss", lambda: _signed(iss=None), "lacks the required claim `iss`"),
    ("no-iat", lambda: _signed(iat=None), "lacks the required claim `iat`"),
    ("numeric-sub", lambda: _signed(sub=42), "claims are malformed"),
    ("empty-sub", lambda: _signed(sub=" "), "names no subject"),
    ("roles-not-a-list", lambda: _signed(roles="admin"), "must be lists of strings"),
    ("roles-not-strings", lambda: _signed(roles=[{"name": "admin"}]), "must be lists of strings"),
    ("permissions-not-a-list", lambda: _signed(permissions="pii:read"), "must be lists of strings"),
    ("unknown-role", lambda: _signed(roles=["supervisor", "superuser"]), "role debtflow does not know"),
]

#: What a library's or Python's own message looks like: never part of a debtflow refusal.
_INTERNALS = re.compile(r"codec|utf-8|traceback|padding|segment|expecting value|json|\w+error\b|jwt\.|"
                        r"0x[0-9a-f]{2}|\bchar\b|invalid header|invalid payload", re.IGNORECASE)


def _assert_own_words(detail: str, expected: str) -> None:
    assert expected in detail, detail
    assert not _INTERNALS.search(detail), f"the refusal quotes internals: {detail!r}"


@pytest.mark.parametrize(("forged", "expected"), [case[1:] for case in BAD_TOKENS],
                         ids=[case[0] for case in BAD_TOKENS])
def test_bad_tokens_are_refused_in_the_systems_words(forged: Any, expected: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        tokens().verify(forged())
    assert caught.value.status == 401
    _assert_own_words(caught.value.detail, expected)
    assert caught.value.headers["WWW-Authenticate"] == 'Bearer realm="debtflow", error="invalid_token"'


def test_an_expired_token_says_when_it_expired() -> None:
    issued = tokens().issue(subject="alice", roles=["supervisor"], ttl=timedelta(minutes=-5))
    expiry = datetime.fromtimestamp(jwt.decode(issued, options={"verify_signature": False})["exp"], UTC)
    with pytest.raises(Unauthenticated) as caught:
        tokens().verify(issued)
    assert caught.value.detail == f"the token expired at {expiry.isoformat(timespec='seconds')[:-6]}Z"


def test_tampered_claims_break_the_signature() -> None:
    header, claims, signature = tokens().issue(subject="alice", roles=["collector"]).split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    decoded["roles"] = ["admin"]
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).decode().rstrip("=")
    with pytest.raises(Unauthenticated):
        tokens().verify(f"{header}.{forged}.{signature}")


@pytest.mark.parametrize("roles", [["superuser"], ["lender", "god"], ["Lender"]])
def test_unknown_roles_are_refused_at_issue(roles: list[str]) -> None:
    with pytest.raises(ValueError, match="unknown role"):
        tokens().issue(subject="alice", roles=roles)


# -- over HTTP (intake) --------------------------------------------------------------------------


@pytest.fixture
async def intake(tmp_path: Path) -> AsyncIterator[RunningService]:
    async with fresh_database("sqlite", tmp_path) as url:
        settings = IntakeSettings(database_url=url, bus="memory", log_format="console")
        async with running_service(build_definition(settings), bus=InMemoryBus()) as service:
            yield service


def _default(loan_id: str = "LN-2026-000123") -> dict[str, Any]:
    return {
        "loan_id": loan_id,
        "borrower_id": "BR-88812",
        "currency": "CNY",
        "principal_outstanding": "12000.00",
        "interest_outstanding": "350.40",
        "fees_outstanding": "50.00",
        "first_unpaid_due_date": (date.today() - timedelta(days=100)).isoformat(),
        "as_of_date": date.today().isoformat(),
    }


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic bGVuZGVyOnNlY3JldA=="},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {
            "Authorization": "Bearer "
            + TokenService(secret="someone-elses-signing-key-0123456789").issue(
                subject="lending-core-a", roles=["lender"]
            )
        },
    ],
    ids=["none", "basic", "empty-bearer", "garbage", "foreign-key"],
)
async def test_missing_or_invalid_credentials_get_401(
    intake: RunningService, headers: dict[str, str]
) -> None:
    response = await intake.client.post("/v1/defaults", json=_default(), headers=headers)
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.fixture
async def intake_signed_with_test_key(tmp_path: Path) -> AsyncIterator[RunningService]:
    """Intake verifying with SECRET, so the cases that need a genuine signature have one."""
    async with fresh_database("sqlite", tmp_path) as url:
        settings = IntakeSettings(database_url=url, bus="memory", log_format="console", auth_secret=SECRET)
        async with running_service(build_definition(settings), bus=InMemoryBus()) as service:
            yield service


@pytest.mark.parametrize(("forged", "expected"), [case[1:] for case in BAD_TOKENS],
                         ids=[case[0] for case in BAD_TOKENS])
async def test_every_refused_token_is_a_401_problem_in_the_systems_words(
    intake_signed_with_test_key: RunningService, forged: Any, expected: str
) -> None:
    # As bytes: a client may send any octets, and the server reads header values as Latin-1.
    authorization = f"Bearer {forged()}".encode("latin-1")
    response = await intake_signed_with_test_key.client.get(
        "/v1/debts/5b0c1f3e-8d3a-4c55-9a51-2f0f7c0e9a11", headers={"Authorization": authorization}
    )
    body = assert_problem(response, 401, "unauthenticated")
    _assert_own_words(body["detail"], expected)
    assert response.headers["www-authenticate"] == 'Bearer realm="debtflow", error="invalid_token"'


async def test_missing_credentials_get_a_challenge_without_an_error_code(intake: RunningService) -> None:
    response = await intake.client.get("/v1/debts/5b0c1f3e-8d3a-4c55-9a51-2f0f7c0e9a11")
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == 'Bearer realm="debtflow"'  # RFC 6750 section 3.1


async def test_an_expired_token_says_so(intake: RunningService) -> None:
    expired = TokenService(secret=DEVELOPMENT_AUTH_SECRET).issue(
        subject="lending-core-a", roles=["lender"], ttl=timedelta(minutes=-5)
    )
    response = await intake.client.get(
        "/v1/debts/5b0c1f3e-8d3a-4c55-9a51-2f0f7c0e9a11", headers={"Authorization": f"Bearer {expired}"}
    )
    body = assert_problem(response, 401, "unauthenticated")
    assert "expired" in body["detail"]


@pytest.mark.parametrize("role", ["collector", "supervisor", "admin", "auditor"])
async def test_only_lenders_may_post_defaults(intake: RunningService, role: str) -> None:
    response = await intake.client.post("/v1/defaults", json=_default(), headers=token(role))
    body = assert_problem(response, 403, "forbidden")
    assert "lender" in body["detail"]


async def test_debts_are_readable_by_their_lender_and_staff_only(intake: RunningService) -> None:
    created = await intake.client.post(
        "/v1/defaults", json=_default(), headers=token("lender", subject="core-a")
    )
    assert created.status_code == 201, created.text
    path = f"/v1/debts/{created.json()['id']}"

    own = await intake.client.get(path, headers=token("lender", subject="core-a"))
    assert own.status_code == 200 and own.json()["source_system"] == "core-a"

    other = await intake.client.get(path, headers=token("lender", subject="core-b"))
    assert_problem(other, 404, "not-found")  # not 403: another lender does not learn the debt exists

    for role in ("supervisor", "collector", "auditor"):
        staff = await intake.client.get(path, headers=token(role, subject="someone"))
        assert staff.status_code == 200, (role, staff.text)
        assert staff.json() == own.json()


async def test_the_source_system_is_the_token_subject(intake: RunningService) -> None:
    first = await intake.client.post(
        "/v1/defaults", json=_default("LN-1"), headers=token("lender", subject="core-a")
    )
    same_loan_other_core = await intake.client.post(
        "/v1/defaults", json=_default("LN-1"), headers=token("lender", subject="core-b")
    )
    assert (first.status_code, same_loan_other_core.status_code) == (201, 201)
    assert first.json()["id"] != same_loan_other_core.json()["id"]
    assert same_loan_other_core.json()["source_system"] == "core-b"
    again = await intake.client.post(
        "/v1/defaults", json=_default("LN-1"), headers=token("lender", subject="core-a")
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


async def test_admin_endpoints_need_the_admin_role(intake: RunningService) -> None:
    assert_problem(await intake.client.get("/admin/outbox"), 401, "unauthenticated")
    assert_problem(await intake.client.get("/admin/outbox", headers=token("supervisor")), 403, "forbidden")
    allowed = await intake.client.get("/admin/outbox", headers=token("admin", subject="ops"))
    assert allowed.status_code == 200, allowed.text
