"""Events produced by collections: strategies, actions and escalations."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.classification import DpdBucket
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import CurrencyCode, NonNegativeMoney

ContactChannel = Literal["sms", "call", "email", "letter", "field_visit", "agency"]


__all__ = [
    "DebtEscalatedToLegal",
    "DebtRestructured",
    "DebtSettled",
    "ScheduledAction",
    "StrategyAssigned",
]


class ScheduledAction(BaseModel):
    """The next collection action a strategy plans for a debt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: ContactChannel
    scheduled_for: AwareDatetime


@event("debtflow.collection.strategy_assigned.v1", producer="collections")
class StrategyAssigned(EventPayload):
    """A debt's collection case got a (new) strategy and its first action was scheduled."""

    debt_id: UUID
    borrower_id: ExternalRef
    strategy_code: str = Field(min_length=1, max_length=64)
    previous_strategy_code: str | None = None
    dpd_bucket: DpdBucket
    first_action: ScheduledAction
    assigned_at: AwareDatetime


@event("debtflow.debt.escalated_to_legal.v1", producer="collections")
class DebtEscalatedToLegal(EventPayload):
    """Collections handed a debt to legal (the legal service opens a case)."""

    debt_id: UUID
    borrower_id: ExternalRef
    reason_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    escalated_by: str = Field(min_length=1, max_length=128)
    escalated_at: AwareDatetime


@event("debtflow.debt.settled.v1", producer="collections")
class DebtSettled(EventPayload):
    """A settlement was paid in full: the lender accepts it and waives whatever else was outstanding."""

    debt_id: UUID
    borrower_id: ExternalRef
    settlement_amount: NonNegativeMoney
    currency: CurrencyCode
    settled_on: date
    settled_at: AwareDatetime


@event("debtflow.collection.debt_restructured.v1", producer="collections")
class DebtRestructured(EventPayload):
    """The debt's terms were restructured (a payment plan replacing the contract schedule)."""

    debt_id: UUID
    borrower_id: ExternalRef
    restructured_on: date
    plan_id: UUID
    restructured_at: AwareDatetime
