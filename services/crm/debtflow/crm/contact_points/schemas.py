"""Contact points as agents add and correct them, and as answers show them (values masked without `pii:read`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from debtflow.common.dates import Instant
from debtflow.common.text import SafeMultilineText

Kind = Literal["phone", "email", "address"]
AgentSource = Literal["borrower", "agent"]
Source = Literal["lending_core", "borrower", "agent"]
BelongsTo = Literal["borrower", "third_party"]
Relationship = Literal["emergency_contact", "family", "employer", "other"]
Verification = Literal["unverified", "verified", "failed"]
DoNotUseReason = Literal["wrong_number", "number_reassigned", "borrower_request", "other"]
Status = Literal["active", "retired"]

#: A value as typed: checked for its kind (E.164 phone, email, address) by the use case, which knows the kind.
ContactValue = SafeMultilineText
Reason = SafeMultilineText


class ContactPointIn(BaseModel):
    """A contact point an agent records: the borrower's own, or a third party's (then say who they are)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "phone", "value": "+8613800138000", "source": "borrower", "belongs_to": "borrower"}]})

    kind: Kind
    value: ContactValue = Field(min_length=1, max_length=300, description="A phone (E.164, or national in the phone "
                                "region; stored as E.164), an email address or a postal address.")
    source: AgentSource = Field("agent", description="Who gave it: the borrower themselves, or found by an agent.")
    belongs_to: BelongsTo = "borrower"
    relationship: Relationship | None = Field(None, validate_default=True,
                                              description="Required for a third party: who they are to the borrower.")
    verification: Verification = "unverified"
    reason: Reason | None = Field(None, min_length=3, max_length=500, description="Why it is recorded (kept with "
                                  "the first revision).")

    @field_validator("relationship")
    @classmethod
    def _relationship(cls, relationship: str | None, info: ValidationInfo) -> str | None:
        if "belongs_to" not in info.data:
            return relationship  # belongs_to itself was refused: that is the error to name
        belongs_to = info.data["belongs_to"]
        if belongs_to == "third_party" and relationship is None:
            raise ValueError("a third party's contact point says who they are to the borrower")
        if belongs_to == "borrower" and relationship is not None:
            raise ValueError("only a third party's contact point has a relationship")
        return relationship


class ContactPointCorrection(BaseModel):
    """A change to a contact point, always with its reason; each change is kept as a revision."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"verification": "failed", "do_not_use": True, "do_not_use_reason": "wrong_number",
         "reason": "the person answering is not the borrower"}]})

    value: ContactValue | None = Field(None, min_length=1, max_length=300, description="The corrected value.")
    verification: Verification | None = None
    do_not_use: bool | None = None
    do_not_use_reason: DoNotUseReason | None = Field(None, validate_default=True,
                                                     description="Required when do_not_use is true.")
    last_successful_contact_at: Instant | None = None
    relationship: Relationship | None = Field(None, description="A third party's relationship, corrected.")
    reason: Reason = Field(min_length=3, max_length=500, description="Why the change is made.")

    @field_validator("do_not_use_reason")
    @classmethod
    def _do_not_use_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if "do_not_use" not in info.data:
            return reason  # do_not_use itself was refused: that is the error to name
        do_not_use = info.data["do_not_use"]
        if do_not_use is True and reason is None:
            raise ValueError("say why the contact point must not be used")
        if do_not_use is not True and reason is not None:
            raise ValueError("a reason not to use it goes with do_not_use: true")
        return reason

    @model_validator(mode="after")
    def _changes_something(self) -> ContactPointCorrection:
        if not self.model_fields_set - {"reason"}:
            raise ValueError("name at least one thing to change besides the reason")
        return self


class ContactPointOut(BaseModel):
    """`value` is masked (e.g. `+86138****8000`) unless the caller holds `pii:read`."""

    contact_point_id: uuid.UUID
    borrower_id: str
    tenant: str
    kind: str
    value: str
    masked: bool
    source: str
    belongs_to: str
    relationship: str | None
    verification: str
    last_successful_contact_at: datetime | None
    do_not_use: bool
    do_not_use_reason: str | None
    status: str
    revision: int
    created_by: str
    created_at: datetime
    updated_at: datetime


class ContactPointRevisionOut(BaseModel):
    """One change and the state after it; `value` masked unless the caller holds `pii:read`."""

    revision: int
    changes: list[str]
    kind: str
    value: str
    masked: bool
    source: str
    belongs_to: str
    relationship: str | None
    verification: str
    last_successful_contact_at: datetime | None
    do_not_use: bool
    do_not_use_reason: str | None
    status: str
    changed_by: str
    changed_at: datetime
    reason: str | None
