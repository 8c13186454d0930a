"""Classification's API shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from debtflow.common.events.classification import FiveTierClass
from debtflow.common.money import NonNegativeMoney


class ClassificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    debt_id: uuid.UUID
    borrower_id: str
    as_of_date: date
    days_past_due: int
    dpd_bucket: str
    five_tier_class: FiveTierClass
    reason_codes: list[str]
    exposure: NonNegativeMoney
    currency: str
    ruleset_version: str
    registered_at: datetime
    first_classified_at: datetime
    classified_at: datetime
