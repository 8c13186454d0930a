"""Events legal consumes, mapped to their handlers."""

from __future__ import annotations

from debtflow.common.events import DebtClassified, DebtEscalatedToLegal
from debtflow.common.messaging.consumer import Handlers, set_based
from debtflow.legal.cases.service import open_legal_cases
from debtflow.legal.settings import LegalSettings


def build_handlers(settings: LegalSettings) -> Handlers:
    # One object for both types: a debt's classification and its escalation in one poll stay in order, in one call.
    cases = set_based(open_legal_cases)
    return dict.fromkeys((DebtClassified, DebtEscalatedToLegal), cases)
