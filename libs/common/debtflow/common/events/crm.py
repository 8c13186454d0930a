"""Events produced by crm: disputes, hardship, contact restrictions and borrower circumstances."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.collections import ContactChannel
from debtflow.common.events.intake import ExternalRef

__all__ = [
    "AllowedContactTime",
    "BorrowerCircumstanceRecorded",
    "ContactPointChanged",
    "ContactRestricted",
    "DisputeOpened",
    "DisputeResolved",
    "HardshipDeclined",
    "HardshipEnded",
    "HardshipGranted",
    "HardshipRequested",
    "InteractionLogged",
    "BorrowerConsentChanged",
    "ContactPreferencesChanged",
    "SatisfactionRecorded",
    "VulnerabilityRecorded",
    "ComplaintReceived",
    "ComplaintAcknowledged",
    "ComplaintEscalated",
    "ComplaintResolved",
    "ComplaintCategory",
    "ComplaintSeverity",
    "ComplaintOutcome",
    "ComplaintRootCause",
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


class _BorrowerScoped(EventPayload):
    """About a borrower (all their debts with the lender): keyed by borrower."""

    borrower_id: ExternalRef

    def subject(self) -> str:
        return self.borrower_id


@event("debtflow.borrower.consent_changed.v1", producer="crm")
class BorrowerConsentChanged(_BorrowerScoped):
    """The borrower gave or withdrew consent for one purpose of processing (PIPL art. 13-16), on a legal basis."""

    consent_id: UUID
    purpose: Literal["collection_contact", "third_party_contact", "call_recording", "agency_referral",
                     "data_sharing", "marketing"]
    legal_basis: Literal["consent", "contract", "legal_obligation", "vital_interest", "public_interest",
                         "published_data"]
    status: Literal["given", "withdrawn"]
    recorded_at: AwareDatetime


@event("debtflow.borrower.vulnerability_recorded.v1", producer="crm")
class VulnerabilityRecorded(_BorrowerScoped):
    """The borrower is vulnerable (or no longer, `active` false): their debts go to `specialist_team`, and
    collection treats them with the care the conduct rules ask for."""

    vulnerability_id: UUID
    kind: Literal["health", "bereavement", "disability", "financial_distress", "elderly", "other"]
    specialist_team: str = Field(min_length=1, max_length=64)
    active: bool
    recorded_at: AwareDatetime


@event("debtflow.borrower.interaction_logged.v1", producer="crm")
class InteractionLogged(_DebtScoped):
    """Staff logged a contact with the borrower (or about them): channel, direction, outcome. No note text."""

    interaction_id: UUID
    channel: Literal["sms", "call", "email", "letter", "field_visit", "agency", "web", "in_person"]
    direction: Literal["inbound", "outbound"]
    party: Literal["borrower", "representative", "third_party"]
    outcome: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
    duration_seconds: int | None = Field(None, ge=0)
    agent: str = Field(max_length=128)
    agency: str | None = Field(None, max_length=64)
    occurred_at: AwareDatetime


@event("debtflow.borrower.satisfaction_recorded.v1", producer="crm")
class SatisfactionRecorded(_BorrowerScoped):
    """A borrower scored a resolved contact (CSAT 1-5)."""

    answer_id: UUID
    interaction_id: UUID
    score: int = Field(ge=1, le=5)
    agent: str = Field(max_length=128)
    agency: str | None = Field(None, max_length=64)
    strategy_code: str | None = Field(None, max_length=64)
    answered_at: AwareDatetime


class AllowedContactTime(BaseModel):
    """When a borrower who asked to be contacted only at stated times may be: weekdays (1 Monday ... 7 Sunday)
    from `start` to `end`, in the borrower's own time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weekdays: tuple[Annotated[int, Field(ge=1, le=7)], ...] = Field(min_length=1, max_length=7,
                                                                   examples=[[1, 2, 3, 4, 5]])
    start: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["18:00"])
    end: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["20:30"])

    @model_validator(mode="after")
    def _starts_before_it_ends(self) -> AllowedContactTime:
        if self.start >= self.end:
            raise ValueError(f"{self.start}-{self.end} must start before it ends (same day, HH:MM)")
        return self


@event("debtflow.borrower.contact_preferences_changed.v1", producer="crm")
class ContactPreferencesChanged(_BorrowerScoped):
    """The borrower's contact preferences changed; carries the whole new state (`version` orders the changes)."""

    version: int = Field(ge=1)
    preferred_channel: ContactChannel | None = None
    language: str | None = Field(None, max_length=16)
    preferred_times: tuple[AllowedContactTime, ...] = ()
    opted_out_channels: tuple[ContactChannel, ...] = ()
    changed_at: AwareDatetime


