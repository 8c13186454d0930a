"""What a batch request answers: every item's outcome, in the order sent."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
)


class ItemResult(BaseModel):
    """The fate of one batch item: `line` is its line (NDJSON, CSV) or 1-based position (JSON array)."""

    line: int
    key: str | None = Field(None, description="The item's loan or payment id, when it could be read.")
    outcome: Literal["created", "updated", "unchanged", "recorded", "rejected"]
    id: uuid.UUID | None = None
    problem: dict[str, Any] | None = None


class BatchOut(BaseModel):
    received: int
    outcomes: dict[str, int] = Field(description="How many items ended in each outcome.")
    results: list[ItemResult]
