"""What the contact restriction API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from debtflow.common.events import AllowedContactTime
from debtflow.common.events.collections import ContactChannel
from debtflow.common.text import SafeMultilineText, SafeText

RestrictionKind = Literal["cease_contact", "representative_only", "stated_times_only", "no_third_party"]


class RepresentativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["lawyer", "debt_adviser", "family_member", "other"]
    name: SafeText = Field(min_length=1, max_length=200)
    contact: SafeText = Field(min_length=1, max_length=200, description="How to reach them (phone, email, "
                              "address); stored encrypted.")


class RestrictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    debt_id: uuid.UUID | None = Field(None, description="Omitted: every debt of the borrower with the lender.")
    kind: RestrictionKind
    channels: list[ContactChannel] | None = Field(None, min_length=1, max_length=6,
                                                  description="cease_contact: the channels it covers (omitted: all).")
    representative: RepresentativeIn | None = Field(None, description="Required for representative_only.")
    allowed_times: list[AllowedContactTime] | None = Field(None, min_length=1, max_length=14,
                                                           description="Required for stated_times_only.")
    reason: SafeMultilineText | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _details_match_kind(self) -> RestrictionIn:
        if self.kind == "representative_only" and self.representative is None:
            raise ValueError("representative is required for representative_only")
        if self.kind == "stated_times_only" and not self.allowed_times:
            raise ValueError("allowed_times is required for stated_times_only")
        if self.channels is not None and self.kind != "cease_contact":
            raise ValueError("channels apply to cease_contact only")
        return self


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: SafeMultilineText = Field(min_length=1, max_length=2000)


class RepresentativeOut(BaseModel):
    kind: str
    name: str
    contact: str


class RestrictionOut(BaseModel):
    id: uuid.UUID
    tenant: str
    borrower_id: str
    debt_id: uuid.UUID | None
    kind: str
    channels: list[str] | None
    representative: RepresentativeOut | None
    allowed_times: list[AllowedContactTime] | None
    reason: str | None
    status: str
    masked: bool
    recorded_by: str
    recorded_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None
    lift_reason: str | None
