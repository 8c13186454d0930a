"""What the timeline API answers."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class TimelineEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tenant: str | None
    debt_id: uuid.UUID | None
    event_id: str
    event_type: str
    source_service: str
    occurred_at: datetime
    summary: str
