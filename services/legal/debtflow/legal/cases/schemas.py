"""Legal's API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class LegalCaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    debt_id: uuid.UUID
    borrower_id: str
    trigger: str
    five_tier_class: str | None
    stage: str
    opened_at: datetime
