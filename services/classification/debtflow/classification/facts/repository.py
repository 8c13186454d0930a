"""Reading and writing debts' facts: the facts row (made on the first event about a debt, whatever its kind),
pauses, and the pure `DebtFacts` that every classification is computed from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.classification.classifications.models import DebtClassificationRow
from debtflow.classification.classifications.rules import DebtFacts, Pause
from debtflow.classification.facts.models import DebtFactsRow, PauseRow
from debtflow.classification.facts.rules import NONPERFORMING
from debtflow.common.clock import utcnow
from debtflow.common.db.sums import money_sum


async def facts_for(session: AsyncSession, debt_id: uuid.UUID, *, tenant: str | None, borrower_id: str,
                    currency: str = "", as_of: date = date.min) -> DebtFactsRow:
    """The debt's facts row, locked, created empty the first time any event about it arrives (in any order:
    an event may overtake the debt's registration on another topic; its facts then wait for intake's). The
    first event that names the debt's tenant records it."""
    row = await session.get(DebtFactsRow, debt_id, with_for_update=True)
    if row is None:
        row = DebtFactsRow(debt_id=debt_id, tenant=tenant, borrower_id=borrower_id, currency=currency,
                           exposure=Decimal("0.00"), facts_as_of=as_of, status="open", intake_version=0, flags=[],
                           updated_at=utcnow())
        session.add(row)  # inserted by the next flush, with whatever the handler fills in first
    elif row.tenant is None:
        row.tenant = tenant
    return row


def of_tenant(column: Any, tenant: str | None) -> ColumnElement[bool]:
    """Rows of `tenant`'s borrower. Rows not yet attributed (debts from before tenants) still match, so a
    borrower-wide flag such as `deceased` is not lost on them; an event without a tenant (from before tenants)
    matches every row, as it did then."""
    if tenant is None:
        return true()
    return or_(column == tenant, column.is_(None))


async def facts_of_borrower(session: AsyncSession, borrower_id: str, tenant: str | None) -> list[DebtFactsRow]:
    """The facts rows of every debt of the tenant's borrower known so far, locked."""
    query = (select(DebtFactsRow).where(DebtFactsRow.borrower_id == borrower_id, of_tenant(DebtFactsRow.tenant, tenant))
             .order_by(DebtFactsRow.debt_id))
    return list(await session.scalars(query.with_for_update()))


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


async def load_facts(session: AsyncSession, rows: Sequence[Any], *, contagion: bool) -> dict[uuid.UUID, DebtFacts]:
    """The pure facts of many debts at once, with their pauses and (under contagion) their borrowers' shares
    of non-performing exposure: two queries however many debts. `rows` are facts rows, or plain rows with
    the same columns (the daily run's)."""
    pauses = await pauses_of(session, [row.debt_id for row in rows])
    shares = await _nonperforming_shares(session, {row.borrower_id for row in rows}) if contagion else {}
    return {row.debt_id: _debt_facts(row, pauses.get(row.debt_id, ()), shares.get((row.tenant, row.borrower_id)))
            for row in rows}


async def load_one(session: AsyncSession, row: Any, *, contagion: bool) -> DebtFacts:
    return (await load_facts(session, [row], contagion=contagion))[row.debt_id]


async def pauses_of(session: AsyncSession, debt_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Pause, ...]]:
    rows = await session.execute(select(PauseRow.debt_id, PauseRow.starts_on, PauseRow.ends_on)
                                 .where(PauseRow.debt_id.in_(debt_ids)))
    found: dict[uuid.UUID, list[Pause]] = {}
    for debt_id, starts_on, ends_on in rows:
        found.setdefault(debt_id, []).append(Pause(starts_on, ends_on))
    return {debt_id: tuple(pauses) for debt_id, pauses in found.items()}


async def _nonperforming_shares(session: AsyncSession, borrower_ids: set[str]
                                ) -> dict[tuple[str | None, str], Decimal]:
    """Share of each (tenant, borrower)'s open exposure classified substandard or worse (for contagion): two
    lenders' customers with one id are two people, and one's default says nothing about the other."""
    row, facts = DebtClassificationRow, DebtFactsRow
    nonperforming = money_sum(case((row.five_tier_class.in_(NONPERFORMING), row.exposure)))
    shares = await session.execute(
        select(facts.tenant, row.borrower_id, nonperforming, money_sum(row.exposure))
        .join(facts, facts.debt_id == row.debt_id)
        .where(row.borrower_id.in_(borrower_ids), row.status == "open")
        .group_by(facts.tenant, row.borrower_id)
    )
    return {(tenant, borrower): (bad or Decimal(0)) / total for tenant, borrower, bad, total in shares if total}


def _debt_facts(row: Any, pauses: tuple[Pause, ...], share: Decimal | None) -> DebtFacts:
    return DebtFacts(
        exposure=row.exposure, first_unpaid_due_date=row.first_unpaid_due_date, status=row.status,
        past_due_amount=row.past_due_amount, flags=frozenset(row.flags or ()), restructured_on=row.restructured_on,
        pauses=pauses, collection_score=row.collection_score, limitation_expires_on=row.limitation_expires_on,
        borrower_nonperforming_share=share,
    )
