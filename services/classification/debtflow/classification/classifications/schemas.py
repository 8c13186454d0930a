"""What the classification and priority endpoints answer."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.events.classification import FiveTierClass
from debtflow.common.money import NonNegativeMoney


class ClassificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    debt_id: uuid.UUID
    borrower_id: str
    as_of_date: date = Field(description="The day this classification is for.")
    status: Literal["open", "settled", "sold", "written_off"]
    days_past_due: int
    dpd_bucket: str
    five_tier_class: FiveTierClass
    ifrs9_stage: Literal[1, 2, 3]
    default_flag: bool
    overdue_type: str
    priority_score: NonNegativeMoney = Field(description="Expected recoverable value weighted for urgency.")
    priority_tier: Literal["P1", "P2", "P3", "P4"]
    reason_codes: list[str]
    exposure: NonNegativeMoney
    currency: str
    ruleset_version: str
    next_change_on: date | None = Field(description="When time alone next changes the classification.")
    registered_at: datetime | None
    first_classified_at: datetime
    classified_at: datetime


class RankedDebt(BaseModel):
    rank: int
    debt_id: uuid.UUID
    borrower_id: str
    currency: str
    priority_score: NonNegativeMoney
    priority_tier: str
    dpd_bucket: str
    five_tier_class: str
    exposure: NonNegativeMoney
