"""What the dispute API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.dates import BusinessDate
from debtflow.common.events.intake import ExternalRef
from debtflow.common.text import SafeMultilineText, SafeText

#: How the borrower raised it: the channel a complaint or dispute came in through.
InboundChannel = Literal["call", "sms", "email", "letter", "web", "in_person", "regulator", "agency"]
#: A reference to a document kept elsewhere (document management, a regulator's case number).
DocumentRef = Annotated[SafeText, Field(min_length=1, max_length=200)]


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    borrower_id: ExternalRef
    tenant: ExternalRef | None = Field(None, description="The lender; needed when the borrower id is in several.")
    debt_id: uuid.UUID | None = Field(None, description="The disputed debt; omitted: every debt of the borrower.")
    kind: Literal["amount", "ownership", "identity"] = Field(
        description="amount: the balance is wrong; ownership: not the lender's to collect; identity: the borrower "
        "says someone else took the loan (fraud).")
    reason_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$",
                             examples=["interest_miscalculated"])
    channel: InboundChannel
    raised_on: BusinessDate | None = Field(None, description="The day the borrower raised it (default today): the "
                                           "days-past-due clock stops from then.")
    description: SafeMultilineText | None = Field(None, max_length=4000)
    evidence_refs: list[DocumentRef] = Field(default_factory=list, max_length=20,
                                          description="References to evidence kept elsewhere (document ids).")


class DisputeResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["upheld", "partly_upheld", "rejected", "withdrawn"]
    reason: SafeMultilineText = Field(min_length=1, max_length=4000)
    resolved_on: BusinessDate | None = Field(None, description="Default today: the clock runs again from then.")


class DisputeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    borrower_id: str
    debt_id: uuid.UUID | None
    kind: str
    reason_code: str
    channel: str
    raised_on: date
    description: str | None
    evidence_refs: list[str]
    status: str
    outcome: str | None
    resolution_reason: str | None
    opened_by: str
    opened_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
