"""What the re-ageing endpoints take and answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from debtflow.common.dates import BusinessDate


class ReageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of_date: BusinessDate | None = Field(None, description="Default: today in the business time zone.")


class ReageOut(BaseModel):
    """A re-ageing run: the daily one, one asked for, or one a rule-set activation queued, with its progress."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    as_of_date: date
    cause: str = Field(description="reage (daily or asked for) or ruleset_activation.")
    status: Literal["queued", "running", "finished", "failed"]
    ruleset_version: str = Field(description="Empty until the run has classified its first chunk.")
    due: int | None = Field(description="Open debts due when the run started; null while queued (and for runs "
                                        "from before runs were jobs).")
    examined: int = Field(description="Debts whose next change was due, reclassified so far.")
    changed: int = Field(description="Debts with news (a debt.classified event each).")
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = Field(description="Why a failed run failed; its debts stay due, so the next run takes them.")

    @computed_field(description="examined / due, 0 to 1; 1 once finished.")  # type: ignore[prop-decorator]
    @property
    def progress(self) -> float:
        if self.status == "finished":
            return 1.0
        return round(min(1.0, self.examined / self.due), 4) if self.due else 0.0
