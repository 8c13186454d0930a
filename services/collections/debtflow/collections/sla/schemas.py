"""What the SLA API returns."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class TargetOut(BaseModel):
    name: str = Field(description="`first_action` (the lender's own target) or `running_strategy` (the mission's "
                      "two months from identification).")
    target_hours: float
    within: int
    late: int = Field(description="First action taken, but later than the target.")
    waiting_past_target: int = Field(description="Active, identified longer ago than the target, no action yet.")
    share_within: float | None


class SlaBreachOut(BaseModel):
    debt_id: uuid.UUID
    entered_at: datetime
    first_action_at: datetime | None
    status: str
    days_to_first_action: float | None


class SlaOut(BaseModel):
    identified: int = Field(description="Cases ever opened (a debt identified by its first classification).")
    started: int = Field(description="Cases whose first collection action was taken: a running strategy.")
    median_hours: float | None
    p90_hours: float | None
    targets: list[TargetOut]
    breaches: list[SlaBreachOut] = Field(description="Cases that missed the running-strategy target, oldest first.")
    next_cursor: str | None
