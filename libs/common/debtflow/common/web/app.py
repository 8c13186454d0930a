"""The app factory every service uses: lifespan wiring, problem+json, request context, health, metrics, admin."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import ExitStack, asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from debtflow.common.auth import Actor, Role, require_roles
from debtflow.common.dates import Instant
from debtflow.common.db.uow import UnitOfWorkFactory
from debtflow.common.logging import configure_logging, correlation_id_var, get_logger
from debtflow.common.messaging.bus import Bus
from debtflow.common.messaging.relay import outbox_status, replay_outbox
from debtflow.common.problems import (
    PayloadTooLarge,
    UnsupportedMediaType,
    install_problem_handlers,
    problem_response,
)
from debtflow.common.settings import ServiceSettings
from debtflow.common.web.api_docs import install_api_docs
from debtflow.common.web.bodies import JsonRefused, decode_json, refused_body
from debtflow.common.web.gate import RequestGateMiddleware
from debtflow.common.web.openapi import answers, complete_document, install_method_answers
from debtflow.common.web.runtime import RequestScope, ServiceDefinition, ServiceRuntime

log = get_logger(__name__)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class ProblemDetails(BaseModel):
    """RFC 9457 problem details as debtflow returns them."""

    type: str = Field(examples=["urn:debtflow:problem:validation-error"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    correlation_id: str | None = None
    errors: list[dict[str, str]] | None = Field(
        None, description="For invalid input: one entry per failing field with `field`, `in`, `pointer`, `rule`."
    )


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


class JsonBodyRequest(Request):
    """A request whose JSON body is decoded under debtflow's rules (`web.bodies`), not by `json.loads` alone."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = decode_json(await self.body())
        return self._json

    async def decode_body(self) -> None:
        """Decode the body now, outside FastAPI's reading of it (which would make any refusal a bare 400):
        a refused body is a 422 naming the rule; bad syntax is left for FastAPI to report with its position."""
        if not await self.body():
            return  # FastAPI answers a missing body itself
        try:
            await self.json()
        except JsonRefused as error:
            raise refused_body(error) from None
        except ValueError:  # malformed JSON or text: FastAPI decodes again and names the position
            pass


class JsonRoute(APIRoute):
    """Routes with a JSON body answer 415 (not a confusing 422) to any other content type, and read the body
    with debtflow's JSON rules."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def checked(request: Request) -> Response:
            content_type = request.headers.get("content-type", "")
            if not _is_json(content_type):
                raise UnsupportedMediaType(
                    f"send the body as application/json (got {content_type.split(';')[0] or 'no content type'})"
                )
            decoded = JsonBodyRequest(request.scope, request.receive)
            await decoded.decode_body()
            return await handler(decoded)

        return checked


def service_router(**options: Any) -> APIRouter:
    """An APIRouter with debtflow's JSON-body checking; its problem answers are documented per route (`web.openapi`)."""
    return APIRouter(route_class=JsonRoute, **options)


async def read_body(request: Request, *, max_bytes: int) -> bytes:
    """The request body, refusing (413) more than `max_bytes` before reading it all into memory."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"the body is {declared} bytes; at most {max_bytes} are accepted")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"the body is larger than the {max_bytes} bytes accepted")
        chunks.append(chunk)
    return b"".join(chunks)


# -- dependencies routes use --------------------------------------------------------------------------


# Dependencies are `async def` so FastAPI calls them inline instead of in its thread pool.
async def get_runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def get_uow_factory(request: Request) -> UnitOfWorkFactory:
    return request.app.state.runtime.uow  # type: ignore[no-any-return]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session for queries; writes go through a unit of work."""
    async with request.app.state.runtime.sessions() as session:
        yield session


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
UnitOfWorks = Annotated[UnitOfWorkFactory, Depends(get_uow_factory)]
ReadSession = Annotated[AsyncSession, Depends(get_session)]


# -- request context middleware -----------------------------------------------------------------------


def _mounted_path(scope: Scope) -> str:
    """The mount a request went to (the API docs' assets), which leaves no route in the scope; any other path
    that matched nothing is `unmatched`, so a client probing random paths cannot grow the metrics' label set."""
    mounted_at = scope.get("root_path", "")  # a mount appends its path to the root path it hands on
    for route in getattr(scope["app"], "routes", ()):
        if isinstance(route, Mount) and route.path and mounted_at.endswith(route.path):
            return route.path
    return "unmatched"


class RequestContextMiddleware:
    """Correlation and request ids, access logs without query strings, and HTTP metrics by route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        supplied = headers.get("x-correlation-id", "")
        correlation_id = supplied if _SAFE_ID.match(supplied) else str(uuid.uuid4())
        request_id = str(uuid.uuid4())
        correlation_id_var.set(correlation_id)
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id, request_id=request_id)
        status_holder = {"status": 500}

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-correlation-id", correlation_id.encode()),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            self._record(scope, status_holder["status"], time.perf_counter() - started)
            structlog.contextvars.unbind_contextvars("correlation_id", "request_id")

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or _mounted_path(scope)
        method = scope["method"]
        runtime: ServiceRuntime | None = getattr(scope["app"].state, "runtime", None)
        if runtime is not None:
            runtime.metrics.http_requests.labels(method=method, route=route, status=str(status)).inc()
            runtime.metrics.http_latency.labels(method=method, route=route).observe(seconds)
        if route not in ("/livez", "/readyz", "/metrics"):
            log.info("http request", method=method, route=route, status=status, duration_ms=round(seconds * 1000, 2))


class RequestScopeMiddleware:
    """Enters the service's request scopes around each request, validation and error answers included."""

    def __init__(self, app: ASGIApp, scopes: Sequence[RequestScope]) -> None:
        self.app = app
        self.scopes = scopes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with ExitStack() as stack:
            for enter in self.scopes:
                stack.enter_context(enter())
            await self.app(scope, receive, send)


