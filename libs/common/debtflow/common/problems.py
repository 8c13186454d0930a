"""RFC 9457 problem details: every error a debtflow API returns, with a stable `type` and, for bad input, field paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from debtflow.common.logging import correlation_id_var, get_logger

log = get_logger(__name__)
PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_type(slug: str) -> str:
    """Problem types are URNs: stable identifiers that do not pretend to be resolvable web pages."""
    return f"urn:debtflow:problem:{slug}"


class Problem(Exception):
    """A domain or request error with its HTTP status; raise it from service code, the app renders it."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, status: int | None = None, slug: str | None = None,
                 title: str | None = None, headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status or self.status
        self.slug = slug or self.slug
        self.title = title or self.title
        self.headers = headers or {}
        self.extensions = extensions


    def document(self) -> dict[str, Any]:
        return problem_document(self.status, self.slug, self.title, self.detail, **self.extensions)


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class Unauthenticated(Problem):
    status, slug, title = 401, "unauthenticated", "Authentication required"

    def __init__(self, detail: str, *, invalid_token: bool = False) -> None:
        # RFC 6750 section 3: no error code when credentials are missing, `invalid_token` when one was refused.
        challenge = 'Bearer realm="debtflow"' + (', error="invalid_token"' if invalid_token else "")
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class InvalidInput(Problem):
    """Input that parsed but breaks a business rule; `errors` names the fields like a validation error."""

    status, slug, title = 422, "validation-error", "Invalid input"

    def __init__(self, detail: str, *, errors: list[dict[str, str]]) -> None:
        super().__init__(detail, errors=errors)


def field_error(field: str, rule: str, message: str, location: str = "body") -> dict[str, str]:
    return {"field": field, "in": location, "pointer": "#/" + field.replace(".", "/"), "rule": rule,
            "message": message}


def problem_document(status: int, slug: str, title: str, detail: str, **extensions: Any) -> dict[str, Any]:
    """The RFC 9457 body, also used for the per-item problems of a batch."""
    return {"type": problem_type(slug), "title": title, "status": status, "detail": detail, **extensions}


def problem_response(status: int, slug: str, title: str, detail: str, request: Request | None = None,
                     headers: dict[str, str] | None = None, **extensions: Any) -> JSONResponse:
    body: dict[str, Any] = problem_document(status, slug, title, detail)
    if request is not None:
        body["instance"] = request.url.path
    correlation_id = correlation_id_var.get()
    if correlation_id:
        body["correlation_id"] = correlation_id
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_CONTENT_TYPE, headers=headers)


def _message(item: Any) -> str:
    message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
    context = item.get("ctx") or {}
    # A length bound on a checked text type (SafeText) is applied after its check, and pydantic then words it for
    # any "Value" in "items": in debtflow those values are always text, so say characters.
    if item.get("type") in ("too_long", "too_short") and context.get("field_type") == "Value":
        bound = "at most" if item["type"] == "too_long" else "at least"
        limit = context.get("max_length" if item["type"] == "too_long" else "min_length")
        message = f"should have {bound} {limit} characters, not {context.get('actual_length')}"
    return message


def validation_errors(errors: Sequence[Any], *, location: str | None = None) -> list[dict[str, str]]:
    """Pydantic errors as field paths and rule names only: input values are never echoed (they may be
    personal data). Request errors carry their location first; pass `location` for a bare model's errors."""
    items = []
    for item in errors:
        parts = [str(part) for part in item.get("loc", ())]
        if location is not None:
            parts.insert(0, location)
        where, *path = parts or ["body"]
        field = ".".join(path) or where
        message = _message(item)
        if item.get("type") == "json_invalid":  # its "path" is a character position, not a field
            field, message = where, f"{message} at character {'.'.join(path) or '?'}"
        items.append(field_error(field, str(item.get("type", "invalid")), message, where))
    return items


_HTTP_SLUGS = {401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
               409: "conflict", 413: "payload-too-large", 415: "unsupported-media-type", 429: "too-many-requests"}


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> JSONResponse:
        return problem_response(error.status, error.slug, error.title, error.detail, request, error.headers,
                                **error.extensions)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = validation_errors(error.errors())
        fields = ", ".join(sorted({item["field"] for item in errors}))
        return problem_response(422, "validation-error", "Invalid input",
                                f"{len(errors)} field(s) failed validation: {fields}", request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        slug = _HTTP_SLUGS.get(error.status_code, "http-error")
        detail = error.detail if isinstance(error.detail, str) else "request failed"
        return problem_response(error.status_code, slug, slug.replace("-", " ").capitalize(), detail, request,
                                getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, error: Exception) -> JSONResponse:
        # The stack trace goes to the log with the correlation id; the client gets only that id.
        log.exception("unhandled error", path=request.url.path, error_type=type(error).__name__)
        # This handler runs outside the request-context middleware, so it sets the header itself.
        correlation_id = correlation_id_var.get()
        return problem_response(500, "internal-error", "Internal error",
                                "The request failed unexpectedly; quote the correlation id to support.", request,
                                headers={"X-Correlation-ID": correlation_id} if correlation_id else None)
