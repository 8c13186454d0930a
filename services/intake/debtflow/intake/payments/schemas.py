"""Payments and reversals as lending cores post them, and the payments as recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from debtflow.common.dates import Instant
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import (
    CurrencyCode,
    NonNegativeMoney,
)
from debtflow.intake.debts.schemas import fits_currency

Channel = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
ReasonCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "payment_id": "PAY-20261128-0001", "loan_id": "LN-2026-000123", "amount": "500.00", "currency": "CNY",
        "paid_at": "2026-11-28T09:15:00+08:00", "channel": "bank_transfer",
    }]})

    payment_id: ExternalRef = Field(description="The lending core's payment id; unique per source system.")
    loan_id: ExternalRef
    currency: CurrencyCode = "CNY"
    amount: NonNegativeMoney
    paid_at: Instant
    channel: Channel = Field(description="How it was paid, e.g. `bank_transfer`, `wechat_pay`, `alipay`, `card`.")

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        if amount <= 0:
            raise ValueError("a payment must be greater than zero")
        return fits_currency(amount, info)  # type: ignore[return-value]

    @field_validator("paid_at")
    @classmethod
    def _not_future(cls, paid_at: datetime) -> datetime:
        if paid_at > datetime.now(UTC) + timedelta(minutes=5):
            raise ValueError("must not be in the future")
        return paid_at


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    payment_id: str = Field(validation_alias="external_id")
    debt_id: uuid.UUID
    amount: NonNegativeMoney
    currency: str
    paid_at: datetime
    channel: str
    applied_penalty_interest: NonNegativeMoney
    applied_fees: NonNegativeMoney
    applied_interest: NonNegativeMoney
    applied_principal: NonNegativeMoney
    credit: NonNegativeMoney = Field(description="The part of the payment beyond what was owed.")
    post_disposal: bool
    status: Literal["applied", "reversed"]
    reversal_reason: str | None
    reversed_at: datetime | None
    received_at: datetime


class ReversalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason_code: ReasonCode = Field(description="e.g. `bounced`, `chargeback`, `posted_in_error`.")


#: The columns a CSV batch of payments may have, in any order.
PAYMENT_CSV_COLUMNS = ("payment_id", "loan_id", "currency", "amount", "paid_at", "channel")
