"""The bad-input battery, generated from every service's OpenAPI document: each write operation's request body,
one hostile value at a time in each of its fields, must be refused naming that field, and store nothing.

The cases come from each property's schema (type, format, pattern, bounds), not from a list per endpoint, so a
new endpoint or field is covered the day it appears: plain-decimal money (no `1_000`, `1e3`, padding, non-ASCII
digits, JSON numbers beyond 15 significant digits), free text without control or bidi characters, ISO dates
within 1970..2100 and never a datetime, wrong types, nulls, missing required fields, unknown fields, empty and
over-long strings, over-long arrays. Every string and every array must be bounded; every input object must refuse
unknown fields unless it is a free-form document.

Each body starts from a valid one (the schema's example, or one generated from the schema) with one value
replaced; the unchanged body is sent first, so an operation whose generated body is itself refused is checked
more loosely (the hostile field is among the errors) rather than not at all. Batch endpoints answer 200 with each
item's outcome: there the item must be rejected with the same field named.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from reliability.access_rules import ACCESS, PUBLIC, SIGNED
from reliability.operations import operation_url

from support import token
from support.harness import Harness
from support.problems import PROBLEM_CONTENT_TYPE, fields_of

WRITE_METHODS = ("post", "put", "patch", "delete")
UNKNOWN_FIELD = "unexpected_field"
#: Longer than any bound an input string or array may have without saying so.
UNBOUNDED = 10_001
MONEY_PATTERN = re.compile(r"\[0-9\]\{1,16\}")

CONTROL_CHARACTERS = {
    "NUL": "\x00", "BEL": "\x07", "ESC sequence": "\x1b[2J", "DEL": "\x7f", "C1 NEL": "\x85", "C1 CSI": "\x9b",
    "right-to-left override": "\u202e", "left-to-right embedding": "\u202a", "pop directional": "\u202c",
    "right-to-left isolate": "\u2067", "pop isolate": "\u2069", "right-to-left mark": "\u200f",
    "left-to-right mark": "\u200e", "arabic letter mark": "\u061c", "lone surrogate": "\ud800",
}
#: Refused in one-line text only (a name); multi-line text (an address) keeps them.
LINE_BREAKS = {"newline": "\n", "tab": "\t", "carriage return": "\r"}
MONEY_CASES: dict[str, Any] = {
    "underscores": "1_000", "exponent": "1e3", "padded": " 100.00 ", "plus sign": "+100", "comma": "1,000.00",
    "Arabic-Indic digits": "١٠٠", "full-width digits": "１００", "trailing point": "100.", "NaN": "NaN",
    "three decimals": "1.234", "17 integer digits": "12345678901234567", "boolean": True,
    "number beyond 2^53": 9007199254740993, "16 significant digits": 1234567890123.456, "object": {},
}
DATE_CASES: dict[str, Any] = {
    "year 1": "0001-01-01", "year 9999": "9999-12-31", "datetime": "2026-11-27T00:00:00",
    "datetime with zone": "2026-11-27T00:00:00+08:00", "no such day": "2026-02-30", "basic format": "20261127",
    "week date": "2026-W48-5", "full-width digits": "２０２６-１１-２７", "padded": " 2026-11-27", "number": 20261127,
}
DATETIME_CASES: dict[str, Any] = {"not a time": "soon", "bare date": "2026-11-27", "naive": "2026-11-27T09:30:00",
                                  "year 1": "0001-01-01T00:00:00Z", "seconds since 1970": 1764322500}
#: Not a value to send: the schema itself breaks a rule of the battery (a date without a documented range).
UNDOCUMENTED = object()
#: (operation, case) pairs known to fail, each with the reason it is not fixed here. Keep it empty.
KNOWN_GAPS: set[tuple[str, str, str]] = set()


@dataclass(frozen=True)
class Case:
    """One hostile body: `path` is where the hostile value sits, `field` the name the answer must give it."""

    name: str
    path: tuple[str | int, ...]
    field: str
    value: Any
    remove: bool = False  # the field is left out instead


@dataclass
class Operation:
    key: str
    operation: dict[str, Any]
    schema: dict[str, Any]
    batch: bool  # a JSON array of items, each answered on its own

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0]


# -- reading the document ---------------------------------------------------------------------------------------


class Schemas:
    """Resolves the document's references and the `anyOf [X, null]` pydantic writes for an optional field."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.components = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """(the schema, whether null is allowed)."""
        nullable = False
        while True:
            if "$ref" in schema:
                schema = {**self.components[schema["$ref"].rsplit("/", 1)[1]],
                          **{key: value for key, value in schema.items() if key != "$ref"}}
            elif "anyOf" in schema:
                options = [option for option in schema["anyOf"] if option.get("type") != "null"]
                nullable = nullable or len(options) < len(schema["anyOf"])
                if len(options) != 1:  # a real union (a number or a decimal string): its first form is enough
                    return {**schema, **options[0], "union": True}, nullable
                schema = {**{key: value for key, value in schema.items() if key != "anyOf"}, **options[0]}
            else:
                return schema, nullable


