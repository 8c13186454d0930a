"""Helpers for classification tests: business days, event builders, tokens, re-ageing, reads and bucket spells."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from debtflow.classification.classifications.models import BucketSpell, ClassificationHistoryRow
from debtflow.classification.classifications.rules import dpd_bucket
from debtflow.classification.rulesets.document import RuleSet
from debtflow.common.events import (
    BalanceSnapshot,
    BorrowerCircumstanceRecorded,
    ContactRestricted,
    DebtClassified,
    DebtRegistered,
    DebtRestructured,
    DebtUpdated,
    DisputeOpened,
    DisputeResolved,
    HardshipEnded,
    HardshipGranted,
    LimitationUpdated,
    PaymentAllocation,
    PaymentReceived,
    PaymentReversed,
    ScoreUpdated,
)
from support import token
from support.harness import Harness, registered

#: The service's default business time zone: days past due count in its calendar.
ZONE = ZoneInfo("Asia/Shanghai")


def business_today() -> date:
    return datetime.now(ZONE).date()


TODAY = business_today()

SUPERVISOR = token("supervisor", subject="supervisor-1")
CHECKER = token("supervisor", subject="supervisor-2")
RISK = token("risk", subject="analyst-1")
COLLECTOR = token("collector", subject="collector-7")
ADMIN = token("admin", subject="ops-1")
LENDER = token("lender")
MAKER_CHECKER = "urn:debtflow:problem:maker-checker"
VALIDATION = "urn:debtflow:problem:validation-error"


def at(day: date, hour: int = 12) -> datetime:
    """An instant on a business day (noon there by default), for event times."""
    return datetime.combine(day, time(hour), ZONE).astimezone(UTC)


# -- intake's events ---------------------------------------------------------------------------------------


def debt(days_overdue: int, as_of: date, *, principal: str = "1000.00", borrower_id: str | None = None,
         currency: str = "CNY", registered_at: datetime | None = None,
         debt_id: uuid.UUID | None = None) -> DebtRegistered:
    """A registration `days_overdue` days past due on `as_of` (its first unpaid instalment fell due then)."""
    payload = registered(debt_id, borrower_id=borrower_id or f"BR-{uuid.uuid4().hex[:8]}", currency=currency,
                         principal=principal, days_overdue=days_overdue, as_of=as_of)
    return payload.model_copy(update={"registered_at": registered_at}) if registered_at else payload


def balances(total: str | Decimal) -> BalanceSnapshot:
    amount = Decimal(total)
    zero = Decimal("0.00")
    return BalanceSnapshot(principal=amount, interest=zero, penalty_interest=zero, fees=zero, total=amount)


def snapshot(reg: DebtRegistered, *, version: int, first_unpaid: date | None, as_of: date, total: str = "1000.00",
             status: str = "open", cause: str = "snapshot") -> DebtUpdated:
    return DebtUpdated(debt_id=reg.debt_id, borrower_id=reg.borrower_id, cause=cause, version=version,  # type: ignore[arg-type]
                       currency=reg.currency, balances=balances(total), first_unpaid_due_date=first_unpaid,
                       as_of_date=as_of, status=status, updated_at=at(as_of))  # type: ignore[arg-type]


def _allocation(amount: Decimal) -> PaymentAllocation:
    zero = Decimal("0.00")
    return PaymentAllocation(penalty_interest=zero, fees=zero, interest=zero, principal=amount, credit=zero)


def payment(reg: DebtRegistered, *, version: int, first_unpaid_after: date | None, day: date,
            amount: str = "100.00", total_after: str = "900.00", status_after: str = "open") -> PaymentReceived:
    """A payment received on `day`; publish it with `time=at(day)` (classification dates it by the event time)."""
    return PaymentReceived(
        payment_id=uuid.uuid4(), lending_core_payment_id=f"PAY-{uuid.uuid4().hex[:10]}", debt_id=reg.debt_id,
        borrower_id=reg.borrower_id, amount=Decimal(amount), currency=reg.currency, paid_at=at(day), channel="bank",
        allocation=_allocation(Decimal(amount)), post_disposal=False, balances_after=balances(total_after),
        first_unpaid_due_date_after=first_unpaid_after, status_after=status_after, version=version,  # type: ignore[arg-type]
    )


def reversal(paid: PaymentReceived, *, version: int, first_unpaid_after: date | None, day: date,
             total_after: str = "1000.00") -> PaymentReversed:
    return PaymentReversed(
        payment_id=paid.payment_id, lending_core_payment_id=paid.lending_core_payment_id, debt_id=paid.debt_id,
        borrower_id=paid.borrower_id, amount=paid.amount, currency=paid.currency,
        reversed_allocation=paid.allocation, post_disposal=False, balances_after=balances(total_after),
        first_unpaid_due_date_after=first_unpaid_after, status_after="open", reason_code="bounced",
        reversed_at=at(day), version=version,
    )


# -- crm's, collections', legal's and credit's events -------------------------------------------------------


def dispute_opened(reg: DebtRegistered, on: date, *, dispute_id: uuid.UUID | None = None,
                   whole_borrower: bool = False) -> DisputeOpened:
    return DisputeOpened(debt_id=None if whole_borrower else reg.debt_id, borrower_id=reg.borrower_id,
                         dispute_id=dispute_id or uuid.uuid4(), reason_code="amount_disputed", opened_on=on,
                         opened_at=at(on))


def dispute_resolved(opened: DisputeOpened, on: date) -> DisputeResolved:
    return DisputeResolved(debt_id=opened.debt_id, borrower_id=opened.borrower_id, dispute_id=opened.dispute_id,
                           outcome="rejected", resolved_on=on, resolved_at=at(on))


def hardship_granted(reg: DebtRegistered, starts_on: date, ends_on: date | None = None) -> HardshipGranted:
    return HardshipGranted(debt_id=reg.debt_id, borrower_id=reg.borrower_id, hardship_id=uuid.uuid4(),
                           starts_on=starts_on, ends_on=ends_on, granted_at=at(starts_on))


def hardship_ended(granted: HardshipGranted, on: date) -> HardshipEnded:
    return HardshipEnded(debt_id=granted.debt_id, borrower_id=granted.borrower_id, hardship_id=granted.hardship_id,
                         ended_on=on, ended_at=at(on))


def contact_restricted(reg: DebtRegistered, restriction: str = "uncontactable", *, active: bool = True,
                       on: date | None = None) -> ContactRestricted:
    day = on or reg.as_of_date
    return ContactRestricted(debt_id=reg.debt_id, borrower_id=reg.borrower_id, restriction=restriction,  # type: ignore[arg-type]
                             active=active, effective_on=day, recorded_at=at(day))


def circumstance(debt_id: uuid.UUID, borrower_id: str, kind: str, *, active: bool = True,
                 on: date | None = None) -> BorrowerCircumstanceRecorded:
    day = on or TODAY
    return BorrowerCircumstanceRecorded(debt_id=debt_id, borrower_id=borrower_id, circumstance=kind,  # type: ignore[arg-type]
                                        active=active, effective_on=day, recorded_at=at(day))


def restructured(reg: DebtRegistered, on: date) -> DebtRestructured:
    return DebtRestructured(debt_id=reg.debt_id, borrower_id=reg.borrower_id, restructured_on=on,
                            plan_id=uuid.uuid4(), restructured_at=at(on))


def limitation(reg: DebtRegistered, expires_on: date) -> LimitationUpdated:
    return LimitationUpdated(debt_id=reg.debt_id, borrower_id=reg.borrower_id, limitation_expires_on=expires_on,
                             updated_at=at(reg.as_of_date))


def score(reg: DebtRegistered, probability: str) -> ScoreUpdated:
    return ScoreUpdated(debt_id=reg.debt_id, borrower_id=reg.borrower_id, model="collect-gbm-2026.3",
                        recovery_probability=Decimal(probability), scored_at=at(reg.as_of_date))


# -- driving and reading the service -------------------------------------------------------------------------


async def publish_all(service: Harness, *payloads: Any) -> None:
    """Publish in order, waiting for each to be handled (events on different topics may otherwise overtake)."""
    for payload in payloads:
        when = None
        if isinstance(payload, (PaymentReceived, PaymentReversed)):
            when = payload.paid_at if isinstance(payload, PaymentReceived) else payload.reversed_at
        await service.publish(payload, time=when)
        await service.settled()


async def reage(service: Harness, day: date, headers: dict[str, str] = SUPERVISOR) -> dict[str, Any]:
    response = await service.client.post("/v1/reage-runs", json={"as_of_date": day.isoformat()}, headers=headers)
    assert response.status_code == 200, response.text
    await service.settled()
    return response.json()  # type: ignore[no-any-return]


async def classification(service: Harness, debt_id: uuid.UUID, as_of: date | None = None) -> dict[str, Any]:
    path = f"/v1/classifications/{debt_id}" + (f"?as_of={as_of.isoformat()}" if as_of else "")
    response = await service.client.get(path, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def dims(body: dict[str, Any]) -> tuple[Any, ...]:
    """The dimensions of an API answer, in a fixed order: bucket, class, stage, default, type, tier."""
    return (body["dpd_bucket"], body["five_tier_class"], body["ifrs9_stage"], body["default_flag"],
            body["overdue_type"], body["priority_tier"])


def classified_events(service: Harness, debt_id: uuid.UUID | None = None) -> list[DebtClassified]:
    return [event.data for event in service.emitted(DebtClassified)
            if debt_id is None or event.data.debt_id == debt_id]


async def spells(service: Harness, debt_id: uuid.UUID) -> list[BucketSpell]:
    """The debt's bucket spells in the order they were opened."""
    async with service.runtime.sessions() as session:
        return list(await session.scalars(select(BucketSpell).where(BucketSpell.debt_id == debt_id)
                                          .order_by(BucketSpell.id)))


def spell_days(found: list[BucketSpell]) -> list[tuple[str, date, date | None]]:
    return [(spell.bucket, spell.entered_on, spell.exited_on) for spell in found]


async def history_count(service: Harness, debt_id: uuid.UUID) -> int:
    return await service.count(ClassificationHistoryRow, ClassificationHistoryRow.debt_id == debt_id)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def dpd_bucket_of(days_past_due: int) -> str:
    """The built-in rule set's bucket for a day count."""
    return dpd_bucket(max(days_past_due, 0), RuleSet())
