"""Events legal consumes, mapped to their handlers."""

from __future__ import annotations

from debtflow.common.events import DebtClassified, DebtEscalatedToLegal
from debtflow.common.messaging.consumer import Handlers
from debtflow.legal.cases.service import on_debt_classified, on_debt_escalated
from debtflow.legal.settings import LegalSettings


def build_handlers(settings: LegalSettings) -> Handlers:
    return {DebtClassified: on_debt_classified, DebtEscalatedToLegal: on_debt_escalated}
