"""Every answer a service gives is in its OpenAPI document: problem answers derived from each route's shape, the
ones a route declares, schemas named by hand-written request bodies, and OPTIONS on every path.

Derived, so that a new route is documented without anyone remembering to: a token dependency gives 401 (and 403
when it names roles), a path parameter 404 (the resource may not exist), a request body 400, 413, 415 and 422, any other
parameter 422, an `Idempotency-Key` header 409. What only the use case knows (a 404 for an unknown loan in a
body, a 409 for a state conflict) the route declares with `responses=answers(404, 409)`. An operation with a body
states the largest it accepts (`x-max-body-bytes`, the limit the request gate enforces) and says it in its 413.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from starlette.routing import compile_path

from debtflow.common.auth import current_actor
from debtflow.common.problems import PROBLEM_CONTENT_TYPE, problem_response
from debtflow.common.settings import ServiceSettings
from debtflow.common.web.bodies import MAX_DEPTH
from debtflow.common.web.gate import BODY_LIMIT_KEY, body_limit, route_calls

SCHEMA_REF = "#/components/schemas/"

PROBLEM_ANSWERS: dict[int, str] = {
    400: "The body cannot be read: not valid UTF-8, or not the JSON it claims to be",
    401: "Missing, expired or invalid bearer token",
    403: "The caller's roles do not allow this operation",
    404: "The resource (or one the request names) does not exist, or is not the caller's to see",
    405: "The method is not allowed on this path; `Allow` lists those that are",
    409: "The request conflicts with the resource's state, or reuses an Idempotency-Key with another body",
    413: "The body is larger than this operation accepts, or holds too many items",
    415: "The body's content type is not one this operation accepts",
    422: "Invalid input; `errors` names each field and rule (a JSON body may nest at most "
         f"{MAX_DEPTH} levels, name a key once per object, and hold no NaN or Infinity)",
    503: "Not ready: a dependency (database, broker) or a loop is failing",
}

#: Models that hand-written request bodies (`openapi_extra`) refer to by name; FastAPI only defines the models
#: it sees as parameters, so these are added to the document where it refers to them.
_NAMED_SCHEMAS: dict[str, type[BaseModel]] = {}

_IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_RULE = (
    "Optional; 1-255 visible ASCII characters. The first answer to a key is kept for "
    "`IDEMPOTENCY_RETENTION_HOURS` (24 h): the same key with the same body replays it (with `Idempotent-Replayed: "
    "true`), the same key with another body is `409`."
)


def problem_answer(status: int, description: str | None = None) -> dict[str, Any]:
    # Not `model=`: FastAPI would attach the schema to application/json, which errors are never sent as.
    return {"description": description or PROBLEM_ANSWERS[status],
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": f"{SCHEMA_REF}ProblemDetails"}}}}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the problem answers only its use case knows it can give."""
    return {status: problem_answer(status) for status in statuses}


def named_schema(model: type[BaseModel]) -> str:
    """A `$ref` to `model` for a hand-written request body; the model is added to every document that uses it."""
    _NAMED_SCHEMAS[model.__name__] = model
    return f"{SCHEMA_REF}{model.__name__}"


def complete_document(app: FastAPI, document: dict[str, Any], problem_details: type[BaseModel],
                      settings: ServiceSettings) -> dict[str, Any]:
    """Add derived answers, body limits, OPTIONS operations and missing schemas to the document FastAPI generated
    (the limits are those of `settings`, the service's own)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    _add_schema(schemas, problem_details)
    paths = document.get("paths", {})
    for path, methods, route in _api_routes(app):
        if route.include_in_schema and path in paths:
            for method in methods:
                operation = paths[path].get(method.lower())
                if operation is not None:
                    _complete_operation(route, operation)
                    _state_body_limit(route, operation, settings)
    for path, item in paths.items():
        item["options"] = _options_operation(path, item)
    _define_named_schemas(document, schemas)
    used = set(_references(document))
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422 body, which is never sent
        if unused not in used:
            schemas.pop(unused, None)
    return document


def _api_routes(app: FastAPI) -> Iterator[tuple[str, set[str], APIRoute]]:
    """(full path, methods, route) of every API route, through included routers (FastAPI 0.165 keeps them nested)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context.path_format, set(context.methods or ()), context.original_route


