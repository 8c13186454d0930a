"""CRM's API shapes."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.problems import InvalidInput, field_error


class TimelineEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    debt_id: uuid.UUID | None
    event_id: str
    event_type: str
    source_service: str
    occurred_at: datetime
    summary: str


class TimelineOut(BaseModel):
    borrower_id: str
    entries: list[TimelineEntryOut]
    next_cursor: str | None = Field(description="Pass as `before` to get the next (older) page; null at the end.")


def encode_cursor(occurred_at: datetime, entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"{occurred_at.isoformat()}|{entry_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        moment, entry_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        parsed, entry = datetime.fromisoformat(moment), int(entry_id)
        if parsed.tzinfo is None or not 0 < entry < 2**63:
            raise ValueError("out of range")
        return parsed, entry
    except ValueError:
        raise InvalidInput("the cursor is not one this API returned",
                           errors=[field_error("before", "cursor", "not a valid cursor", "query")]) from None
