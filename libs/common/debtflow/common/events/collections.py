"""Events produced by collections: strategies, actions and escalations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from debtflow.common.events.base import EventPayload, event
from debtflow.common.events.classification import DpdBucket
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import CurrencyCode, Money, NonNegativeMoney

ContactChannel = Literal["sms", "call", "email", "letter", "field_visit", "agency", "robo_call"]
#: What a strategy step does: a contact channel, or the hand-over of the debt to legal.
StepChannel = Literal["sms", "call", "email", "letter", "field_visit", "agency", "robo_call", "legal"]


__all__ = [
    "CollectionActionTaken",
    "CollectionCaseClosed",
    "CollectionCaseReopened",
    "AgencyPlaced",
    "AgencyRecalled",
    "CostIncurred",
    "DebtEscalatedToLegal",
    "ContactOutcomeRecorded",
    "PaymentPlanChanged",
    "PromiseMade",
    "PromiseResolved",
    "SettlementChanged",
    "DebtRestructured",
    "DebtSettled",
    "ScheduledAction",
    "StrategyAssigned",
]


class ScheduledAction(BaseModel):
    """The next collection action a strategy plans for a debt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: StepChannel
    scheduled_for: AwareDatetime


@event("debtflow.collection.strategy_assigned.v1", producer="collections")
class StrategyAssigned(EventPayload):
    """A debt's collection case got a (new) strategy and its first action was scheduled."""

    debt_id: UUID
    borrower_id: ExternalRef
    strategy_code: str = Field(min_length=1, max_length=64)
    previous_strategy_code: str | None = None
    dpd_bucket: DpdBucket
    first_action: ScheduledAction = Field(description="The path's first step, due by the strategy's day offset; "
                                          "the contact policy may plan it later (into contact hours).")
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


@event("debtflow.collection.agency_placed.v1", producer="collections")
class AgencyPlaced(EventPayload):
    """A debt was placed with a collection agency for a term, under the agency's commission schedule version."""

    placement_id: UUID
    debt_id: UUID
    borrower_id: ExternalRef
    agency_code: str = Field(min_length=1, max_length=32)
    dpd_bucket: DpdBucket
    exposure: NonNegativeMoney
    currency: CurrencyCode
    schedule_version: int = Field(ge=1)
    commission_rate_percent: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    placed_at: AwareDatetime
    expires_at: AwareDatetime


@event("debtflow.collection.agency_recalled.v1", producer="collections")
class AgencyRecalled(EventPayload):
    """A placement ended before or at its term: the agency must stop working the debt."""

    placement_id: UUID
    debt_id: UUID
    borrower_id: ExternalRef
    agency_code: str = Field(min_length=1, max_length=32)
    reason: Literal["expired", "case_closed", "dispute", "hardship", "manual"]
    recalled_at: AwareDatetime


CostKind = Literal["sms_message", "email_message", "robo_call_minute", "call_minute", "letter", "field_visit",
                   "agency_commission"]


@event("debtflow.collection.cost_incurred.v1", producer="collections")
class CostIncurred(EventPayload):
    """A collection action cost money: quantity x unit cost (for agency commission, the amount recovered x the
    rate). A negative amount gives back a cost (a reversed payment's commission). No personal data."""

    cost_id: UUID
    debt_id: UUID
    borrower_id: ExternalRef
    kind: CostKind
    channel: Literal["sms", "email", "robo_call", "call", "letter", "field_visit", "agency"]
    quantity: Decimal = Field(max_digits=18, decimal_places=2)
    unit_cost: Decimal = Field(ge=0, max_digits=18, decimal_places=4)
    amount: Money
    currency: CurrencyCode
    source_id: str = Field(min_length=1, max_length=64, description="What caused it: an action, call or payment id.")
    incurred_at: AwareDatetime


@event("debtflow.collection.case_closed.v1", producer="collections")
class CollectionCaseClosed(EventPayload):
    """Collection stopped on a debt: settled, sold, written off, cured (nothing overdue) or closed; every pending
    action was cancelled. The case reopens if the debt is overdue again."""

    debt_id: UUID
    borrower_id: ExternalRef
    reason: Literal["settled", "sold", "written_off", "cured", "closed"]
    cancelled_actions: int = Field(ge=0)
    closed_at: AwareDatetime


