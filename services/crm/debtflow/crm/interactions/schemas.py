"""What the interactions API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.dates import Instant
from debtflow.common.text import SafeMultilineText
from debtflow.crm.disputes.schemas import DocumentRef

InteractionChannel = Literal["sms", "call", "email", "letter", "field_visit", "agency", "web", "in_person"]
InteractionOutcome = Literal["reached", "no_answer", "busy", "wrong_number", "message_left", "message_sent",
                             "delivered", "bounced", "promise_to_pay", "refused_to_pay", "dispute_raised",
                             "complaint_raised", "hardship_raised", "callback_requested", "visited", "not_home",
                             "other"]


class InteractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debt_id: uuid.UUID | None = Field(None, description="The debt it was about; omitted: the borrower in general.")
    channel: InteractionChannel
    direction: Literal["inbound", "outbound"]
    party: Literal["borrower", "representative", "third_party"] = "borrower"
    outcome: InteractionOutcome
    occurred_at: Instant | None = Field(None, description="When it happened (default now); not in the future.")
    duration_seconds: int | None = Field(None, ge=0, le=86_400)
    recording_ref: DocumentRef | None = Field(None, description="Where the call recording is kept.")
    note: SafeMultilineText | None = Field(None, max_length=4000, description="Screened for personal data.")
    agency: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$",
                               description="The agency the agent works for, when not in-house.")
    strategy_code: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9\-_]*$",
                                      description="The collection strategy the contact was part of.")


class InteractionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    borrower_id: str
    debt_id: uuid.UUID | None
    channel: str
    direction: str
    party: str
    outcome: str
    occurred_at: datetime
    duration_seconds: int | None
    recording_ref: str | None
    note: str | None
    agent: str
    agency: str | None
    strategy_code: str | None
    recorded_at: datetime
