"""Events produced by crm: disputes, hardship, contact restrictions and borrower circumstances."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.intake import ExternalRef

__all__ = [
    "BorrowerCircumstanceRecorded",
    "ContactRestricted",
    "DisputeOpened",
    "DisputeResolved",
    "HardshipEnded",
    "HardshipGranted",
]


class _DebtScoped(EventPayload):
    """About one debt, or with `debt_id` null about every debt of the borrower (then keyed by borrower)."""

    debt_id: UUID | None = None
    borrower_id: ExternalRef

    def subject(self) -> str:
        return str(self.debt_id) if self.debt_id is not None else self.borrower_id


@event("debtflow.borrower.dispute_opened.v1", producer="crm")
class DisputeOpened(_DebtScoped):
    """The borrower disputes the debt; the days-past-due clock stops until the dispute is resolved."""

    dispute_id: UUID
    reason_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    opened_on: date
    opened_at: AwareDatetime


@event("debtflow.borrower.dispute_resolved.v1", producer="crm")
class DisputeResolved(_DebtScoped):
    """A dispute was resolved; the clock runs again from `resolved_on`."""

    dispute_id: UUID
    outcome: Literal["upheld", "rejected", "withdrawn"]
    resolved_on: date
    resolved_at: AwareDatetime


@event("debtflow.borrower.hardship_granted.v1", producer="crm")
class HardshipGranted(_DebtScoped):
    """A hardship arrangement pauses collection (and the clock) from `starts_on`, until `ends_on` if known."""

    hardship_id: UUID
    starts_on: date
    ends_on: date | None = None
    granted_at: AwareDatetime


@event("debtflow.borrower.hardship_ended.v1", producer="crm")
class HardshipEnded(_DebtScoped):
    """A hardship arrangement ended; the clock runs again from `ended_on`."""

    hardship_id: UUID
    ended_on: date
    ended_at: AwareDatetime


@event("debtflow.borrower.contact_restricted.v1", producer="crm")
class ContactRestricted(_DebtScoped):
    """How the borrower may (no longer) be contacted changed."""

    restriction: Literal["cease_contact", "uncontactable"]
    active: bool = Field(description="True when the restriction starts, false when it is lifted.")
    effective_on: date
    recorded_at: AwareDatetime


@event("debtflow.borrower.circumstance_recorded.v1", producer="crm")
class BorrowerCircumstanceRecorded(_DebtScoped):
    """A circumstance that makes repayment unlikely (or its withdrawal, `active` false)."""

    circumstance: Literal["deceased", "bankrupt", "fraud"]
    active: bool = True
    effective_on: date
    recorded_at: AwareDatetime
