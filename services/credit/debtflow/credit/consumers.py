"""Events credit consumes, mapped to their handlers."""

from __future__ import annotations

from debtflow.common.events import (
    DebtClassified,
    DebtRegistered,
    DebtUpdated,
    PaymentReceived,
    PaymentReversed,
)
from debtflow.common.messaging.consumer import Handlers
from debtflow.credit.portfolio.service import (
    on_debt_classified,
    on_debt_registered,
    on_debt_updated,
    on_payment,
)
from debtflow.credit.settings import CreditSettings


def build_handlers(settings: CreditSettings) -> Handlers:
    return {
        DebtRegistered: on_debt_registered,
        DebtUpdated: on_debt_updated,
        PaymentReceived: on_payment,
        PaymentReversed: on_payment,
        DebtClassified: on_debt_classified,
    }
