"""Bearer-token auth: HS256 JWTs carrying roles and permissions; every business endpoint names its roles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


#: Roles of people who may read the debt book (everything but a lending core's write-only role).
STAFF_ROLES = (Role.COLLECTOR, Role.LEGAL, Role.RISK, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)


@dataclass(frozen=True)
class Actor:
    """Who is calling: token subject, roles and fine-grained permissions (e.g. `pii:read`)."""

    subject: str
    roles: frozenset[str]
    permissions: frozenset[str] = frozenset()

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class TokenService:
    def __init__(self, *, secret: str, issuer: str = "debtflow", audience: str = "debtflow") -> None:
        self._secret = secret
        self.issuer = issuer
        self.audience = audience

    def issue(self, *, subject: str, roles: Iterable[str], permissions: Iterable[str] = (),
              ttl: timedelta = timedelta(hours=12)) -> str:
        unknown = set(roles) - set(Role)
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        now = utcnow()
        claims = {
            "iss": self.issuer, "aud": self.audience, "sub": subject, "iat": now, "nbf": now, "exp": now + ttl,
            "roles": sorted(set(roles)), "permissions": sorted(set(permissions)),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Actor:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"], issuer=self.issuer, audience=self.audience,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]}, leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the bearer token has expired") from None
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(f"the bearer token is not valid: {error}") from None
        roles, permissions = claims.get("roles", []), claims.get("permissions", [])
        if not isinstance(roles, list) or not isinstance(permissions, list):
            raise Unauthenticated("the bearer token's roles and permissions must be lists")
        return Actor(subject=str(claims["sub"]), roles=frozenset(map(str, roles)),
                     permissions=frozenset(map(str, permissions)))


_bearer = HTTPBearer(auto_error=False, description="JWT from `debtflow token --role ROLE` in development.")


async def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send `Authorization: Bearer <token>`")
    tokens: TokenService = request.app.state.runtime.tokens
    return tokens.verify(credentials.credentials)


def require_roles(*roles: Role) -> Callable[..., Awaitable[Actor]]:
    """Dependency for a route: the caller must hold at least one of `roles`."""
    allowed = frozenset(roles)

    async def dependency(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if not actor.roles & allowed:
            raise Forbidden(f"this operation needs one of the roles: {', '.join(sorted(allowed))}")
        return actor

    dependency.__name__ = "require_" + "_or_".join(sorted(allowed))
    return dependency


#: A route dependency for reads every staff role may make.
Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]
