"""What the hardship API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from debtflow.common.dates import BusinessDate
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import CurrencyCode, NonNegativeMoney
from debtflow.common.text import SafeMultilineText
from debtflow.crm.disputes.schemas import InboundChannel

HardshipReason = Literal["job_loss", "reduced_income", "illness", "disability", "bereavement",
                         "caring_responsibilities", "natural_disaster", "other"]
Arrangement = Literal["payment_pause", "reduced_payments", "payment_plan_referral"]


class HardshipRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    borrower_id: ExternalRef
    tenant: ExternalRef | None = Field(None, description="The lender; needed when the borrower id is in several.")
    debt_id: uuid.UUID | None = Field(None, description="The debt it is about; omitted: every debt of the borrower.")
    reasons: list[HardshipReason] = Field(min_length=1, max_length=8)
    channel: InboundChannel
    circumstances: SafeMultilineText | None = Field(None, max_length=4000,
                                                    description="What the borrower said, in the agent's words.")
    currency: CurrencyCode | None = Field(None, description="Needed with income or expenses.")
    monthly_income: NonNegativeMoney | None = None
    monthly_expenses: NonNegativeMoney | None = None

    @model_validator(mode="after")
    def _currency_with_amounts(self) -> HardshipRequestIn:
        if self.currency is None and (self.monthly_income is not None or self.monthly_expenses is not None):
            raise ValueError("currency is needed with monthly_income or monthly_expenses")
        return self


class HardshipDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["grant", "decline"]
    reason: SafeMultilineText = Field(min_length=1, max_length=4000)
    arrangement: Arrangement | None = Field(None, description="Required to grant.")
    starts_on: BusinessDate | None = Field(None, description="Default today.")
    ends_on: BusinessDate | None = Field(None, description="When the arrangement ends by itself, if known.")
    review_on: BusinessDate | None = Field(None, description="Required to grant: when it is looked at again.")
    reduced_payment: NonNegativeMoney | None = Field(None, description="Required for reduced_payments: the "
                                                     "monthly amount accepted, in the request's currency.")


class HardshipEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: SafeMultilineText = Field(min_length=1, max_length=4000)
    ended_on: BusinessDate | None = Field(None, description="Default today: the clock runs again from then.")


class HardshipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    borrower_id: str
    debt_id: uuid.UUID | None
    reasons: list[str]
    channel: str
    circumstances: str | None
    currency: str | None
    monthly_income: Decimal | None
    monthly_expenses: Decimal | None
    status: str
    arrangement: str | None
    reduced_payment: Decimal | None
    starts_on: date | None
    ends_on: date | None
    review_on: date | None
    decision_reason: str | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    ended_on: date | None
    end_reason: str | None
    ended_by: str | None
    ended_at: datetime | None
