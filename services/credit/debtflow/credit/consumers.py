"""Events credit consumes, mapped to their handler: one set-based handler keeps the portfolio read model."""

from __future__ import annotations

from debtflow.common.messaging.consumer import Handlers, set_based
from debtflow.credit.portfolio.service import PORTFOLIO_EVENTS, apply_to_portfolio
from debtflow.credit.settings import CreditSettings


def build_handlers(settings: CreditSettings) -> Handlers:
    portfolio = set_based(apply_to_portfolio)  # one object for every type: a run of them arrives in one call
    return dict.fromkeys(PORTFOLIO_EVENTS, portfolio)
