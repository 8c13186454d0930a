"""Events produced by classification: how late, how bad, and what class each debt is."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import CurrencyCode, NonNegativeMoney

#: China's 2023 five-tier loan risk classification.
FiveTierClass = Literal["normal", "special_mention", "substandard", "doubtful", "loss"]
#: Bucket labels come from the rule set (default M0..M6, M6+).
DpdBucket = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9+\-]+$")]


@event("debtflow.debt.classified.v1", producer="classification")
class DebtClassified(EventPayload):
    """A debt was (re)classified; carries the new dimensions and the ones it had before."""

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
