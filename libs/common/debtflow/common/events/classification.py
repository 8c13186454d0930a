"""Events produced by classification: how late, how bad, and what class each debt is."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import CurrencyCode, NonNegativeMoney

__all__ = [
    "DebtClassified",
    "FiveTierClass",
]


#: China's 2023 five-tier loan risk classification.
FiveTierClass = Literal["normal", "special_mention", "substandard", "doubtful", "loss"]
OverdueType = Literal["current", "early_overdue", "default", "disputed", "suspected_fraud", "deceased", "bankrupt",
                      "uncontactable", "restructured", "post_disposal", "closed"]
#: Bucket labels come from the rule set (default M0..M6, M6+).
DpdBucket = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9+\-]+$")]


@event("debtflow.debt.classified.v1", producer="classification")
class DebtClassified(EventPayload):
    """A debt was (re)classified: something other than the day count changed (or it is the first time)."""

    debt_id: UUID
    borrower_id: ExternalRef
    as_of_date: date
    days_past_due: int = Field(ge=0)
    dpd_bucket: DpdBucket
    five_tier_class: FiveTierClass
    previous_dpd_bucket: DpdBucket | None = None
    previous_five_tier_class: FiveTierClass | None = None
    exposure: NonNegativeMoney
    currency: CurrencyCode
    ruleset_version: str = Field(min_length=1, max_length=64)
    reason_codes: tuple[str, ...] = ()
    classified_at: AwareDatetime
    # Added compatibly (absent from events classified before them):
    ifrs9_stage: Literal[1, 2, 3] | None = None
    previous_ifrs9_stage: Literal[1, 2, 3] | None = None
    default_flag: bool | None = None
    previous_default_flag: bool | None = None
    overdue_type: OverdueType | None = None
    previous_overdue_type: OverdueType | None = None
    priority_score: NonNegativeMoney | None = Field(None, description="Expected recoverable value x urgency.")
    priority_tier: Literal["P1", "P2", "P3", "P4"] | None = None
    previous_priority_tier: Literal["P1", "P2", "P3", "P4"] | None = None
    status: Literal["open", "settled", "sold", "written_off"] = "open"
