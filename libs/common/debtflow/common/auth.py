"""Bearer-token auth: HS256 JWTs carrying roles, permissions and a lender's tenant; every business endpoint names
its roles; one normal form of a subject for every rule that compares people."""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from jwt.exceptions import InvalidJTIError, InvalidSubjectError

from debtflow.common.clock import utcnow
from debtflow.common.problems import Forbidden, Unauthenticated


class Role(StrEnum):
    LENDER = "lender"  # lending-core systems posting defaults and payments
    COLLECTOR = "collector"
    LEGAL = "legal"
    RISK = "risk"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    ADMIN = "admin"  # operations: outbox replay, migrations
    AGENCY = "agency"  # a collection agency: its own placements only (the token's `agency` claim)


#: Roles of people who may read the debt book (everything but a lending core's write-only role).
STAFF_ROLES = (Role.COLLECTOR, Role.LEGAL, Role.RISK, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)

#: Clock skew tolerated between the token's issuer and this service.
_LEEWAY = timedelta(seconds=30)


def normalise_identity(subject: str) -> str:
    """The one form in which a token subject is compared or stored for four-eyes rules.

    `SUPERVISOR-probe`, ` supervisor-probe ` and `ｓｕｐｅｒｖｉｓｏｒ-probe` name one person to a reader, so they must
    name one person to maker-checker: NFKC folds compatibility forms (full-width letters), invisible format
    characters (zero-width spaces, direction marks) are dropped, and casefold is the caseless match Unicode defines
    (it also folds `ß` to `ss`, which lower() does not). NFKC again because casefold can leave unnormalised text.
    Last, Cyrillic and Greek letters drawn like Latin ones are read as those (`supervisоr-probe` with a Cyrillic
    `о` is `supervisor-probe`), as the skeletons of Unicode's confusables (UTS #39) do: two accounts that only a
    font tells apart count as one person, which can only make four-eyes rules stricter.
    """
    visible = "".join(char for char in unicodedata.normalize("NFKC", subject)
                      if unicodedata.category(char) != "Cf")
    return unicodedata.normalize("NFKC", visible.casefold()).strip().translate(_LATIN_LOOKALIKES)


#: Lower-case Cyrillic and Greek letters drawn as one Latin letter (a conservative subset of Unicode's
#: confusables.txt, UTS #39); applied after casefold, so capitals are covered too.
_LATIN_LOOKALIKES = str.maketrans({
    "а": "a", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j", "ӏ": "l", "о": "o", "р": "p",
    "ԛ": "q", "ѕ": "s", "ԝ": "w", "х": "x", "у": "y",
    "ι": "i", "ν": "v", "ο": "o", "ρ": "p", "χ": "x",
})


@dataclass(frozen=True)
class Actor:
    """Who is calling: token subject, roles, fine-grained permissions (e.g. `pii:read`) and, for a lending core,
    the tenant its token names explicitly (else the tenant map decides, see `debtflow.common.tenants`); for a
    collection agency, the agency's code (`agency` claim), which scopes it to its own placements."""

    subject: str
    roles: frozenset[str]
    permissions: frozenset[str] = frozenset()
    tenant: str | None = None
    agency: str | None = None

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def identity(self) -> str:
        """The subject in its normal form: what four-eyes rules compare and record."""
        return normalise_identity(self.subject)


class TokenService:
    def __init__(self, *, secret: str, issuer: str = "debtflow", audience: str = "debtflow") -> None:
        self._secret = secret
        self.issuer = issuer
        self.audience = audience

    def issue(self, *, subject: str, roles: Iterable[str], permissions: Iterable[str] = (),
              tenant: str | None = None, agency: str | None = None,
              ttl: timedelta = timedelta(hours=12)) -> str:
        unknown = set(roles) - set(Role)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        now = utcnow()
        claims = {
            "iss": self.issuer, "aud": self.audience, "sub": subject, "iat": now, "nbf": now, "exp": now + ttl,
            "roles": sorted(set(roles)), "permissions": sorted(set(permissions)),
        }
        if tenant is not None:
            claims["tenant"] = tenant
        if agency is not None:
            claims["agency"] = agency
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Actor:
        """The caller a token names; any refusal is a 401 in debtflow's words, never the decoder's."""
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"], issuer=self.issuer, audience=self.audience,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]}, leeway=_LEEWAY,
            )
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(_refusal(error, token), invalid_token=True) from None
        return _actor(claims)


