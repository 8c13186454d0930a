"""What the collectors, worklist, claims and outcomes API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from debtflow.common.dates import BusinessDate, Instant
from debtflow.common.events.collections import ContactOutcomeCode
from debtflow.common.money import CurrencyCode, NonNegativeMoney

Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_-]*$")]
Language = Annotated[str, StringConstraints(min_length=2, max_length=16, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
#: A token subject as it appears in a path or body: printable, no spaces.
#: A token subject: printable, no spaces or slashes (no control, format or direction characters either).
Subject = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^\s/\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u061c\ufeff]+$")]


class CollectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team: Code = Field(description="The team whose queue the collector works (e.g. `early`, `specialist-care`).")
    skills: list[Code] = Field(default_factory=list, max_length=20,
                               description="Skills; `high_value` lets them work cases of high exposure.")
    languages: list[Language] = Field(default_factory=list, max_length=10, examples=[["zh", "en"]])
    active: bool = True


class CollectorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subject: str
    identity: str
    team: str
    skills: list[str]
    languages: list[str]
    active: bool
    updated_by: str
    updated_at: datetime


class WorkItemOut(BaseModel):
    debt_id: uuid.UUID
    borrower_id: str
    dpd_bucket: str
    exposure: Decimal
    currency: str
    priority_score: Decimal | None
    priority_tier: str | None
    promise_due_on: date | None = Field(description="An open promise falling due today or earlier.")
    callback_at: datetime | None = Field(description="A callback the borrower asked for, now due.")
    claimed_until: datetime | None = Field(description="Your own claim on it, if you hold one.")


class Worklist(BaseModel):
    items: list[WorkItemOut]


class ClaimOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    debt_id: uuid.UUID
    collector: str
    claimed_at: datetime
    expires_at: datetime
    assigned_by: str | None


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collector: Subject = Field(description="The collector (token subject) who takes the case.")


class PromiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: NonNegativeMoney = Field(description="What the borrower promised to pay; more than zero.")
    currency: CurrencyCode
    due_on: BusinessDate = Field(description="The day it is to be paid by (grace days are added to it).")

    @field_validator("amount")
    @classmethod
    def _more_than_zero(cls, amount: Decimal) -> Decimal:
        if amount <= 0:
            raise ValueError("must be more than zero")
        return amount


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: ContactOutcomeCode
    channel: Literal["call", "sms", "email", "field_visit", "letter"] = "call"
    party: Literal["borrower", "third_party", "representative"] = "borrower"
    contact_point_id: uuid.UUID | None = Field(None, description="The phone, email or address used (crm's id).")
    duration_seconds: int | None = Field(None, ge=0, le=86400)
    occurred_at: Instant | None = Field(None, description="When the contact happened; default now.")
    collectors: int = Field(1, ge=1, le=4, description="Collectors present (a field visit needs two).")
    promise: PromiseIn | None = Field(None, description="Required with promise_to_pay, and only then.")
    callback_at: Instant | None = Field(None, description="Required with callback_requested, and only then.")


class OutcomeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    debt_id: uuid.UUID
    outcome: str
    channel: str
    party: str
    contact_point_id: uuid.UUID | None
    duration_seconds: int | None
    occurred_at: datetime
    promise_id: uuid.UUID | None
    callback_at: datetime | None
    recorded_by: str
    recorded_at: datetime


class RecordedOutcomeOut(OutcomeOut):
    next_step: str | None = Field(None, description="Where collections only noted a claim (a dispute, hardship, "
                                  "death, bankruptcy) or a wrong number: what to record in crm, which acts on it.")
