"""Events credit consumes, mapped to their handlers."""

from __future__ import annotations

from debtflow.common.events import DebtClassified, DebtRegistered
from debtflow.common.messaging.consumer import Handlers
from debtflow.credit.service import on_debt_classified, on_debt_registered

HANDLERS: Handlers = {DebtRegistered: on_debt_registered, DebtClassified: on_debt_classified}
