"""What the contact policy API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

PolicyChannel = Literal["sms", "email", "robo_call", "call", "letter", "field_visit", "agency", "legal"]
OutcomeName = Literal["allowed", "deferred", "suppressed", "refused"]
RuleCode = Annotated[str, Query(min_length=3, max_length=64, pattern=r"^[a-z]+\.[a-z0-9_]+$",
                                description="A rule's code, e.g. cn.contact_hours or always.open_dispute.")]


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str | None
    debt_id: uuid.UUID
    borrower_id: str
    channel: str
    proposed_at: datetime
    actor: str
    party: str
    contact_point_id: uuid.UUID | None
    agency: str | None
    collectors: int
    email_kind: str | None
    connected: bool | None
    outcome: OutcomeName
    rule: str | None
    reason: str
    not_before: datetime | None
    action_id: uuid.UUID | None
    actor_subject: str | None
    decided_at: datetime


class RuleOut(BaseModel):
    code: str
    says: str
    source: str


class PolicyOut(BaseModel):
    profile: Literal["CN", "US"]
    title: str
    sources: str
    default_timezone: str
    hours_start: str = Field(description="Local time, HH:MM.", examples=["08:00"])
    hours_end: str = Field(description="Local time, HH:MM (exclusive).", examples=["21:00"])
    holidays: list[date] = Field(description="Days without contact (empty when holiday contact is allowed).")
    working_days: list[date] = Field(description="Adjusted working days: weekend days that count as working days.")
    rules: list[RuleOut]


class CheckOut(BaseModel):
    debt_id: uuid.UUID
    borrower_id: str
    channel: str
    at: datetime
    party: str
    outcome: OutcomeName
    rule: str | None
    reason: str
    not_before: datetime | None
    requirements: list[str] = Field(description="What an allowed message must do: opt_out_notice, "
                                                "no_debt_disclosure, personal_email_only.")


