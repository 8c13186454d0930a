"""What the collection case API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    debt_id: uuid.UUID
    borrower_id: str
    dpd_bucket: str
    five_tier_class: str
    classified_as_of: date
    strategy_code: str
    status: str
    next_action_channel: str
    next_action_at: datetime
    assigned_at: datetime
    updated_at: datetime
    escalated_at: datetime | None
    escalation_reason: str | None


class EscalationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason_code: str = Field(
        min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
        description="Why the case goes to legal, as a code (e.g. `broken_promises`, `no_contact`, `refuses_to_pay`).",
        examples=["broken_promises"],
    )
