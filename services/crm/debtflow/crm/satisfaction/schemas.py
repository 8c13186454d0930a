"""What the satisfaction API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.text import SafeMultilineText


class SatisfactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    interaction_id: uuid.UUID = Field(description="The resolved contact the borrower scores.")
    score: int = Field(ge=1, le=5, description="CSAT: 1 very dissatisfied ... 5 very satisfied.")
    comment: SafeMultilineText | None = Field(None, max_length=2000)


class SatisfactionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    borrower_id: str
    interaction_id: uuid.UUID
    score: int
    comment: str | None
    agent: str
    agency: str | None
    strategy_code: str | None
    month: str
    answered_at: datetime


class SatisfactionScore(BaseModel):
    """The answers of one group: how many, the mean score, the share of 4s and 5s (CSAT %), each score's count."""

    group: str | None = Field(description="The collector, agency, strategy or month; null: none recorded.")
    answers: int
    average: Decimal = Field(description="Mean score, two decimals.")
    csat_percent: Decimal = Field(description="Share of answers scoring 4 or 5, in percent, one decimal.")
    distribution: dict[str, int]


class SatisfactionReport(BaseModel):
    group_by: str
    tenant: str | None
    month_from: str | None
    month_to: str | None
    scores: list[SatisfactionScore]
