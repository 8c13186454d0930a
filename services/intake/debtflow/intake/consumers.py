"""Events intake consumes, mapped to their handlers: disposals decided by collections and legal."""

from __future__ import annotations

from debtflow.common.events import DebtSettled, DebtSold, DebtWrittenOff
from debtflow.common.messaging.consumer import Handlers
from debtflow.intake.disposals.service import on_debt_settled, on_debt_sold, on_debt_written_off
from debtflow.intake.settings import IntakeSettings


def build_handlers(settings: IntakeSettings) -> Handlers:
    return {DebtSettled: on_debt_settled, DebtSold: on_debt_sold, DebtWrittenOff: on_debt_written_off}
