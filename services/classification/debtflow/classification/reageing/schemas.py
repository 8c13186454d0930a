"""What the re-ageing endpoints take and answer."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.dates import BusinessDate


class ReageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of_date: BusinessDate | None = Field(None, description="Default: today in the business time zone.")


class ReageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    as_of_date: date
    ruleset_version: str
    examined: int = Field(description="Debts whose next change was due.")
    changed: int = Field(description="Debts with news (a debt.classified event each).")
    started_at: datetime
    finished_at: datetime