@event("debtflow.collection.case_reopened.v1", producer="collections")
class CollectionCaseReopened(EventPayload):
    """A closed case is collected again (a reversed payment made the debt overdue again)."""

    debt_id: UUID
    borrower_id: ExternalRef
    dpd_bucket: DpdBucket
    reopened_at: AwareDatetime


@event("debtflow.collection.action_taken.v1", producer="collections")
class CollectionActionTaken(EventPayload):
    """A step of a debt's strategy was carried out (sent, queued for an agent or agency, handed to legal),
    suppressed by the contact policy (`rule` names why) or failed at the gateway. No message content."""

    action_id: UUID
    debt_id: UUID
    borrower_id: ExternalRef
    strategy_code: str = Field(min_length=1, max_length=64)
    step_index: int = Field(ge=0)
    channel: StepChannel
    outcome: Literal["sent", "queued", "handed_over", "suppressed", "failed"]
    rule: str | None = Field(None, max_length=64)
    taken_at: AwareDatetime


#: What an agent's contact came to (collections' agents capability).
ContactOutcomeCode = Literal["right_party_contact", "third_party", "wrong_number", "no_answer", "refused",
                             "promise_to_pay", "dispute_raised", "hardship_claimed", "callback_requested",
                             "deceased", "bankrupt"]


@event("debtflow.collection.outcome_recorded.v1", producer="collections")
class ContactOutcomeRecorded(EventPayload):
    """An agent logged a contact and its outcome (codes only). A claimed dispute, hardship, death or bankruptcy is
    only the agent's record: crm records the real one."""

    debt_id: UUID
    borrower_id: ExternalRef
    outcome_id: UUID
    outcome: ContactOutcomeCode
    channel: Literal["call", "sms", "email", "field_visit", "letter"]
    party: Literal["borrower", "third_party", "representative"]
    contact_point_id: UUID | None = Field(None, description="Reported wrong when the outcome is wrong_number.")
    duration_seconds: int | None = Field(None, ge=0, le=86400)
    agent: str = Field(min_length=1, max_length=128)
    promise_id: UUID | None = None
    callback_at: AwareDatetime | None = None
    occurred_at: AwareDatetime


@event("debtflow.collection.promise_made.v1", producer="collections")
class PromiseMade(EventPayload):
    """The borrower promised to pay an amount by a date."""

    debt_id: UUID
    borrower_id: ExternalRef
    promise_id: UUID
    amount: NonNegativeMoney
    currency: CurrencyCode
    due_on: date
    made_at: AwareDatetime


@event("debtflow.collection.promise_resolved.v1", producer="collections")
class PromiseResolved(EventPayload):
    """A promise was decided from the payments towards it (by its due date plus grace), or decided again when a
    late payment or a reversal changed the sum (`reopened`: a reversal took back what kept it, before its end)."""

    debt_id: UUID
    borrower_id: ExternalRef
    promise_id: UUID
    outcome: Literal["kept", "partly_kept", "broken", "reopened"]
    promised_amount: NonNegativeMoney
    paid_amount: NonNegativeMoney
    currency: CurrencyCode
    due_on: date
    broken_promises: int = Field(ge=0, description="The case's broken promises now (an escalation trigger).")
    resolved_at: AwareDatetime


ArrangementStatus = Literal["proposed", "approved", "accepted", "completed", "breached", "paid", "lapsed",
                            "cancelled"]


@event("debtflow.collection.payment_plan_changed.v1", producer="collections")
class PaymentPlanChanged(EventPayload):
    """A payment plan was proposed, approved, accepted by the borrower, completed, breached or cancelled."""

    debt_id: UUID
    borrower_id: ExternalRef
    plan_id: UUID
    status: ArrangementStatus
    total_amount: NonNegativeMoney
    discount_amount: NonNegativeMoney
    paid_amount: NonNegativeMoney
    currency: CurrencyCode
    changed_at: AwareDatetime


@event("debtflow.collection.settlement_changed.v1", producer="collections")
class SettlementChanged(EventPayload):
    """A settlement was proposed, approved, accepted by the borrower, paid, lapsed or cancelled."""

    debt_id: UUID
    borrower_id: ExternalRef
    settlement_id: UUID
    status: ArrangementStatus
    total_amount: NonNegativeMoney
    discount_amount: NonNegativeMoney
    paid_amount: NonNegativeMoney
    currency: CurrencyCode
    pay_by: date
    changed_at: AwareDatetime