# -- operational endpoints ----------------------------------------------------------------------------


class OutboxStatusOut(BaseModel):
    pending: int = Field(description="Committed events not yet acknowledged by the broker.")
    oldest_pending_at: datetime | None
    retained_published: int = Field(description="Published events still kept for replay.")
    retained_since: datetime | None = Field(description="Replay can cover events from this time on.")
    relay_state: str


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: Instant = Field(description="Re-publish events that occurred at or after this instant.")
    until: Instant = Field(description="... and before this instant.")

    @model_validator(mode="after")
    def _ordered(self) -> ReplayIn:
        if self.until <= self.since:
            raise ValueError("until must be after since")
        return self


class ReplayOut(BaseModel):
    requeued: int = Field(description="Events queued for publishing again, in their original order.")
    retained_since: datetime | None = Field(description="Events older than this were purged and cannot be replayed.")


def _operations_router() -> APIRouter:
    router = service_router(tags=["operations"])

    @router.get("/livez", include_in_schema=True, summary="Liveness: the process is serving")
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="Readiness: database and broker reachable, events consumed, background loops alive",
                responses=answers(503))
    async def readyz(request: Request, runtime: Runtime) -> Response:
        checks: dict[str, str] = {}
        try:
            await runtime.check_database()
            checks["database"] = "ok"
        except Exception as error:
            checks["database"] = f"unavailable: {type(error).__name__}"
        try:
            await runtime.bus.check()
            checks["broker"] = "ok"
        except Exception as error:
            checks["broker"] = f"unavailable: {type(error).__name__}"
        checks["relay"] = runtime.relay.state
        consumer_failing = None
        if runtime.consumer is not None:
            consumer_failing = runtime.consumer.failing(runtime.settings.consumer_stall_seconds)
            checks["consumer"] = f"failing: {consumer_failing}" if consumer_failing else runtime.consumer.state
        for loop_name, failure in runtime.background_failures().items():
            checks[loop_name] = f"crashed: {failure}"
        ready = (checks["database"] == "ok" and checks["broker"] == "ok" and consumer_failing is None
                 and not runtime.background_failures())
        if ready:
            return JSONResponse({"status": "ready", "checks": checks})
        return problem_response(503, "not-ready", "Not ready", "a dependency is unavailable", request, checks=checks)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics(runtime: Runtime) -> Response:
        return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @router.get("/admin/outbox", summary="Outbox backlog and replay window", response_model=OutboxStatusOut)
    async def outbox(runtime: Runtime, _: Annotated[Actor, Depends(require_roles(Role.ADMIN))]) -> OutboxStatusOut:
        status = await outbox_status(runtime.sessions, runtime.definition.messaging.outbox)
        return OutboxStatusOut(**status.__dict__, relay_state=runtime.relay.state)

    @router.post("/admin/outbox:replay", summary="Re-publish retained events of a time range (after broker data loss)")
    async def replay(body: ReplayIn, runtime: Runtime,
                     actor: Annotated[Actor, Depends(require_roles(Role.ADMIN))]) -> ReplayOut:
        outbox_table = runtime.definition.messaging.outbox
        requeued = await replay_outbox(runtime.sessions, outbox_table, since=body.since, until=body.until)
        runtime.relay.notify()
        log.warning("outbox replay requested", actor=actor.subject, since=body.since.isoformat(),
                    until=body.until.isoformat(), requeued=requeued)
        status = await outbox_status(runtime.sessions, outbox_table)
        return ReplayOut(requeued=requeued, retained_since=status.retained_since)

    return router


def _document_every_answer(app: FastAPI, settings: ServiceSettings) -> None:
    """Complete the generated document (see `web.openapi`): derived problem answers, body limits, OPTIONS, named
    schemas."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_document(app, generate(), ProblemDetails, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(definition: ServiceDefinition, *, bus: Bus | None = None) -> FastAPI:
    """Build a service's FastAPI app. Resources start in the lifespan, so importing the app is cheap."""
    settings = definition.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(service=definition.name, level=settings.log_level, fmt=settings.log_format)
        runtime = ServiceRuntime(definition, bus=bus)
        app.state.runtime = runtime
        try:
            await runtime.start()
            yield
        finally:
            await runtime.stop()  # also after a failed start: close what was opened

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's own pages load Swagger UI and ReDoc from a CDN: blank offline
        redoc_url=None,
    )
    install_api_docs(app)
    _document_every_answer(app, settings)
    install_problem_handlers(app)
    app.include_router(_operations_router())
    for router in definition.routers:
        app.include_router(router)
    install_method_answers(app)
    # Innermost first: the gate needs every route included, and its refusals carry the correlation id.
    app.add_middleware(RequestGateMiddleware, service=app, settings=settings)
    if definition.request_scopes:
        app.add_middleware(RequestScopeMiddleware, scopes=definition.request_scopes)
    app.add_middleware(RequestContextMiddleware)
    return app
