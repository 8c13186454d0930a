"""Helpers for the agents, promises and arrangements tests: a collections service whose contact policy permits
calls at any hour on any day (so tests do not depend on the clock), and intake's payment events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from debtflow.common.clock import utcnow
from debtflow.common.events import PaymentReceived, PaymentReversed
from debtflow.common.events.intake import BalanceSnapshot, PaymentAllocation
from support import fresh_database, token
from support.harness import Harness, harness

SUPERVISOR = token("supervisor", subject="supervisor-1")
ALWAYS_OPEN = {"contact_hours_start": time(0, 0), "contact_hours_end": time(23, 59),
               "contact_holiday_contact_allowed": True, "contact_weekend_allowed": True,
               "contact_min_interval_minutes": {}}


@asynccontextmanager
async def agents_service(db_kind: str, directory: Path, **overrides: Any) -> AsyncIterator[Harness]:
    async with fresh_database(db_kind, directory) as url, harness("collections", url, **ALWAYS_OPEN,
                                                                 **overrides) as running:
        yield running


async def collector(service: Harness, subject: str, *, team: str = "mid", skills: tuple[str, ...] = ()) -> dict[str, str]:
    """Register a collector (as a supervisor) and return their token headers."""
    response = await service.client.put(f"/v1/collectors/{subject}", json={"team": team, "skills": list(skills)},
                                        headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return token("collector", subject=subject)


def _balances(total: str) -> BalanceSnapshot:
    amount = Decimal(total)
    return BalanceSnapshot(principal=amount, interest=Decimal("0.00"), penalty_interest=Decimal("0.00"),
                           fees=Decimal("0.00"), total=amount)


def paid(debt_id: uuid.UUID, amount: str, *, borrower_id: str = "BR-1", version: int = 2,
         paid_at: datetime | None = None, left: str = "0.00", payment_id: uuid.UUID | None = None) -> PaymentReceived:
    zero = Decimal("0.00")
    return PaymentReceived(
        payment_id=payment_id or uuid.uuid4(), lending_core_payment_id=f"PAY-{uuid.uuid4().hex[:8]}",
        debt_id=debt_id, borrower_id=borrower_id, amount=Decimal(amount), currency="CNY",
        paid_at=paid_at or utcnow(), channel="bank",
        allocation=PaymentAllocation(penalty_interest=zero, fees=zero, interest=zero, principal=Decimal(amount),
                                     credit=zero),
        post_disposal=False, balances_after=_balances(left), first_unpaid_due_date_after=None,
        status_after="open", version=version)


def reversed_(payment: PaymentReceived, *, left: str, version: int) -> PaymentReversed:
    return PaymentReversed(
        payment_id=payment.payment_id, lending_core_payment_id=payment.lending_core_payment_id,
        debt_id=payment.debt_id, borrower_id=payment.borrower_id, amount=payment.amount, currency="CNY",
        reversed_allocation=payment.allocation, post_disposal=False, balances_after=_balances(left),
        first_unpaid_due_date_after=None, status_after="open", reason_code="bounced", reversed_at=utcnow(),
        version=version)
