"""Events classification consumes, mapped to their handlers."""

from __future__ import annotations

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
from debtflow.classification.handlers import Handlers as ClassificationHandlers
from debtflow.classification.settings import ClassificationSettings


def build_handlers(settings: ClassificationSettings) -> Handlers:
    on = ClassificationHandlers(settings.zone)
    return {
        DebtRegistered: on.debt_registered,
        DebtUpdated: on.debt_updated,
        PaymentReceived: on.payment,
        PaymentReversed: on.payment,
        DisputeOpened: on.dispute_opened,
        DisputeResolved: on.dispute_resolved,
        HardshipGranted: on.hardship_granted,
        HardshipEnded: on.hardship_ended,
        ContactRestricted: on.contact_restricted,
        BorrowerCircumstanceRecorded: on.circumstance,
        DebtRestructured: on.restructured,
        DebtEscalatedToLegal: on.legal_action,
        LegalCaseOpened: on.legal_action,
        LimitationUpdated: on.limitation,
        ScoreUpdated: on.score,
    }
