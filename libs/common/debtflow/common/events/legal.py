"""Events produced by legal: cases, stages, sale and write-off."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.classification import FiveTierClass
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import CurrencyCode, NonNegativeMoney

CaseTrigger = Literal["classified_doubtful", "classified_loss", "escalated_by_collections"]


__all__ = [
    "DebtSold",
    "DebtWrittenOff",
    "LegalCaseOpened",
    "LimitationUpdated",
]


@event("debtflow.legal.case_opened.v1", producer="legal")
class LegalCaseOpened(EventPayload):
    """A legal case was opened for a debt (one open case per debt)."""

    case_id: UUID
    debt_id: UUID
    borrower_id: ExternalRef
    trigger: CaseTrigger
    five_tier_class: FiveTierClass | None = None
    stage: Literal["pre_litigation"] = "pre_litigation"
    opened_at: AwareDatetime


@event("debtflow.debt.sold.v1", producer="legal")
class DebtSold(EventPayload):
    """The debt was sold to a buyer; later payments are post-disposal recoveries."""

    debt_id: UUID
    borrower_id: ExternalRef
    buyer_ref: str = Field(min_length=1, max_length=64)
    sale_price: NonNegativeMoney
    currency: CurrencyCode
    sold_on: date
    sold_at: AwareDatetime


@event("debtflow.debt.written_off.v1", producer="legal")
class DebtWrittenOff(EventPayload):
    """The debt was written off the books; later payments are post-disposal recoveries."""

    debt_id: UUID
    borrower_id: ExternalRef
    amount_written_off: NonNegativeMoney
    currency: CurrencyCode
    reason_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    written_off_on: date
    written_off_at: AwareDatetime


@event("debtflow.legal.limitation_updated.v1", producer="legal")
class LimitationUpdated(EventPayload):
    """When the limitation period of the debt's claim expires (it moves when it is interrupted)."""

    debt_id: UUID
    borrower_id: ExternalRef
    limitation_expires_on: date
    updated_at: AwareDatetime
