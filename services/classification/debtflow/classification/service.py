"""Classification use cases: classify a newly registered debt; read a debt's classification."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import CloudEvent, DebtClassified, DebtRegistered
from debtflow.common.problems import NotFound
from debtflow.classification.models import ClassificationHistoryRow, DebtClassificationRow
from debtflow.classification.rules import classify


async def classify_registered_debt(uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
    """Classify a debt as of the date its balances were reported and announce the result."""
    debt = event.payload
    current = await uow.session.get(DebtClassificationRow, debt.debt_id)
    if current is not None and current.as_of_date >= debt.as_of_date:
        return  # already classified from the same or newer facts
    result = classify(debt.first_unpaid_due_date, debt.as_of_date)
    now = utcnow()
    previous_bucket = current.dpd_bucket if current else None
    previous_class = current.five_tier_class if current else None
    if current is None:
        current = DebtClassificationRow(debt_id=debt.debt_id, registered_at=debt.registered_at, first_classified_at=now)
        uow.session.add(current)
    current.borrower_id = debt.borrower_id
    current.currency = debt.currency
    current.exposure = debt.total_outstanding
    current.first_unpaid_due_date = debt.first_unpaid_due_date
    current.as_of_date = debt.as_of_date
    current.days_past_due = result.days_past_due
    current.dpd_bucket = result.dpd_bucket
    current.five_tier_class = result.five_tier_class
    current.reason_codes = list(result.reason_codes)
    current.ruleset_version = result.ruleset_version
    current.classified_at = now
    await uow.session.flush()  # the history row refers to this one; there is no ORM relationship to order them
    uow.session.add(
        ClassificationHistoryRow(
            debt_id=debt.debt_id, as_of_date=debt.as_of_date, days_past_due=result.days_past_due,
            dpd_bucket=result.dpd_bucket, five_tier_class=result.five_tier_class, exposure=debt.total_outstanding,
            ruleset_version=result.ruleset_version, cause_event_id=event.id, classified_at=now,
        )
    )
    uow.emit(
        DebtClassified(
            debt_id=debt.debt_id, borrower_id=debt.borrower_id, as_of_date=debt.as_of_date,
            days_past_due=result.days_past_due, dpd_bucket=result.dpd_bucket,
            five_tier_class=result.five_tier_class,  # type: ignore[arg-type]
            previous_dpd_bucket=previous_bucket, previous_five_tier_class=previous_class,  # type: ignore[arg-type]
            exposure=debt.total_outstanding, currency=debt.currency, ruleset_version=result.ruleset_version,
            reason_codes=result.reason_codes, classified_at=now,
        )
    )


async def get_classification(session: AsyncSession, debt_id: uuid.UUID) -> DebtClassificationRow:
    row = await session.get(DebtClassificationRow, debt_id)
    if row is None:
        raise NotFound(f"debt {debt_id} has not been classified (yet)")
    return row
