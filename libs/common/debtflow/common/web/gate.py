"""The gate in front of every route: the caller's token and the size of the body are checked before a byte of the
body is read.

FastAPI reads and decodes a route's body before it solves the route's dependencies, so without the gate an
unauthenticated caller could make a service hold any number of 100 MB bodies. The gate finds the route a request
will reach, refuses a missing or invalid token or a caller without the roles (the same 401/403 the route's own
dependency gives: both call `auth.actor_from_header` and `auth.check_roles`), refuses a declared `Content-Length`
above the route's limit, and counts the bytes of a body sent without one (chunked), refusing the moment it passes
the limit: nothing beyond the limit is ever held.

Every operation accepts `DEBTFLOW_MAX_BODY_BYTES` (1 MiB) unless it declares more with
`openapi_extra=larger_body(...)`: a number of bytes, or the name of the setting that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette._utils import get_route_path
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from debtflow.common.auth import (
    ACTOR_SCOPE_KEY,
    Actor,
    TokenService,
    actor_from_header,
    check_roles,
    current_actor,
)
from debtflow.common.problems import PayloadTooLarge, Problem, field_error, problem_response
from debtflow.common.settings import ServiceSettings

#: The OpenAPI extension that holds an operation's body limit (set by `larger_body`, resolved in the document).
BODY_LIMIT_KEY = "x-max-body-bytes"
_DEFAULT_LIMIT_SETTING = "max_body_bytes"


def larger_body(limit: int | str) -> dict[str, Any]:
    """`openapi_extra` of an operation that accepts more than the default: bytes, or the name of a setting."""
    return {BODY_LIMIT_KEY: limit}


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    setting: str  # the setting it comes from, "" for a fixed number

    def describe(self, settings: ServiceSettings) -> str:
        if not self.setting:
            return f"{self.max_bytes} bytes"
        service = settings.service_name.upper()
        variables = (f"DEBTFLOW_{self.setting.upper()}" if self.setting == _DEFAULT_LIMIT_SETTING
                     else f"DEBTFLOW_{service}_{self.setting.upper()}")
        return f"{self.max_bytes} bytes (`{variables}`)"


def body_limit(route: APIRoute, settings: ServiceSettings) -> BodyLimit:
    """The largest body `route` accepts under `settings`."""
    declared = (route.openapi_extra or {}).get(BODY_LIMIT_KEY, _DEFAULT_LIMIT_SETTING)
    if isinstance(declared, int):
        return BodyLimit(declared, "")
    value = getattr(settings, declared, None)
    if not isinstance(value, int):
        raise RuntimeError(f"{route.path}: the body limit names `{declared}`, which is no integer setting")
    return BodyLimit(value, declared)


def route_calls(route: APIRoute) -> set[Any]:
    """Every dependency a route calls, however deeply nested."""
    return {dependant.call for dependant in _dependants(route.dependant)}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    for child in dependant.dependencies:
        yield child
        yield from _dependants(child)


@dataclass(frozen=True)
class _Demands:
    """What one route asks of a request before it may be read."""

    pattern: re.Pattern[str]
    methods: frozenset[str]
    route: Any  # what the router puts in scope["route"], for the access log and metrics
    needs_token: bool
    roles: tuple[frozenset[str], ...]
    limit: BodyLimit


def _demands_of(app: FastAPI, settings: ServiceSettings) -> list[_Demands]:
    table = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        calls = route_calls(route)
        table.append(_Demands(
            pattern=compile_path(context.path_format)[0], methods=frozenset(context.methods or ()),
            route=context.route, needs_token=current_actor in calls,
            roles=tuple(call.allowed_roles for call in calls if getattr(call, "allowed_roles", None)),
            limit=body_limit(route, settings)))
    return table


class _BodyTooLarge(PayloadTooLarge):
    """Raised into whatever reads the body once it passes the limit; the gate answers in its place."""


class RequestGateMiddleware:
    """Authentication and body limits before the body is read (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, service: FastAPI, settings: ServiceSettings) -> None:
        self.app = app
        self.table = _demands_of(service, settings)
        self.default = BodyLimit(settings.max_body_bytes, _DEFAULT_LIMIT_SETTING)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        demands = self._demands(scope)
        limit = demands.limit if demands is not None else self.default
        try:
            if demands is not None:
                self._admit(scope, demands)
            declared = _content_length(scope)
            if declared is not None and declared > limit.max_bytes:
                raise _too_large(f"the body is {declared} bytes; this operation accepts at most "
                                 f"{limit.max_bytes} bytes", limit)
        except Problem as refusal:
            await self._answer(scope, receive, send, refusal)
            return
        await self._counted(scope, receive, send, limit)

    def _demands(self, scope: Scope) -> _Demands | None:
        path, method = get_route_path(scope), scope["method"]
        for demands in self.table:
            if method in demands.methods and demands.pattern.match(path):
                scope["route"] = demands.route
                return demands
        return None  # no route, or not this method: the router answers 404 or 405 without reading the body

    @staticmethod
    def _admit(scope: Scope, demands: _Demands) -> None:
        if not demands.needs_token:
            return
        tokens: TokenService = scope["app"].state.runtime.tokens
        authorization = _header(scope, b"authorization")
        actor: Actor = actor_from_header(authorization.decode("latin-1") if authorization else None, tokens)
        for allowed in demands.roles:
            check_roles(actor, allowed)
        scope[ACTOR_SCOPE_KEY] = actor

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: BodyLimit) -> None:
        received = 0
        refusal: _BodyTooLarge | None = None
        app_answered = refused = False  # whose response went out: the app's, or the gate's 413

        async def counting_receive() -> Message:
            nonlocal received, refusal
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    refusal = _too_large(f"the body is larger than the {limit.max_bytes} bytes this operation "
                                         "accepts", limit)
                    raise refusal
            return message

        async def refuse(problem: Problem) -> None:
            nonlocal refused
            if not refused:
                refused = True
                await self._answer(scope, receive, send, problem)

        async def guarded_send(message: Message) -> None:
            nonlocal app_answered
            if refusal is not None and not app_answered:  # whatever the app made of the refusal: the 413
                await refuse(refusal)
                return
            if message["type"] == "http.response.start":
                app_answered = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if refusal is None or app_answered:
                raise
            # The app failed over the refused body: the 413 below is the answer, not a 500.
        if refusal is not None and not app_answered:
            await refuse(refusal)

    @staticmethod
    async def _answer(scope: Scope, receive: Receive, send: Send, refusal: Problem) -> None:
        response = problem_response(refusal.status, refusal.slug, refusal.title, refusal.detail,
                                    Request(scope, receive), refusal.headers, **refusal.extensions)
        await response(scope, receive, send)


def _too_large(detail: str, limit: BodyLimit) -> _BodyTooLarge:
    return _BodyTooLarge(detail, errors=[field_error("body", "max_bytes", detail)], max_body_bytes=limit.max_bytes)


def _header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a header, as Starlette's `Headers.get` reads it (ASGI names are lower case)."""
    return next((value for key, value in scope["headers"] if key == name), None)


def _content_length(scope: Scope) -> int | None:
    declared = _header(scope, b"content-length")
    return int(declared) if declared is not None and declared.isdigit() else None
