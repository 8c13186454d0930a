"""How each debt-lifecycle event reads on a borrower's timeline: pure functions, no personal data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from debtflow.common.events import (
    DebtClassified,
    DebtEscalatedToLegal,
    DebtRegistered,
    DebtSettled,
    DebtSold,
    DebtUpdated,
    DebtWrittenOff,
    EventPayload,
    LegalCaseOpened,
    PaymentReceived,
    PaymentReversed,
    StrategyAssigned,
)


def _registered(event: DebtRegistered) -> str:
    return (f"Loan {event.loan_id} from {event.source_system} registered as defaulted: "
            f"{event.currency} {event.total_outstanding} outstanding, unpaid since {event.first_unpaid_due_date}")


def _classified(event: DebtClassified) -> str:
    change = ""
    if event.previous_dpd_bucket and event.previous_dpd_bucket != event.dpd_bucket:
        change = f" (was {event.previous_dpd_bucket})"
    return (f"Classified {event.dpd_bucket}{change}, {event.days_past_due} days past due, "
            f"five-tier class {event.five_tier_class.replace('_', ' ')}")


def _strategy(event: StrategyAssigned) -> str:
    return (f"Collection strategy {event.strategy_code}; first action {event.first_action.channel} "
            f"scheduled {event.first_action.scheduled_for.astimezone(UTC):%Y-%m-%d %H:%M} UTC")


def _escalated(event: DebtEscalatedToLegal) -> str:
    return f"Escalated to legal by collections ({event.reason_code.replace('_', ' ')})"


def _legal_case(event: LegalCaseOpened) -> str:
    return f"Legal case opened ({event.trigger.replace('_', ' ')}), stage {event.stage.replace('_', ' ')}"


def _updated(event: DebtUpdated) -> str:
    causes = {"default_update": "newer figures from the lending core", "snapshot": "lending-core balance snapshot",
              "disposal": "disposal"}
    return (f"Balance updated ({causes[event.cause]}): {event.currency} {event.balances.total} outstanding, "
            f"status {event.status.replace('_', ' ')}")


def _payment(event: PaymentReceived) -> str:
    kind = "Recovery after disposal" if event.post_disposal else "Payment"
    return (f"{kind} of {event.currency} {event.amount} received via {event.channel}; "
            f"{event.currency} {event.balances_after.total} still outstanding")


def _reversal(event: PaymentReversed) -> str:
    return (f"Payment of {event.currency} {event.amount} reversed ({event.reason_code.replace('_', ' ')}); "
            f"{event.currency} {event.balances_after.total} outstanding")


def _settled(event: DebtSettled) -> str:
    return f"Settled for {event.currency} {event.settlement_amount}; the rest was waived"


def _sold(event: DebtSold) -> str:
    return f"Debt sold on {event.sold_on}"


def _written_off(event: DebtWrittenOff) -> str:
    return f"Written off on {event.written_off_on} ({event.reason_code.replace('_', ' ')})"


DESCRIBERS: dict[type[EventPayload], Callable[[Any], str]] = {
    DebtUpdated: _updated,
    PaymentReceived: _payment,
    PaymentReversed: _reversal,
    DebtSettled: _settled,
    DebtSold: _sold,
    DebtWrittenOff: _written_off,
    DebtRegistered: _registered,
    DebtClassified: _classified,
    StrategyAssigned: _strategy,
    DebtEscalatedToLegal: _escalated,
    LegalCaseOpened: _legal_case,
}


def describe(payload: EventPayload) -> str:
    return DESCRIBERS[type(payload)](payload)[:500]
