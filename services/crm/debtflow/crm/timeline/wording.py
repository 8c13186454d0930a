"""How each debt-lifecycle event reads on a borrower's timeline: pure functions, no personal data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from debtflow.common.events import (
    AgencyPlaced,
    AgencyRecalled,
    BorrowerCircumstanceRecorded,
    BorrowerConsentChanged,
    CollectionActionTaken,
    CollectionCaseClosed,
    CollectionCaseReopened,
    ComplaintAcknowledged,
    ComplaintEscalated,
    ComplaintReceived,
    ComplaintResolved,
    ContactOutcomeRecorded,
    ContactPreferencesChanged,
    ContactRestricted,
    CostIncurred,
    DebtClassified,
    DebtEscalatedToLegal,
    DebtRegistered,
    DebtRestructured,
    DebtSettled,
    DebtSold,
    DebtUpdated,
    DebtWrittenOff,
    DisputeOpened,
    DisputeResolved,
    EventPayload,
    HardshipDeclined,
    HardshipEnded,
    HardshipGranted,
    HardshipRequested,
    InteractionLogged,
    LegalCaseOpened,
    LimitationUpdated,
    PaymentPlanChanged,
    PaymentReceived,
    PaymentReversed,
    PromiseMade,
    PromiseResolved,
    SatisfactionRecorded,
    ScoreUpdated,
    SettlementChanged,
    StrategyAssigned,
    VulnerabilityRecorded,
)


def _registered(event: DebtRegistered) -> str:
    return (f"Loan {event.loan_id} from {event.source_system} registered as defaulted: "
            f"{event.currency} {event.total_outstanding} outstanding, unpaid since {event.first_unpaid_due_date}")


def _dimension_words(value: object) -> str:
    if isinstance(value, bool):
        return "in default" if value else "not in default"
    return str(value).replace("_", " ")


def _classification_dimensions(event: DebtClassified) -> list[tuple[str, object, object]]:
    """(label, previous, now) for every dimension the timeline shows, in reading order."""
    return [
        ("bucket", event.previous_dpd_bucket, event.dpd_bucket),
        ("five-tier class", event.previous_five_tier_class, event.five_tier_class),
        ("IFRS 9 stage", event.previous_ifrs9_stage, event.ifrs9_stage),
        ("default", event.previous_default_flag, event.default_flag),
        ("overdue type", event.previous_overdue_type, event.overdue_type),
        ("priority", event.previous_priority_tier, event.priority_tier),
    ]


def _classified(event: DebtClassified) -> str:
    """Names what changed, so that a run of reclassifications does not read as the same line over and over."""
    dimensions = _classification_dimensions(event)
    days = f"{event.days_past_due} days past due"
    if event.previous_dpd_bucket is None:  # the first classification of the debt: every dimension is news
        shown = [f"{label} {_dimension_words(now)}" if label != "default" else _dimension_words(now)
                 for label, _, now in dimensions if now is not None]
        return f"First classified, {days}: " + ", ".join(shown)
    changes = [f"{label} {_dimension_words(before)} → {_dimension_words(now)}" if label != "default"
               else f"{_dimension_words(before)} → {_dimension_words(now)}"
               for label, before, now in dimensions if before is not None and now is not None and before != now]
    if not changes:  # e.g. a new rule set or a status change that moved none of the shown dimensions
        return f"Reclassified under rule set {event.ruleset_version}, {days}: {event.dpd_bucket} unchanged"
    return f"Reclassified, {days}: " + "; ".join(changes)


def _strategy(event: StrategyAssigned) -> str:
    return (f"Collection strategy {event.strategy_code}; first action {event.first_action.channel} "
            f"scheduled {event.first_action.scheduled_for.astimezone(UTC):%Y-%m-%d %H:%M} UTC")


def _case_closed(event: CollectionCaseClosed) -> str:
    return (f"Collection stopped: {event.reason.replace('_', ' ')}"
            + (f", {event.cancelled_actions} planned action(s) cancelled" if event.cancelled_actions else ""))


def _case_reopened(event: CollectionCaseReopened) -> str:
    return f"Collection started again: overdue again ({event.dpd_bucket})"


_ACTION_WORDS = {"sent": "sent", "queued": "queued for a collector or agency", "handed_over": "handed to legal",
                 "suppressed": "not sent", "failed": "failed to send"}


def _action_taken(event: CollectionActionTaken) -> str:
    channel = event.channel.replace("_", " ")
    why = f" ({event.rule})" if event.rule else ""
    return f"{channel.capitalize()} step {event.step_index + 1} of {event.strategy_code} {_ACTION_WORDS[event.outcome]}{why}"


def _escalated(event: DebtEscalatedToLegal) -> str:
    return f"Escalated to legal by collections ({event.reason_code.replace('_', ' ')})"


def _legal_case(event: LegalCaseOpened) -> str:
    return f"Legal case opened ({event.trigger.replace('_', ' ')}), stage {event.stage.replace('_', ' ')}"


def _updated(event: DebtUpdated) -> str:
    causes = {"default_update": "newer figures from the lending core", "snapshot": "lending-core balance snapshot",
              "disposal": "disposal"}
    return (f"Balance updated ({causes[event.cause]}): {event.currency} {event.balances.total} outstanding, "
            f"status {event.status.replace('_', ' ')}")


def _payment(event: PaymentReceived) -> str:
    kind = "Recovery after disposal" if event.post_disposal else "Payment"
    return (f"{kind} of {event.currency} {event.amount} received via {event.channel}; "
            f"{event.currency} {event.balances_after.total} still outstanding")


def _reversal(event: PaymentReversed) -> str:
    return (f"Payment of {event.currency} {event.amount} reversed ({event.reason_code.replace('_', ' ')}); "
            f"{event.currency} {event.balances_after.total} outstanding")


def _settled(event: DebtSettled) -> str:
    return f"Settled for {event.currency} {event.settlement_amount}; the rest was waived"


def _sold(event: DebtSold) -> str:
    return f"Debt sold on {event.sold_on}"


def _written_off(event: DebtWrittenOff) -> str:
    return f"Written off on {event.written_off_on} ({event.reason_code.replace('_', ' ')})"


def _words(code: str) -> str:
    return code.replace("_", " ")


def _dispute_opened(event: DisputeOpened) -> str:
    about = f"{event.kind}: " if event.kind else ""
    return f"Dispute opened ({about}{_words(event.reason_code)}); collection and the days-past-due clock stop"


def _dispute_resolved(event: DisputeResolved) -> str:
    return f"Dispute resolved: {_words(event.outcome)}"


def _hardship_requested(event: HardshipRequested) -> str:
    return f"Hardship relief requested ({', '.join(_words(reason) for reason in event.reasons)})"


def _hardship_granted(event: HardshipGranted) -> str:
    until = f" until {event.ends_on}" if event.ends_on else ""
    what = _words(event.arrangement).capitalize() if event.arrangement else "Hardship arrangement"
    review = f", review on {event.review_on}" if event.review_on else ""
    return f"{what} granted from {event.starts_on}{until}{review}"


def _hardship_declined(event: HardshipDeclined) -> str:
    return "Hardship request declined; collection continues"


def _hardship_ended(event: HardshipEnded) -> str:
    return f"Hardship arrangement ended on {event.ended_on}"


def _consent(event: BorrowerConsentChanged) -> str:
    return f"Consent {event.status} for {_words(event.purpose)} ({_words(event.legal_basis)})"


def _preferences(event: ContactPreferencesChanged) -> str:
    said = [f"prefers {_words(event.preferred_channel)}" if event.preferred_channel else None,
            f"language {event.language}" if event.language else None,
            f"no {', '.join(_words(channel) for channel in event.opted_out_channels)}"
            if event.opted_out_channels else None]
    return "Contact preferences changed" + (": " + "; ".join(part for part in said if part) if any(said) else "")


def _interaction(event: InteractionLogged) -> str:
    who = "" if event.party == "borrower" else f" with a {_words(event.party)}"
    return f"{event.direction.capitalize()} {_words(event.channel)}{who}: {_words(event.outcome)}"


def _vulnerability(event: VulnerabilityRecorded) -> str:
    if event.active:
        return f"Vulnerability recorded ({_words(event.kind)}); handled by {event.specialist_team}"
    return f"Vulnerability flag removed ({_words(event.kind)})"


def _satisfaction(event: SatisfactionRecorded) -> str:
    return f"Satisfaction survey answered: {event.score} of 5"


def _contact(event: ContactRestricted) -> str:
    channels = f" ({', '.join(_words(channel) for channel in event.channels)})" if event.channels else ""
    return f"{_words(event.restriction).capitalize()}{channels} {'recorded' if event.active else 'lifted'}"


def _circumstance(event: BorrowerCircumstanceRecorded) -> str:
    return f"Circumstance {'recorded' if event.active else 'withdrawn'}: {_words(event.circumstance)}"


def _restructured(event: DebtRestructured) -> str:
    return f"Debt restructured on {event.restructured_on} under a payment plan"


def _limitation(event: LimitationUpdated) -> str:
    return f"Limitation period now ends on {event.limitation_expires_on}"


def _complaint_received(event: ComplaintReceived) -> str:
    pause = "; collection paused until it is resolved" if event.pauses_collection else ""
    return (f"Complaint received ({_words(event.category)}, {event.severity} severity, about the "
            f"{event.subject_kind}){pause}")


def _complaint_acknowledged(event: ComplaintAcknowledged) -> str:
    return "Complaint acknowledged" + (" after its deadline" if event.late else "")


def _complaint_escalated(event: ComplaintEscalated) -> str:
    return f"Complaint escalated (level {event.escalation_level}): {event.missed} deadline missed"


def _complaint_resolved(event: ComplaintResolved) -> str:
    resume = "; collection may resume" if event.collection_may_resume else ""
    return f"Complaint resolved: {_words(event.outcome)}, root cause {_words(event.root_cause)}{resume}"

def _agency_placed(event: AgencyPlaced) -> str:
    return (f"Placed with collection agency {event.agency_code} until "
            f"{event.expires_at.astimezone(UTC):%Y-%m-%d} ({event.currency} {event.exposure})")


def _agency_recalled(event: AgencyRecalled) -> str:
    reasons = {"expired": "its term ended", "case_closed": "the case closed", "dispute": "a dispute was opened",
               "hardship": "hardship was granted", "manual": "a supervisor recalled it"}
    return f"Recalled from collection agency {event.agency_code}: {reasons[event.reason]}"



def _outcome(event: ContactOutcomeRecorded) -> str:
    who = "" if event.party == "borrower" else f" with a {_words(event.party)}"
    return f"Collector {_words(event.channel)}{who}: {_words(event.outcome)}"


def _promise_made(event: PromiseMade) -> str:
    return f"Promised to pay {event.currency} {event.amount} by {event.due_on}"


def _promise_resolved(event: PromiseResolved) -> str:
    return (f"Promise to pay {event.currency} {event.promised_amount} by {event.due_on}: {_words(event.outcome)} "
            f"({event.currency} {event.paid_amount} paid)")


def _plan_changed(event: PaymentPlanChanged) -> str:
    return f"Payment plan of {event.currency} {event.total_amount} {_words(event.status)}"


def _settlement_changed(event: SettlementChanged) -> str:
    return f"Settlement of {event.currency} {event.total_amount} by {event.pay_by} {_words(event.status)}"

#: Events about a debt that are not part of the relationship with the borrower (internal model output).
NOT_ON_TIMELINE: frozenset[type[EventPayload]] = frozenset({CostIncurred, ScoreUpdated})

DESCRIBERS: dict[type[EventPayload], Callable[[Any], str]] = {
    CollectionCaseClosed: _case_closed,
    CollectionCaseReopened: _case_reopened,
    CollectionActionTaken: _action_taken,
    AgencyPlaced: _agency_placed,
    AgencyRecalled: _agency_recalled,
    DisputeOpened: _dispute_opened,
    DisputeResolved: _dispute_resolved,
    HardshipRequested: _hardship_requested,
    HardshipGranted: _hardship_granted,
    HardshipDeclined: _hardship_declined,
    HardshipEnded: _hardship_ended,
    ContactRestricted: _contact,
    BorrowerConsentChanged: _consent,
    ContactPreferencesChanged: _preferences,
    InteractionLogged: _interaction,
    VulnerabilityRecorded: _vulnerability,
    SatisfactionRecorded: _satisfaction,
    BorrowerCircumstanceRecorded: _circumstance,
    ComplaintReceived: _complaint_received,
    ComplaintAcknowledged: _complaint_acknowledged,
    ComplaintEscalated: _complaint_escalated,
    ComplaintResolved: _complaint_resolved,
    DebtRestructured: _restructured,
    ContactOutcomeRecorded: _outcome,
    PromiseMade: _promise_made,
    PromiseResolved: _promise_resolved,
    PaymentPlanChanged: _plan_changed,
    SettlementChanged: _settlement_changed,
    LimitationUpdated: _limitation,
    DebtUpdated: _updated,
    PaymentReceived: _payment,
    PaymentReversed: _reversal,
    DebtSettled: _settled,
    DebtSold: _sold,
    DebtWrittenOff: _written_off,
    DebtRegistered: _registered,
    DebtClassified: _classified,
    StrategyAssigned: _strategy,
    DebtEscalatedToLegal: _escalated,
    LegalCaseOpened: _legal_case,
}


def describe(payload: EventPayload) -> str:
    return DESCRIBERS[type(payload)](payload)[:500]