def _complete_operation(route: APIRoute, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for status in _derived_statuses(route, operation):
        responses.setdefault(str(status), problem_answer(status))
    if "422" in responses:  # FastAPI's own 422 claims application/json; debtflow answers problem+json
        responses["422"] = problem_answer(422)
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name") == _IDEMPOTENCY_HEADER:
            parameter["description"] = _IDEMPOTENCY_RULE
            for status, answer in responses.items():
                if status.startswith("2"):
                    answer.setdefault("headers", {})["Idempotent-Replayed"] = {
                        "description": "`true` when this is the stored answer to an earlier request with the key",
                        "schema": {"type": "string", "enum": ["true"]}}


def _state_body_limit(route: APIRoute, operation: dict[str, Any], settings: ServiceSettings) -> None:
    if "requestBody" not in operation:
        operation.pop(BODY_LIMIT_KEY, None)
        return
    limit = body_limit(route, settings)
    operation[BODY_LIMIT_KEY] = limit.max_bytes
    operation["responses"]["413"] = problem_answer(
        413, f"The body is larger than this operation accepts (at most {limit.describe(settings)}), or "
        "holds too many items")


def _derived_statuses(route: APIRoute, operation: dict[str, Any]) -> set[int]:
    calls = route_calls(route)
    statuses: set[int] = set()
    if current_actor in calls:
        statuses.add(401)
    if any(getattr(call, "allowed_roles", None) for call in calls):
        statuses.add(403)
    if route.dependant.path_params or any(dependant.path_params for dependant in _dependants(route.dependant)):
        statuses |= {404, 422}
    if "requestBody" in operation:
        statuses |= {400, 413, 415, 422}
    if operation.get("parameters"):
        statuses.add(422)
    if any(parameter.get("name") == _IDEMPOTENCY_HEADER for parameter in operation.get("parameters", [])):
        statuses.add(409)
    return statuses


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    for child in dependant.dependencies:
        yield child
        yield from _dependants(child)


def _options_operation(path: str, item: dict[str, Any]) -> dict[str, Any]:
    methods = sorted({method.upper() for method in item if method != "options"} | {"OPTIONS"})
    path_parameters = {parameter["name"]: parameter for operation in item.values() if isinstance(operation, dict)
                       for parameter in operation.get("parameters", []) if parameter.get("in") == "path"}
    return {
        "summary": "The methods this path allows",
        **({"parameters": list(path_parameters.values())} if path_parameters else {}),
        "operationId": "options_" + "".join(ch if ch.isalnum() else "_" for ch in path).strip("_"),
        "tags": ["HTTP"],
        "responses": {"204": {"description": f"No body; `Allow: {', '.join(methods)}`", "headers": {
            "Allow": {"description": "The methods this path answers", "schema": {"type": "string"}}}}},
    }


def _define_named_schemas(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    for name in sorted(_references(document)):
        model = _NAMED_SCHEMAS.get(name)
        if name not in schemas and model is not None:
            _add_schema(schemas, model)


def _add_schema(schemas: dict[str, Any], model: type[BaseModel]) -> None:
    schema = model.model_json_schema(ref_template=SCHEMA_REF + "{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault(model.__name__, schema)


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith(SCHEMA_REF):
            yield reference.removeprefix(SCHEMA_REF)
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


# -- the answers themselves: OPTIONS and 405 name every method of the path -----------------------------------


def install_method_answers(app: FastAPI) -> None:
    """Answer OPTIONS on every path with 204 and the full `Allow`, and make a 405's `Allow` list every method
    of the path: Starlette would name only the methods of the first route that matched the path."""
    methods_by_path: dict[str, set[str]] = {}
    for path, methods, _ in _api_routes(app):
        methods_by_path.setdefault(path, {"OPTIONS"}).update(methods)
    patterns = [(compile_path(path)[0], methods) for path, methods in methods_by_path.items()]

    def allow_header(request: Request) -> str:
        # Every path the URL matches: `/rulesets/x:dry-run` also matches `/rulesets/{ruleset_id}`, and a GET
        # there is routed (and answered 422), so it is allowed in the HTTP sense.
        allowed = {"OPTIONS"}.union(*(methods for pattern, methods in patterns if pattern.match(request.url.path)))
        return ", ".join(sorted(allowed))

    async def answer_options(request: Request) -> Response:
        return Response(status_code=204, headers={"Allow": allow_header(request)})

    async def method_not_allowed(request: Request, error: Exception) -> Response:
        allow = allow_header(request)
        return problem_response(405, "method-not-allowed", "Method not allowed",
                                f"{request.method} is not allowed here; use one of {allow}", request, {"Allow": allow})

    for path in sorted(methods_by_path):
        app.add_api_route(path, answer_options, methods=["OPTIONS"], include_in_schema=False, status_code=204)
    app.add_exception_handler(405, method_not_allowed)  # by status: chosen before the handler of HTTPException
