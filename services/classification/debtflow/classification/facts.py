"""Keeping each debt's facts current from other services' events, in the order the facts happened."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import money_sum
from debtflow.classification.models import DebtClassificationRow, DebtFactsRow, PauseRow
from debtflow.classification.rules import DebtFacts, Pause

NONPERFORMING = ("substandard", "doubtful", "loss")


def business_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar day of an instant where the lender does business (days past due count in its days)."""
    return moment.astimezone(zone).date()


async def facts_for(session: AsyncSession, debt_id: uuid.UUID, *, borrower_id: str, currency: str,
                    as_of: date) -> DebtFactsRow:
    """The debt's facts row, created empty the first time any event about it arrives (in any order)."""
    row = await session.get(DebtFactsRow, debt_id, with_for_update=True)
    if row is None:
        row = DebtFactsRow(debt_id=debt_id, borrower_id=borrower_id, currency=currency, exposure=Decimal("0.00"),
                           facts_as_of=as_of, status="open", intake_version=0, flags=[], updated_at=utcnow())
        session.add(row)  # inserted by the next flush, with whatever the handler fills in first
    return row


def apply_intake_facts(row: DebtFactsRow, *, version: int, currency: str, exposure: Decimal,
                       first_unpaid_due_date: date | None, status: str, as_of: date,
                       past_due_amount: Decimal | None = None) -> bool:
    """Intake's figures, if newer than those held (a payment can arrive before the registration)."""
    if version <= row.intake_version:
        return False
    row.intake_version = version
    row.currency = currency
    row.exposure = exposure
    row.first_unpaid_due_date = first_unpaid_due_date
    row.status = status
    row.past_due_amount = past_due_amount
    row.facts_as_of = max(row.facts_as_of, as_of)
    row.updated_at = utcnow()
    return True


def set_flag(row: DebtFactsRow, flag: str, active: bool) -> bool:
    flags = set(row.flags or [])
    changed = (flag in flags) != active
    if active:
        flags.add(flag)
    else:
        flags.discard(flag)
    row.flags = sorted(flags)
    row.updated_at = utcnow()
    return changed


async def start_pause(session: AsyncSession, debt_id: uuid.UUID, *, reason: str, source_ref: str,
                      starts_on: date, ends_on: date | None) -> None:
    existing = await session.scalar(select(PauseRow).where(PauseRow.debt_id == debt_id,
                                                           PauseRow.source_ref == source_ref))
    if existing is None:
        session.add(PauseRow(debt_id=debt_id, reason=reason, source_ref=source_ref, starts_on=starts_on,
                             ends_on=ends_on))


async def end_pause(session: AsyncSession, debt_id: uuid.UUID, *, source_ref: str, ends_on: date) -> None:
    pause = await session.scalar(select(PauseRow).where(PauseRow.debt_id == debt_id,
                                                        PauseRow.source_ref == source_ref))
    if pause is not None:
        pause.ends_on = max(pause.starts_on, ends_on)


async def pauses_of(session: AsyncSession, debt_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Pause, ...]]:
    rows = await session.execute(select(PauseRow.debt_id, PauseRow.starts_on, PauseRow.ends_on)
                                 .where(PauseRow.debt_id.in_(debt_ids)))
    found: dict[uuid.UUID, list[Pause]] = {}
    for debt_id, starts_on, ends_on in rows:
        found.setdefault(debt_id, []).append(Pause(starts_on, ends_on))
    return {debt_id: tuple(pauses) for debt_id, pauses in found.items()}


async def borrower_nonperforming_shares(session: AsyncSession, borrower_ids: set[str]) -> dict[str, Decimal]:
    """Share of each borrower's open exposure currently classified substandard or worse (for contagion)."""
    exposure = DebtClassificationRow.exposure
    nonperforming = money_sum(case((DebtClassificationRow.five_tier_class.in_(NONPERFORMING), exposure)))
    rows = await session.execute(
        select(DebtClassificationRow.borrower_id, nonperforming, money_sum(exposure))
        .where(DebtClassificationRow.borrower_id.in_(borrower_ids), DebtClassificationRow.status == "open")
        .group_by(DebtClassificationRow.borrower_id)
    )
    return {borrower: (bad or Decimal(0)) / total for borrower, bad, total in rows if total}


def debt_facts(row: DebtFactsRow, pauses: tuple[Pause, ...] = (), share: Decimal | None = None) -> DebtFacts:
    return DebtFacts(
        exposure=row.exposure, first_unpaid_due_date=row.first_unpaid_due_date, status=row.status,
        past_due_amount=row.past_due_amount, flags=frozenset(row.flags or ()), restructured_on=row.restructured_on,
        pauses=pauses, collection_score=row.collection_score, limitation_expires_on=row.limitation_expires_on,
        borrower_nonperforming_share=share,
    )
