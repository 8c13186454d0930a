"""Legal use cases: open a case when a debt turns doubtful or loss, or when collections escalates it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import CloudEvent, DebtClassified, DebtEscalatedToLegal, LegalCaseOpened
from debtflow.common.problems import NotFound
from debtflow.legal.cases.models import LegalCase
from debtflow.legal.cases.rules import trigger_for_class


async def on_debt_classified(uow: UnitOfWork, event: CloudEvent[DebtClassified]) -> None:
    trigger = trigger_for_class(event.payload.five_tier_class)
    if trigger is not None:
        await _open_case(uow, event, trigger=trigger, five_tier_class=event.payload.five_tier_class)


async def on_debt_escalated(uow: UnitOfWork, event: CloudEvent[DebtEscalatedToLegal]) -> None:
    await _open_case(uow, event, trigger="escalated_by_collections", five_tier_class=None)


async def _open_case(
    uow: UnitOfWork, event: CloudEvent[DebtClassified] | CloudEvent[DebtEscalatedToLegal], *,
    trigger: str, five_tier_class: str | None,
) -> None:
    """One case per debt: a second trigger for a debt that already has a case changes nothing."""
    debt_id = event.payload.debt_id
    if await uow.session.scalar(select(LegalCase.id).where(LegalCase.debt_id == debt_id)) is not None:
        return
    case = LegalCase(
        id=uuid.uuid4(), debt_id=debt_id, borrower_id=event.payload.borrower_id, trigger=trigger,
        five_tier_class=five_tier_class, stage="pre_litigation", opened_at=utcnow(), cause_event_id=event.id,
    )
    uow.session.add(case)
    uow.emit(
        LegalCaseOpened(
            case_id=case.id, debt_id=debt_id, borrower_id=case.borrower_id, trigger=trigger,  # type: ignore[arg-type]
            five_tier_class=five_tier_class, opened_at=case.opened_at,  # type: ignore[arg-type]
        )
    )


async def get_case(session: AsyncSession, debt_id: uuid.UUID) -> LegalCase:
    case = await session.scalar(select(LegalCase).where(LegalCase.debt_id == debt_id))
    if case is None:
        raise NotFound(f"no legal case for debt {debt_id}")
    return case