def _write_operations(document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if method not in WRITE_METHODS or "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            is_batch = schema.get("type") == "array"
            yield Operation(f"{method.upper()} {path}", operation, schema["items"] if is_batch else schema, is_batch)


# -- a valid body ------------------------------------------------------------------------------------------------

_CANDIDATE_TEXT = ["valid text", "abc", "abc_1", "LN-1", "A1", "CNY", "100.00", "2026-11-01"]


def _valid(schemas: Schemas, schema: dict[str, Any], *, with_optional: bool = False) -> Any:
    """A value the schema accepts, as far as a schema can say (cross-field rules are the example's business)."""
    schema, _ = schemas.resolve(schema)
    if schema.get("examples"):
        return copy.deepcopy(schema["examples"][0])
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", ()))
        return {name: _valid(schemas, prop) for name, prop in schema.get("properties", {}).items()
                if name in required or with_optional}
    if kind == "array":
        return [_valid(schemas, schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2026-11-01"
    if schema.get("format") == "date-time":
        return "2026-11-01T09:00:00+00:00"
    pattern = re.compile(schema.get("pattern", ""))
    for text in _CANDIDATE_TEXT:
        if pattern.search(text) and schema.get("minLength", 0) <= len(text) <= schema.get("maxLength", 10**6):
            return text
    return "x" * max(1, schema.get("minLength", 1))


# -- the hostile values ------------------------------------------------------------------------------------------


def _field(path: tuple[str | int, ...], batch: bool) -> str:
    """The name an error gives the value at `path`: a batch item's errors leave out its position in the array."""
    return ".".join(str(part) for part in (path[1:] if batch else path))


def _long(valid: Any, length: int) -> str:
    filler = valid if isinstance(valid, str) and valid else "a"
    return (filler * (length // len(filler) + 1))[:length]


def _range_cases(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Just outside the range the schema documents; every date and time must document one."""
    earliest, latest = schema.get("formatMinimum"), schema.get("formatMaximum")
    if not (earliest and latest):
        yield "no documented range (formatMinimum, formatMaximum)", UNDOCUMENTED
        return
    if schema["format"] == "date":
        yield "date: the day before the earliest", (date.fromisoformat(earliest) - timedelta(days=1)).isoformat()
        yield "date: the day after the latest", (date.fromisoformat(latest) + timedelta(days=1)).isoformat()
    else:
        first, last = datetime.fromisoformat(earliest), datetime.fromisoformat(latest)
        yield "time: a day before the earliest", (first - timedelta(days=1)).isoformat()
        yield "time: a day after the latest", (last + timedelta(days=1)).isoformat()


def _string_cases(schema: dict[str, Any], valid: Any) -> Iterator[tuple[str, Any]]:
    money = MONEY_PATTERN.search(schema.get("pattern", "")) is not None
    # Money takes JSON numbers up to 15 significant digits, and a time's own cases send a number: not here.
    if not money and schema.get("format") != "date-time":
        yield "number instead of text", 12345
    yield "object instead of text", {"a": 1}
    if schema.get("format") == "date":
        yield from (("date: " + name, value) for name, value in DATE_CASES.items())
        yield from _range_cases(schema)
    elif schema.get("format") == "date-time":
        yield from (("time: " + name, value) for name, value in DATETIME_CASES.items())
        yield from _range_cases(schema)
    elif money:
        yield from (("money: " + name, value) for name, value in MONEY_CASES.items())
    text = valid if isinstance(valid, str) else "text"
    multiline = bool(schema.get("pattern")) and re.search(schema["pattern"], "line one\nline two") is not None
    for name, character in {**CONTROL_CHARACTERS, **({} if multiline else LINE_BREAKS)}.items():
        yield f"{name} inside", text[:1] + character + text[1:]
    if schema.get("minLength", 0) >= 1 or "enum" in schema or "format" in schema or (
            "pattern" in schema and re.search(schema["pattern"], "") is None):
        yield "empty", ""
    yield "over-long", _long(valid, schema.get("maxLength", UNBOUNDED - 1) + 1)


def _cases(schemas: Schemas, schema: dict[str, Any], valid: Any, path: tuple[str | int, ...], batch: bool,
           *, required: bool) -> Iterator[Case]:
    """The hostile values of one property, then those of what it holds (an object's fields, an array's item)."""
    raw = schema
    schema, nullable = schemas.resolve(schema)
    field = _field(path, batch)
    if not nullable:
        yield Case("null", path, field, None)
    if required:
        yield Case("missing", path, field, None, remove=True)
    kind = schema.get("type")
    if kind == "object":
        yield Case("text instead of an object", path, field, "object?")
        yield Case("array instead of an object", path, field, [])
        properties = schema.get("properties")
        if properties:
            assert schema.get("additionalProperties") is False, f"{field or 'the body'} accepts unknown fields"
            yield Case("unknown field", (*path, UNKNOWN_FIELD), _field((*path, UNKNOWN_FIELD), batch), "surprise")
            inner = valid if isinstance(valid, dict) else _valid(schemas, raw)
            names = set(schema.get("required", ()))
            for name, prop in properties.items():
                yield from _cases(schemas, prop, inner.get(name, _valid(schemas, prop)), (*path, name), batch,
                                  required=name in names)
    elif kind == "array":
        yield Case("text instead of an array", path, field, "list?")
        item = schema.get("items", {})
        element = valid[0] if isinstance(valid, list) and valid else _valid(schemas, item, with_optional=True)
        yield Case("over-long array", path, field, [element] * (schema.get("maxItems", UNBOUNDED - 1) + 1))
        yield from _cases(schemas, item, element, (*path, 0), batch, required=False)
    elif kind in ("integer", "number") and not schema.get("union"):
        yield Case("text instead of a number", path, field, "many")
        yield Case("object instead of a number", path, field, {})
        if kind == "integer":
            yield Case("fraction", path, field, 1.5)
        if "minimum" in schema:
            yield Case("below the minimum", path, field, schema["minimum"] - 1)
        if "maximum" in schema:
            yield Case("above the maximum", path, field, schema["maximum"] + 1)
    elif kind == "boolean":
        yield Case("not a boolean", path, field, "maybe")
        yield Case("object instead of a boolean", path, field, {})
    elif kind == "string" or schema.get("union"):
        for name, value in _string_cases(schema, valid):
            yield Case(name, path, field, value)


def _with(body: Any, case: Case, schemas: Schemas, operation: Operation) -> Any:
    """The valid body with the case's value put (or left out) at its path, creating what holds it if absent."""
    hostile = copy.deepcopy(body)
    target, schema = hostile, {"type": "array", "items": operation.schema} if operation.batch else operation.schema
    for part in case.path[:-1]:
        schema, _ = schemas.resolve(schema)
        inner = schema["items"] if isinstance(part, int) else schema["properties"][part]
        if isinstance(part, int):
            if not target:
                target.append(_valid(schemas, inner, with_optional=True))
        elif not isinstance(target.get(part), dict | list) or (isinstance(target[part], list) and not target[part]):
            resolved, _ = schemas.resolve(inner)
            target[part] = _valid(schemas, inner, with_optional=True) if resolved.get("type") != "array" else []
        target, schema = target[part], inner
    last = case.path[-1]
    if case.remove:
        target.pop(last, None)
    elif isinstance(last, int) and len(target) <= last:
        target.append(case.value)
    else:
        target[last] = case.value
    return hostile


# -- running it ----------------------------------------------------------------------------------------------------


def _caller(service: str, key: str) -> dict[str, str]:
    rule = ACCESS[service][key]
    assert rule != PUBLIC, f"{key} writes without a token"
    role = "lender" if "lender" in rule else "supervisor" if "supervisor" in rule else sorted(rule)[0]
    return token(role, subject="lending-core-a" if role == "lender" else f"battery-{role}")


async def _row_counts(service: Harness) -> dict[str, int]:
    return {table.name: await service.count(table) for table in service.runtime.definition.metadata.sorted_tables}


def _refusal(reply: Any, case: Case, batch: bool) -> tuple[set[str], str | None]:
    """(the fields the refusal names, what is wrong with the answer itself, if anything)."""
    if batch:
        if reply.status_code != 200:
            return set(), f"status {reply.status_code}, expected 200 with the item rejected"
        [result] = reply.json()["results"]
        if result["outcome"] != "rejected":
            return set(), f"item {result['outcome']}"
        problem = result["problem"]
        if case.path == (0,):  # the item is not an object at all: it has no fields to name
            return ({""}, None) if problem.get("type") == "urn:debtflow:problem:malformed-item" else (
                set(), f"problem type {problem.get('type')}")
    else:
        if reply.status_code != 422:
            return set(), f"status {reply.status_code}: {reply.text[:300]}"
        if not reply.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE):
            return set(), f"content type {reply.headers['content-type']}"
        problem = reply.json()
    if problem.get("type") != "urn:debtflow:problem:validation-error":
        return set(), f"problem type {problem.get('type')}"
    if any(not error.get("rule") or not error.get("message") for error in problem["errors"]):
        return set(), f"an error without a rule or message: {problem['errors']}"
    return fields_of(problem), None


async def test_every_hostile_value_is_refused_naming_its_field_and_nothing_is_stored(service: Harness) -> None:
    document = (await service.client.get("/openapi.json")).json()
    schemas = Schemas(document)
    # A signed operation reads no body before its signature holds: its service's own tests send signed bad bodies.
    operations = [operation for operation in _write_operations(document)
                  if ACCESS[service.service][operation.key] != SIGNED]
    wrong: list[str] = []
    gaps_seen: set[tuple[str, str, str]] = set()
    cases_sent = 0
    for operation in operations:
        headers = {**_caller(service.service, operation.key), "Content-Type": "application/json"}
        url = operation_url(operation.key, operation.operation)
        single = _valid(schemas, operation.schema)
        body = [single] if operation.batch else single
        # The unchanged body first: refused, it would blame every case on something else (then checked loosely).
        first = await service.client.request(operation.method, url, content=json.dumps(body), headers=headers)
        strict = first.status_code not in (400, 422) and not (
            operation.batch and first.json()["results"][0]["outcome"] == "rejected")
        before = await _row_counts(service)
        for case in _cases(schemas, operation.schema, single, (0,) if operation.batch else (), operation.batch,
                           required=False):
            if not case.path:
                continue  # the body itself: its null and wrong types are the body decoder's business
            if case.value is UNDOCUMENTED:
                named, trouble = {case.field}, case.name
            else:
                cases_sent += 1
                hostile = _with(body, case, schemas, operation)
                reply = await service.client.request(operation.method, url, content=json.dumps(hostile),
                                                     headers=headers)
                named, trouble = _refusal(reply, case, operation.batch)
            if trouble is None and case.field not in named and not any(
                    field.startswith(case.field + ".") for field in named):
                trouble = f"the answer names {sorted(named)}"
            if trouble is None and strict and any(
                    field != case.field and not field.startswith(case.field + ".")
                    and not case.field.startswith(field + ".") for field in named):
                trouble = f"the answer also blames {sorted(named)}"
            if trouble and (operation.key, case.field, case.name) in KNOWN_GAPS:
                gaps_seen.add((operation.key, case.field, case.name))
            elif trouble:
                wrong.append(f"{operation.key} {case.field!r} {case.name}: {trouble}")
        after = await _row_counts(service)
        if after != before:
            wrong.append(f"{operation.key}: rows were stored by refused requests: "
                         f"{ {name: (before[name], after[name]) for name in after if after[name] != before[name]} }")
    assert not wrong, f"{len(wrong)} of {cases_sent} hostile values:\n" + "\n".join(wrong)
    fixed = {gap for gap in KNOWN_GAPS if gap[0] in {operation.key for operation in operations}} - gaps_seen
    assert not fixed, f"known gaps that no longer fail: take them out of KNOWN_GAPS: {sorted(fixed)}"


async def test_every_date_in_a_query_is_as_strict_as_in_a_body(service: Harness) -> None:
    """A date filter or an as-of day in a query string takes the same ISO dates in the same range."""
    document = (await service.client.get("/openapi.json")).json()
    schemas = Schemas(document)
    wrong = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            key = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                schema, _ = schemas.resolve(parameter.get("schema", {}))
                if parameter["in"] != "query" or schema.get("format") != "date":
                    continue
                for name, value in [*DATE_CASES.items(), *_range_cases(schema)]:
                    if value is UNDOCUMENTED:
                        wrong.append(f"{key} ?{parameter['name']}: {name}")
                        continue
                    reply = await service.client.request(
                        method.upper(), operation_url(key, operation), params={parameter["name"]: str(value)},
                        headers=_caller(service.service, key))
                    named = fields_of(reply.json()) if reply.status_code == 422 else set()
                    if parameter["name"] not in named:
                        wrong.append(f"{key} ?{parameter['name']}={value!r} ({name}): {reply.status_code}")
    assert not wrong, "\n".join(wrong)
