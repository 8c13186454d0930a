"""Legal use cases: open a case when a debt turns doubtful or loss, or when collections escalates it."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import CloudEvent, DebtClassified, DebtEscalatedToLegal, LegalCaseOpened
from debtflow.common.problems import NotFound
from debtflow.legal.cases.models import LegalCase
from debtflow.legal.cases.rules import trigger_for_class


async def open_legal_cases(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based, for classifications and escalations alike: the run's debts that have a case in one query, then
    each event in order (a debt's first trigger, in the run or before it, opens its case); new cases are added."""
    with_case = set(await uow.session.scalars(select(LegalCase.debt_id).where(
        one_of(LegalCase.debt_id, {event.payload.debt_id for event in events}))))
    for event in events:
        payload = event.payload
        if isinstance(payload, DebtClassified):
            trigger, five_tier_class = trigger_for_class(payload.five_tier_class), payload.five_tier_class
        else:
            trigger, five_tier_class = "escalated_by_collections", None
        if trigger is None or payload.debt_id in with_case:
            continue  # one case per debt: a second trigger for a debt that already has a case changes nothing
        with_case.add(payload.debt_id)
        with uow.on_behalf_of(event):
            _open_case(uow, event, trigger=trigger, five_tier_class=five_tier_class)


def _open_case(
    uow: UnitOfWork, event: CloudEvent[DebtClassified] | CloudEvent[DebtEscalatedToLegal], *,
    trigger: str, five_tier_class: str | None,
) -> None:
    case = LegalCase(
        id=uuid.uuid4(), debt_id=event.payload.debt_id, borrower_id=event.payload.borrower_id, trigger=trigger,
        five_tier_class=five_tier_class, stage="pre_litigation", opened_at=utcnow(), cause_event_id=event.id,
    )
    uow.session.add(case)
    uow.emit(
        LegalCaseOpened(
            case_id=case.id, debt_id=case.debt_id, borrower_id=case.borrower_id, trigger=trigger,  # type: ignore[arg-type]
            five_tier_class=five_tier_class, opened_at=case.opened_at,  # type: ignore[arg-type]
        )
    )


async def get_case(session: AsyncSession, debt_id: uuid.UUID) -> LegalCase:
    case = await session.scalar(select(LegalCase).where(LegalCase.debt_id == debt_id))
    if case is None:
        raise NotFound(f"no legal case for debt {debt_id}")
    return case
