"""Events produced by legal: cases, stages, sale and write-off."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.classification import FiveTierClass
from debtflow.common.events.intake import ExternalRef

CaseTrigger = Literal["classified_doubtful", "classified_loss", "escalated_by_collections"]


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
