"""What the circumstances API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.dates import BusinessDate
from debtflow.common.text import SafeMultilineText
from debtflow.crm.disputes.schemas import DocumentRef


class CircumstanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    circumstance: Literal["deceased", "bankrupt", "incarcerated", "fraud"]
    debt_id: uuid.UUID | None = Field(None, description="fraud may concern one debt; omitted: every debt of the "
                                      "borrower with the lender.")
    effective_on: BusinessDate = Field(description="Date of death, of the bankruptcy order, of imprisonment, or "
                                       "when the fraud was reported.")
    document_ref: DocumentRef = Field(description="The document that proves it (death certificate, court order, "
                                      "police report), as a reference to where it is kept.")
    notes: SafeMultilineText | None = Field(None, max_length=2000)


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: SafeMultilineText = Field(min_length=1, max_length=2000)


class CircumstanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    borrower_id: str
    debt_id: uuid.UUID | None
    circumstance: str
    effective_on: date
    document_ref: str
    notes: str | None
    status: str
    recorded_by: str
    recorded_at: datetime
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
