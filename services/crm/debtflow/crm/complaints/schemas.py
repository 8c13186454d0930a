"""What the complaint API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.dates import Instant
from debtflow.common.events.intake import ExternalRef
from debtflow.common.text import SafeMultilineText
from debtflow.crm.complaints.rules import Category, Outcome, RootCause, Severity
from debtflow.crm.disputes.schemas import InboundChannel

SubjectKind = Literal["collector", "agency", "system", "other"]
ComplaintStatus = Literal["received", "acknowledged", "escalated", "resolved"]


class ComplaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    borrower_id: ExternalRef
    tenant: ExternalRef | None = Field(None, description="The lender; needed when the borrower id is in several.")
    debt_id: uuid.UUID | None = Field(None, description="The debt complained about; omitted: all of the borrower's.")
    channel: InboundChannel
    category: Category = Field(description="aggressive_collection (aggressive or threatening collection), "
                               "contact_outside_hours_or_too_often, third_party_contact, wrong_amount, privacy, other.")
    severity: Severity
    subject_kind: SubjectKind = Field(description="Who or what is complained about.")
    subject_ref: str | None = Field(
        None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@\-]*$",
        description="The collector's staff identity or the agency's code (required for those two kinds); never "
        "a person's name or contact data.", examples=["collector-7"])
    description: SafeMultilineText | None = Field(None, max_length=4000)
    received_at: Instant | None = Field(None, description="When the complaint reached us (default now; a letter "
                                        "may have arrived earlier): the deadlines count from then.")


class ComplaintResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    root_cause: RootCause = Field(description="Why it happened: agent_conduct, agency_conduct, process_gap, "
                                  "system_error, communication, no_fault, not_determined.")
    resolution: SafeMultilineText = Field(min_length=1, max_length=4000,
                                          description="What was found and what was done (told to the borrower).")


class ComplaintOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    borrower_id: str
    debt_id: uuid.UUID | None
    channel: str
    category: str
    severity: str
    subject_kind: str
    subject_ref: str | None
    description: str | None
    status: str
    pauses_collection: bool
    received_at: datetime
    received_by: str
    acknowledge_by: datetime
    resolve_by: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    escalation_level: int
    escalated_at: datetime | None
    acknowledgement_escalated_at: datetime | None
    resolution_escalated_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    outcome: str | None
    root_cause: str | None
    resolution: str | None
