"""What the vulnerability API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.text import SafeMultilineText

VulnerabilityKind = Literal["health", "bereavement", "disability", "financial_distress", "elderly", "other"]


class VulnerabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: VulnerabilityKind
    notes: SafeMultilineText | None = Field(None, max_length=2000, description="What the agent noticed or was "
                                            "told; screened for personal data. No medical detail is needed.")


class RemovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: SafeMultilineText = Field(min_length=1, max_length=2000)


class VulnerabilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    borrower_id: str
    kind: str
    specialist_team: str
    notes: str | None
    status: str
    recorded_by: str
    recorded_at: datetime
    removed_by: str | None
    removed_at: datetime | None
    removal_reason: str | None
