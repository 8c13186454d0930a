"""What the promises API returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class PromiseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    debt_id: uuid.UUID
    amount: Decimal
    currency: str
    due_on: date
    deadline_at: datetime
    status: str
    paid_amount: Decimal
    made_at: datetime
    made_by: str
    outcome_id: uuid.UUID | None
    resolved_at: datetime | None


class PromiseStatsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    debt_id: uuid.UUID
    made: int
    kept: int
    partly_kept: int
    broken: int
    last_broken_at: datetime | None
