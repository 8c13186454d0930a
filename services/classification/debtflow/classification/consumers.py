"""Events classification consumes, mapped to their handlers."""

from __future__ import annotations

from debtflow.common.events import DebtRegistered
from debtflow.common.messaging.consumer import Handlers
from debtflow.classification.service import classify_registered_debt

HANDLERS: Handlers = {DebtRegistered: classify_registered_debt}
