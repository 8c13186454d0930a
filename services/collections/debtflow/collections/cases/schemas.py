"""What the collection case API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    debt_id: uuid.UUID
    borrower_id: str
    status: str = Field(description="active, closed (settled, sold, written off, cured) or escalated (to legal).")
    dpd_bucket: str
    five_tier_class: str
    overdue_type: str | None
    days_past_due: int
    classified_as_of: date
    exposure: Decimal
    currency: str
    strategy_code: str
    strategy_version: int = Field(description="0: the built-in version.")
    experiment_id: str | None
    arm: str | None
    step_index: int = Field(description="The step of the path planned next (past the last: the path is done).")
    path_exit: str | None = Field(description="Why the path stopped early (dispute, hardship, restriction ...).")
    next_action_channel: str | None
    next_action_at: datetime | None
    entered_at: datetime
    first_action_at: datetime | None
    assigned_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    escalated_at: datetime | None
    escalation_reason: str | None


class PlannedActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    strategy_code: str
    strategy_version: int
    step_index: int
    channel: str
    template_code: str
    tone: str
    due_at: datetime
    status: str = Field(description="scheduled, dispatching, sent, queued, suppressed, cancelled or failed.")
    rule: str | None = Field(description="The contact-policy rule that deferred or suppressed it, or why it ended.")
    attempts: int
    created_at: datetime
    decided_at: datetime | None


class EscalationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason_code: str = Field(
        min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
        description="Why the case goes to legal, as a code (e.g. `broken_promises`, `no_contact`, `refuses_to_pay`).",
        examples=["broken_promises"],
    )
