"""What the payment plan and settlement API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from debtflow.common.dates import BusinessDate
from debtflow.common.money import NonNegativeMoney

AcceptanceChannel = Literal["call", "sms", "email", "letter", "field_visit", "in_person", "online"]


class InstalmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    due_on: BusinessDate
    amount: NonNegativeMoney


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    total_amount: NonNegativeMoney = Field(description="What the borrower agrees to pay in all, in the debt's "
                                           "currency; below the balance it is a discount.")
    down_payment: InstalmentIn = Field(description="Paid first, on or after today.")
    instalments: list[InstalmentIn] = Field(min_length=1, max_length=120,
                                            description="The later payments, each due after the one before.")


class SettlementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: NonNegativeMoney = Field(description="What settles the debt when paid in full, in its currency.")
    pay_by: BusinessDate = Field(description="The day it is to be paid by (grace days are added to it).")


class AcceptanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: AcceptanceChannel = Field(description="How the borrower accepted it.")


class _ArrangementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    debt_id: uuid.UUID
    borrower_id: str
    currency: str
    status: str
    balance: Decimal
    total_amount: Decimal
    discount_amount: Decimal
    discount_bp: int = Field(exclude=True)
    waived_penalty_interest: Decimal
    waived_fees: Decimal
    waived_interest: Decimal
    waived_principal: Decimal
    paid_amount: Decimal
    proposed_by: str
    proposer_role: str
    approvals: list[dict[str, Any]]
    proposed_at: datetime
    approved_at: datetime | None
    accepted_at: datetime | None
    accepted_by: str | None
    acceptance_channel: str | None
    ended_at: datetime | None
    ended_by: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def discount_percent(self) -> Decimal:
        return (Decimal(self.discount_bp) / 100).quantize(Decimal("0.01"))


class InstalmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sequence: int = Field(description="0 is the down payment.")
    due_on: date
    amount: Decimal
    paid_amount: Decimal
    status: str


class PlanOut(_ArrangementOut):
    instalments: list[InstalmentOut]


class SettlementOut(_ArrangementOut):
    pay_by: date
