"""The one check of an RFC 9457 answer every test uses: status, content type, the stable type, named fields."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"


def assert_problem(response: Any, status: int, slug: str | None = None, *,
                   fields: Iterable[str] = ()) -> dict[str, Any]:
    """Assert `response` is a problem+json of `status` (and type `urn:debtflow:problem:<slug>`, and errors naming
    each of `fields`, if given); returns the problem document."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE), response.headers
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status, problem
    assert problem["title"] and problem["detail"], problem
    if slug is not None:
        assert problem["type"] == f"urn:debtflow:problem:{slug}", problem
    missing = set(fields) - fields_of(problem)
    assert not missing, f"the problem names no error for {sorted(missing)}: {problem}"
    return problem


def fields_of(problem: dict[str, Any]) -> set[str]:
    """The fields a validation problem names."""
    return {error["field"] for error in problem.get("errors") or []}
