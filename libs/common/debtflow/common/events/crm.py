"""Events produced by crm: disputes, hardship, contact restrictions and borrower circumstances."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.collections import ContactChannel
from debtflow.common.events.intake import ExternalRef

__all__ = [
    "BorrowerCircumstanceRecorded",
    "ContactRestricted",
    "DisputeOpened",
    "DisputeResolved",
    "HardshipDeclined",
    "HardshipEnded",
    "HardshipGranted",
    "HardshipRequested",
]

#: What a granted hardship request does (crm's hardship capability).
HardshipArrangement = Literal["payment_pause", "reduced_payments", "payment_plan_referral"]


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
    kind: Literal["amount", "ownership", "identity"] | None = Field(
        None, description="What is disputed: the amount, the lender's ownership, or the borrower's identity (fraud).")
    opened_on: date
    opened_at: AwareDatetime


@event("debtflow.borrower.dispute_resolved.v1", producer="crm")
class DisputeResolved(_DebtScoped):
    """A dispute was resolved; the clock runs again from `resolved_on`."""

    dispute_id: UUID
    outcome: Literal["upheld", "partly_upheld", "rejected", "withdrawn"]
    resolved_on: date
    resolved_at: AwareDatetime


@event("debtflow.borrower.hardship_granted.v1", producer="crm")
class HardshipGranted(_DebtScoped):
    """A hardship arrangement pauses collection (and the clock) from `starts_on`, until `ends_on` if known."""

    hardship_id: UUID
    starts_on: date
    ends_on: date | None = None
    arrangement: HardshipArrangement | None = None
    review_on: date | None = Field(None, description="When the arrangement is to be reviewed.")
    granted_at: AwareDatetime


@event("debtflow.borrower.hardship_requested.v1", producer="crm")
class HardshipRequested(_DebtScoped):
    """The borrower asked for hardship relief; nothing pauses until a supervisor grants it."""

    hardship_id: UUID
    reasons: tuple[str, ...] = Field(min_length=1, max_length=8)
    requested_at: AwareDatetime


@event("debtflow.borrower.hardship_declined.v1", producer="crm")
class HardshipDeclined(_DebtScoped):
    """A supervisor declined a hardship request; collection goes on as before."""

    hardship_id: UUID
    declined_at: AwareDatetime


@event("debtflow.borrower.hardship_ended.v1", producer="crm")
class HardshipEnded(_DebtScoped):
    """A hardship arrangement ended; the clock runs again from `ended_on`."""

    hardship_id: UUID
    ended_on: date
    ended_at: AwareDatetime


@event("debtflow.borrower.contact_restricted.v1", producer="crm")
class ContactRestricted(_DebtScoped):
    """How the borrower may (no longer) be contacted changed. `channels` null: every channel."""

    restriction: Literal["cease_contact", "uncontactable", "representative_only", "stated_times_only",
                         "no_third_party"]
    active: bool = Field(description="True when the restriction starts, false when it is lifted.")
    restriction_id: UUID | None = None
    channels: tuple[ContactChannel, ...] | None = Field(None, description="The channels covered; null: all.")
    effective_on: date
    recorded_at: AwareDatetime


@event("debtflow.borrower.circumstance_recorded.v1", producer="crm")
class BorrowerCircumstanceRecorded(_DebtScoped):
    """A circumstance that makes repayment unlikely (or its withdrawal, `active` false)."""

    circumstance: Literal["deceased", "bankrupt", "incarcerated", "fraud"]
    active: bool = True
    circumstance_id: UUID | None = None
    effective_on: date
    recorded_at: AwareDatetime
