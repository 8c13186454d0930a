"""Events produced by credit: scores from the scoring models."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from pydantic import AwareDatetime, Field

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.intake import ExternalRef

__all__ = [
    "ScoreUpdated",
]


@event("debtflow.credit.score_updated.v1", producer="credit")
class ScoreUpdated(EventPayload):
    """A collection score was (re)computed for a debt: the probability of recovering it."""

    debt_id: UUID
    borrower_id: ExternalRef
    model: str = Field(min_length=1, max_length=64, description="Model name and version, e.g. collect-gbm-2026.3.")
    recovery_probability: Decimal = Field(ge=0, le=1, max_digits=5, decimal_places=4)
    scored_at: AwareDatetime
