"""Calling an OpenAPI operation by its key, for the tests that walk every operation of every service."""

from __future__ import annotations

import uuid
from typing import Any


def operation_url(operation_key: str, operation: dict[str, Any]) -> str:
    """The path of an OpenAPI operation (`"GET /v1/x/{id}"`) with a plausible value for each path parameter: a
    UUID where the document asks for one."""
    path = operation_key.split(" ", 1)[1]
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            schema = parameter.get("schema", {})
            value = str(uuid.uuid4()) if schema.get("format") == "uuid" else "BR-MATRIX-1"
            path = path.replace("{" + parameter["name"] + "}", value)
    return path