@event("debtflow.borrower.contact_restricted.v1", producer="crm")
class ContactRestricted(_DebtScoped):
    """How the borrower may (no longer) be contacted changed. `channels` null: every channel."""

    restriction: Literal["cease_contact", "uncontactable", "representative_only", "stated_times_only",
                         "no_third_party"]
    active: bool = Field(description="True when the restriction starts, false when it is lifted.")
    restriction_id: UUID | None = None
    channels: tuple[ContactChannel, ...] | None = Field(None, description="The channels covered; null: all.")
    allowed_times: tuple[AllowedContactTime, ...] | None = Field(
        None, description="stated_times_only: the only times contact is allowed.")
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


#: What changed about a contact point; one change may carry several (a call that verified the number).
ContactPointChange = Literal["added", "corrected", "verified", "unverified", "verification_failed",
                             "marked_do_not_use", "cleared_do_not_use", "contacted", "relationship_changed",
                             "retired", "reactivated"]


@event("debtflow.borrower.contact_point_changed.v1", producer="crm")
class ContactPointChanged(EventPayload):
    """A borrower's phone, email or address was added, corrected, verified, marked not to be used or retired.
    Carries the full state after the change; the value travels encrypted (context `event.contact_point.<kind>`),
    readable only by services holding the key ring. `revision` orders the changes of one contact point."""

    borrower_id: ExternalRef
    contact_point_id: UUID
    revision: int = Field(ge=1)
    changes: tuple[ContactPointChange, ...] = Field(min_length=1, max_length=11)
    kind: Literal["phone", "email", "address"]
    value: str = Field(max_length=2000, description="The value as an AES-GCM token (`v1:<key id>:<data>`).")
    source: Literal["lending_core", "borrower", "agent"]
    belongs_to: Literal["borrower", "third_party"]
    relationship: Literal["emergency_contact", "family", "employer", "other"] | None = None
    verification: Literal["unverified", "verified", "failed"]
    do_not_use: bool
    do_not_use_reason: Literal["wrong_number", "number_reassigned", "borrower_request", "other"] | None = None
    status: Literal["active", "retired"]
    changed_at: AwareDatetime

    def subject(self) -> str:
        return self.borrower_id  # keyed by borrower: a borrower's contact points change in order


#: What a complaint is about (crm's complaints capability); the conduct ones may pause collection.
ComplaintCategory = Literal["aggressive_collection", "contact_outside_hours_or_too_often", "third_party_contact",
                            "wrong_amount", "privacy", "other"]
ComplaintSeverity = Literal["low", "medium", "high", "critical"]
ComplaintOutcome = Literal["upheld", "partly_upheld", "rejected", "withdrawn"]
#: Why what was complained of happened, as found when the complaint was resolved.
ComplaintRootCause = Literal["agent_conduct", "agency_conduct", "process_gap", "system_error", "communication",
                             "no_fault", "not_determined"]


@event("debtflow.borrower.complaint_received.v1", producer="crm")
class ComplaintReceived(_DebtScoped):
    """The borrower complained. `pauses_collection`: a complaint about collection conduct holds collection on the
    debt (every debt of the borrower when `debt_id` is null) until it is resolved. No complaint text."""

    complaint_id: UUID
    category: ComplaintCategory
    severity: ComplaintSeverity
    subject_kind: Literal["collector", "agency", "system", "other"]
    pauses_collection: bool
    acknowledge_by: AwareDatetime
    resolve_by: AwareDatetime
    received_at: AwareDatetime


@event("debtflow.borrower.complaint_acknowledged.v1", producer="crm")
class ComplaintAcknowledged(_DebtScoped):
    """The borrower was told their complaint is being handled; a pause it holds lasts until it is resolved."""

    complaint_id: UUID
    late: bool = Field(description="True when acknowledged after the acknowledgement deadline.")
    acknowledged_at: AwareDatetime


@event("debtflow.borrower.complaint_escalated.v1", producer="crm")
class ComplaintEscalated(_DebtScoped):
    """A complaint passed a deadline (`missed`) unanswered; `escalation_level` counts the deadlines it missed."""

    complaint_id: UUID
    missed: Literal["acknowledgement", "resolution"]
    deadline: AwareDatetime
    escalation_level: int = Field(ge=1)
    severity: ComplaintSeverity
    escalated_at: AwareDatetime


@event("debtflow.borrower.complaint_resolved.v1", producer="crm")
class ComplaintResolved(_DebtScoped):
    """A supervisor closed the complaint with its outcome and root cause; `collection_may_resume` when it had
    paused collection on the debt."""

    complaint_id: UUID
    outcome: ComplaintOutcome
    root_cause: ComplaintRootCause
    collection_may_resume: bool
    late: bool = Field(description="True when resolved after the resolution deadline.")
    resolved_at: AwareDatetime
