"""Intake's API shapes: a default as the lending core posts it, and a debt as intake answers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import MAX_AMOUNT, CurrencyCode, NonNegativeMoney, check_amount_fits_currency


class DefaultIn(BaseModel):
    """A defaulted loan. The calling system's token subject is its source system."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "loan_id": "LN-2026-000123", "borrower_id": "BR-88812", "currency": "CNY",
            "principal_outstanding": "12000.00", "interest_outstanding": "350.40", "fees_outstanding": "50.00",
            "first_unpaid_due_date": "2026-08-15", "as_of_date": "2026-11-27",
        }]},
    )

    loan_id: ExternalRef = Field(description="The lending core's loan id; unique per source system.")
    borrower_id: ExternalRef = Field(description="The lending core's borrower id (an opaque reference).")
    currency: CurrencyCode = Field("CNY", description="ISO 4217 code; debtflow holds two decimals.")
    as_of_date: date = Field(description="The date the balances below are valid for.")
    principal_outstanding: NonNegativeMoney
    interest_outstanding: NonNegativeMoney = Decimal("0.00")
    fees_outstanding: NonNegativeMoney = Decimal("0.00")
    first_unpaid_due_date: date = Field(description="Due date of the oldest unpaid instalment.")

    @field_validator("as_of_date")
    @classmethod
    def _not_in_future(cls, as_of: date) -> date:
        # One day of slack: a lending core east of UTC is already on tomorrow's date.
        if as_of > datetime.now(UTC).date() + timedelta(days=1):
            raise ValueError("as_of_date must not be in the future")
        return as_of

    @field_validator("principal_outstanding", "interest_outstanding", "fees_outstanding")
    @classmethod
    def _fits_currency(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        currency = info.data.get("currency")
        if currency:
            check_amount_fits_currency(amount, currency)
        return amount

    @field_validator("first_unpaid_due_date")
    @classmethod
    def _due_before_as_of(cls, due: date, info: ValidationInfo) -> date:
        as_of = info.data.get("as_of_date")
        if as_of is not None and due > as_of:
            raise ValueError("first_unpaid_due_date must not be after as_of_date (the loan is not overdue yet)")
        return due

    @model_validator(mode="after")
    def _something_owed(self) -> DefaultIn:
        total = self.principal_outstanding + self.interest_outstanding + self.fees_outstanding
        if total <= 0:
            raise ValueError("a default must have something outstanding: the balances sum to zero")
        if total >= MAX_AMOUNT:
            raise ValueError("the balances together exceed the largest amount debtflow holds (16 integer digits)")
        return self


class DebtOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source_system: str
    loan_id: str
    borrower_id: str
    currency: str
    principal_outstanding: NonNegativeMoney
    interest_outstanding: NonNegativeMoney
    fees_outstanding: NonNegativeMoney
    total_outstanding: NonNegativeMoney
    first_unpaid_due_date: date
    as_of_date: date
    status: str
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, debt: Any) -> DebtOut:
        return cls.model_validate(debt)
