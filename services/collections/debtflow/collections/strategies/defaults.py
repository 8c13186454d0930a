"""The built-in strategy set: gentle and digital in M1, agent calls and firm notices in M2-M3, plans, settlements
and agency placement in M4-M6, legal past M6 or on triggers. A supervisor replaces any of them by activating a
version of the same code (maker-checker); a code nobody replaced keeps this built-in version (version 0).

The day offsets and triggers are the lender's own collection policy, chosen to stay inside the conduct rules the
contact policy enforces (the policy has the last word on every contact); change them through the API, not here."""

from __future__ import annotations

from debtflow.collections.strategies.rules import (
    EscalationTriggers,
    Segment,
    Step,
    Strategy,
    StrategyDefinition,
)

#: Legal before the path says so: a large exposure, three broken promises, or two months without any contact.
_TRIGGERS = EscalationTriggers(exposure_at_least="200000.00", broken_promises=3, no_contact_days=60)


def _strategy(code: str, definition: StrategyDefinition) -> Strategy:
    return Strategy(code=code, version=0, definition=definition)


BUILT_IN: tuple[Strategy, ...] = (
    _strategy("vulnerable-care", StrategyDefinition(
        name="Care for vulnerable borrowers", rank=10,
        description="A gentle letter, then a call by the specialist team; no robo-calls, no firm wording.",
        segment=Segment(vulnerable=True),
        steps=(Step(day=0, channel="letter", template="default.reminder", tone="reminder"),
               Step(day=7, channel="call", template="default.reminder", tone="reminder"),
               Step(day=30, channel="call", template="default.reminder", tone="reminder")),
        exits=("paid", "promise_made", "dispute", "hardship", "restriction", "escalation"))),
    _strategy("early-reminder", StrategyDefinition(
        name="Early reminders", rank=100,
        description="Courtesy SMS, an email, a robo-call, then an agent call if nothing was paid (M0-M1).",
        segment=Segment(buckets=("M0", "M1")),
        steps=(Step(day=0, channel="sms", template="default.reminder", tone="reminder"),
               Step(day=3, channel="email", template="default.reminder", tone="reminder"),
               Step(day=7, channel="robo_call", template="default.reminder", tone="reminder"),
               Step(day=14, channel="sms", template="default.firm", tone="firm"),
               Step(day=21, channel="call", template="default.reminder", tone="reminder")))),
    _strategy("early-call", StrategyDefinition(
        name="Agent calls", rank=200,
        description="Agent calls to agree a payment or a promise to pay, with firm reminders between (M2).",
        segment=Segment(buckets=("M2",)),
        steps=(Step(day=0, channel="call", template="default.firm", tone="firm"),
               Step(day=2, channel="sms", template="default.firm", tone="firm"),
               Step(day=7, channel="call", template="default.firm", tone="firm"),
               Step(day=14, channel="email", template="default.firm", tone="firm"),
               Step(day=21, channel="call", template="default.firm", tone="firm")),
        escalation=_TRIGGERS)),
    _strategy("intensive-call", StrategyDefinition(
        name="Intensive calls and payment plans", rank=300,
        description="Experienced collectors call regularly and offer payment plans; a firm letter (M3).",
        segment=Segment(buckets=("M3",)),
        steps=(Step(day=0, channel="call", template="default.firm", tone="firm"),
               Step(day=5, channel="letter", template="default.firm", tone="firm"),
               Step(day=10, channel="call", template="default.firm", tone="firm"),
               Step(day=20, channel="call", template="default.firm", tone="firm")),
        escalation=_TRIGGERS)),
    _strategy("formal-demand", StrategyDefinition(
        name="Formal demand and settlement", rank=400,
        description="A formal demand letter, calls offering settlements, then placement with an agency (M4-M5).",
        segment=Segment(buckets=("M4", "M5")),
        steps=(Step(day=0, channel="letter", template="default.firm", tone="firm"),
               Step(day=3, channel="call", template="default.firm", tone="firm"),
               Step(day=14, channel="call", template="default.firm", tone="firm"),
               Step(day=45, channel="agency", template="agency-placement", tone="firm")),
        escalation=_TRIGGERS)),
    _strategy("pre-legal", StrategyDefinition(
        name="Final notice before legal", rank=500,
        description="A final notice, a last call, then an agency placement while legal reviews (M6).",
        segment=Segment(buckets=("M6",)),
        steps=(Step(day=0, channel="letter", template="default.final_notice", tone="final_notice"),
               Step(day=7, channel="call", template="default.final_notice", tone="final_notice"),
               Step(day=21, channel="agency", template="agency-placement", tone="final_notice")),
        escalation=_TRIGGERS)),
    _strategy("agency-recovery", StrategyDefinition(
        name="Agency recovery, then legal", rank=10_000,
        description="Past M6 (and any bucket no other strategy takes): agency placement, legal referral after 90 days.",
        segment=Segment(),
        steps=(Step(day=0, channel="agency", template="agency-placement", tone="final_notice"),
               Step(day=90, channel="legal", template="legal-referral", tone="final_notice")),
        escalation=_TRIGGERS)),
)
