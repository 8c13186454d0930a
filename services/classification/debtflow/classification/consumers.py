"""Events classification consumes, mapped to their handlers."""

from __future__ import annotations

from functools import partial

from debtflow.classification.facts import service as facts
from debtflow.classification.settings import ClassificationSettings
from debtflow.common.events import (
    BorrowerCircumstanceRecorded,
    ContactRestricted,
    DebtEscalatedToLegal,
    DebtRegistered,
    DebtRestructured,
    DebtUpdated,
    DisputeOpened,
    DisputeResolved,
    HardshipEnded,
    HardshipGranted,
    LegalCaseOpened,
    LimitationUpdated,
    PaymentReceived,
    PaymentReversed,
    ScoreUpdated,
)
from debtflow.common.messaging.consumer import Handlers


def build_handlers(settings: ClassificationSettings) -> Handlers:
    on_payment = partial(facts.on_payment, zone=settings.zone)
    return {
        DebtRegistered: facts.on_debt_registered,
        DebtUpdated: facts.on_debt_updated,
        PaymentReceived: on_payment,
        PaymentReversed: on_payment,
        DisputeOpened: facts.on_dispute_opened,
        DisputeResolved: facts.on_dispute_resolved,
        HardshipGranted: facts.on_hardship_granted,
        HardshipEnded: facts.on_hardship_ended,
        ContactRestricted: facts.on_contact_restricted,
        BorrowerCircumstanceRecorded: facts.on_circumstance,
        DebtRestructured: facts.on_restructured,
        DebtEscalatedToLegal: facts.on_legal_action,
        LegalCaseOpened: facts.on_legal_action,
        LimitationUpdated: facts.on_limitation_updated,
        ScoreUpdated: facts.on_score_updated,
    }