def _refusal(error: jwt.InvalidTokenError, token: str) -> str:
    """Why PyJWT refused a token, in the system's words: its own messages quote codecs and parsers."""
    if isinstance(error, jwt.ExpiredSignatureError):
        return f"the token expired at {_claim_time(token, 'exp')}"
    if isinstance(error, jwt.ImmatureSignatureError):
        return _not_yet_valid(token)
    if isinstance(error, jwt.InvalidSignatureError):
        return "the token's signature does not verify: it was altered or signed with another key"
    if isinstance(error, jwt.InvalidAlgorithmError):
        return "the token is not signed with HS256, the only algorithm accepted"
    if isinstance(error, jwt.InvalidAudienceError):
        return "the token was issued for another audience"
    if isinstance(error, jwt.InvalidIssuerError):
        return "the token was issued by another issuer"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the token lacks the required claim `{error.claim}`"
    if isinstance(error, InvalidSubjectError | jwt.InvalidIssuedAtError | InvalidJTIError):
        return "the token's claims are malformed"
    if isinstance(error, jwt.DecodeError):  # also a textual `exp` or `nbf`: PyJWT does not tell these apart
        return "the bearer token is not a well-formed JWT"
    return "the bearer token is not valid"


def _unverified_claims(token: str) -> dict[str, Any]:
    # Only for explaining a refusal: PyJWT checks the times after the signature, so these claims are genuine.
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


def _claim_time(token: str, claim: str) -> str:
    moment = datetime.fromtimestamp(_unverified_claims(token)[claim], UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _not_yet_valid(token: str) -> str:
    not_before = _unverified_claims(token).get("nbf")
    if isinstance(not_before, int | float) and not_before > (utcnow() + _LEEWAY).timestamp():
        return f"the token is not valid before {_claim_time(token, 'nbf')}"
    return f"the token was issued in the future, at {_claim_time(token, 'iat')}"


def _actor(claims: dict[str, Any]) -> Actor:
    """The verified claims as an actor, refusing what a debtflow-issued token never carries."""
    subject, roles, permissions = claims["sub"], claims.get("roles", []), claims.get("permissions", [])
    tenant, agency = claims.get("tenant"), claims.get("agency")
    if not subject.strip():
        raise Unauthenticated("the token names no subject", invalid_token=True)
    if not _strings(roles) or not _strings(permissions):
        raise Unauthenticated("the token's roles and permissions must be lists of strings",
                              invalid_token=True)
    if not set(roles) <= set(Role):
        known = ", ".join(Role)
        # The unknown names are not echoed: they are the caller's text, not ours.
        raise Unauthenticated(f"the token carries a role debtflow does not know (known: {known})",
                              invalid_token=True)
    if tenant is not None and (not isinstance(tenant, str) or not tenant.strip()):
        raise Unauthenticated("the token's tenant claim must be a non-empty string", invalid_token=True)
    if agency is not None and (not isinstance(agency, str) or not agency.strip()):
        raise Unauthenticated("the token's agency claim must be a non-empty string", invalid_token=True)
    return Actor(subject=subject, roles=frozenset(roles), permissions=frozenset(permissions), tenant=tenant,
                 agency=agency)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


_bearer = HTTPBearer(auto_error=False, description="JWT from `debtflow token --role ROLE` in development.")

#: Where the request gate (`web.gate`) leaves the actor it verified before the body was read.
ACTOR_SCOPE_KEY = "debtflow.actor"


def actor_from_header(authorization: str | None, tokens: TokenService) -> Actor:
    """The caller an `Authorization` header names, or the 401 every route gives (the gate and the dependency
    both come here, so their refusals are one and the same)."""
    scheme, credentials = get_authorization_scheme_param(authorization)
    if not credentials or scheme.lower() != "bearer":
        raise Unauthenticated("send `Authorization: Bearer <token>`")
    return tokens.verify(credentials)


def check_roles(actor: Actor, allowed: frozenset[str]) -> Actor:
    """The actor if it holds one of `allowed`, else the 403 every route gives."""
    if not actor.roles & allowed:
        raise Forbidden(f"this operation needs one of the roles: {', '.join(sorted(allowed))}")
    return actor


async def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    # `credentials` is declared so that the OpenAPI document names the bearer scheme; the header is read below.
    verified: Actor | None = request.scope.get(ACTOR_SCOPE_KEY)
    if verified is not None:
        return verified
    tokens: TokenService = request.app.state.runtime.tokens
    return actor_from_header(request.headers.get("authorization"), tokens)


def require_roles(*roles: Role) -> Callable[..., Awaitable[Actor]]:
    """Dependency for a route: the caller must hold at least one of `roles`."""
    allowed = frozenset(roles)

    async def dependency(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        return check_roles(actor, allowed)

    dependency.__name__ = "require_" + "_or_".join(sorted(allowed))
    dependency.allowed_roles = allowed  # type: ignore[attr-defined]  # read by the gate and the OpenAPI (403)
    return dependency


#: A route dependency for reads every staff role may make.
Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]
