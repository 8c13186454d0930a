"""Reading debts' facts: pauses, borrowers' non-performing shares, and the pure `DebtFacts` that every
classification is computed from. (The event path reads and makes facts rows a run at a time:
classifications.batch.)"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.classification.classifications.models import DebtClassificationRow
from debtflow.classification.classifications.rules import DebtFacts, Pause
from debtflow.classification.facts.models import DebtFactsRow, PauseRow
from debtflow.classification.facts.rules import NONPERFORMING
from debtflow.common.db.sums import money_sum


def of_tenant(column: Any, tenant: str | None) -> ColumnElement[bool]:
    """Rows of `tenant`'s borrower. Rows not yet attributed (debts from before tenants) still match, so a
    borrower-wide flag such as `deceased` is not lost on them; an event without a tenant (from before tenants)
    matches every row, as it did then."""
    if tenant is None:
        return true()
    return or_(column == tenant, column.is_(None))


async def load_facts(session: AsyncSession, rows: Sequence[Any], *, contagion: bool) -> dict[uuid.UUID, DebtFacts]:
    """The pure facts of many debts at once, with their pauses and (under contagion) their borrowers' shares
    of non-performing exposure: two queries however many debts. `rows` are facts rows, or plain rows with
    the same columns (the daily run's)."""
    pauses = await pauses_of(session, [row.debt_id for row in rows])
    shares = await _nonperforming_shares(session, {row.borrower_id for row in rows}) if contagion else {}
    return {row.debt_id: debt_facts_of(row, pauses.get(row.debt_id, ()), shares.get((row.tenant, row.borrower_id)))
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


def debt_facts_of(row: Any, pauses: tuple[Pause, ...], share: Decimal | None) -> DebtFacts:
    """The pure facts of one debt from its facts row (or a plain row of its columns), pauses and share."""
    return DebtFacts(
        exposure=row.exposure, first_unpaid_due_date=row.first_unpaid_due_date, status=row.status,
        past_due_amount=row.past_due_amount, flags=frozenset(row.flags or ()), restructured_on=row.restructured_on,
        pauses=pauses, collection_score=row.collection_score, limitation_expires_on=row.limitation_expires_on,
        borrower_nonperforming_share=share,
    )
