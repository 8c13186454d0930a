"""Intake use cases: register a default (idempotent on the lending core's loan id) and read debts."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor, Role
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import DebtRegistered
from debtflow.common.problems import NotFound
from debtflow.intake.models import Debt
from debtflow.intake.schemas import DefaultIn


async def register_default(uow: UnitOfWork, *, payload: DefaultIn, actor: Actor) -> tuple[Debt, bool]:
    """Store a new debt and announce it; a loan already registered is returned as it is (created=False)."""
    source_system = actor.subject
    existing = await _find_by_loan(uow.session, source_system, payload.loan_id)
    if existing is not None:
        return existing, False
    now = utcnow()
    debt = Debt(
        id=uuid.uuid4(), source_system=source_system, status="open", registered_at=now, updated_at=now,
        **payload.model_dump(),
    )
    try:
        async with uow.session.begin_nested():
            uow.session.add(debt)
    except IntegrityError:
        # A concurrent request registered the same loan first; theirs is the debt.
        winner = await _find_by_loan(uow.session, source_system, payload.loan_id)
        assert winner is not None
        return winner, False
    uow.emit(
        DebtRegistered(
            debt_id=debt.id, borrower_id=debt.borrower_id, source_system=source_system, loan_id=debt.loan_id,
            currency=debt.currency, principal_outstanding=debt.principal_outstanding,
            interest_outstanding=debt.interest_outstanding, fees_outstanding=debt.fees_outstanding,
            total_outstanding=debt.total_outstanding, first_unpaid_due_date=debt.first_unpaid_due_date,
            as_of_date=debt.as_of_date, registered_at=now,
        )
    )
    return debt, True


async def get_debt(session: AsyncSession, debt_id: uuid.UUID, *, actor: Actor) -> Debt:
    """A debt by id. A lending core (role `lender` only) sees just the debts it registered."""
    debt = await session.get(Debt, debt_id)
    lender_only = actor.roles == {Role.LENDER}
    if debt is None or (lender_only and debt.source_system != actor.subject):
        raise NotFound(f"no debt {debt_id}")
    return debt


async def _find_by_loan(session: AsyncSession, source_system: str, loan_id: str) -> Debt | None:
    return await session.scalar(select(Debt).where(Debt.source_system == source_system, Debt.loan_id == loan_id))
