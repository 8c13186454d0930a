"""Circumstance use cases: record one with its proof (classification flags the debts), withdraw it, read them."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import BorrowerCircumstanceRecorded
from debtflow.common.problems import Conflict
from debtflow.crm.borrowers.repository import borrower_of, check_debt_of
from debtflow.crm.checks import locked_or_404, not_in_future, require_state
from debtflow.crm.circumstances.models import BorrowerCircumstance
from debtflow.crm.circumstances.schemas import CircumstanceIn, WithdrawalIn
from debtflow.crm.screening import NotesPolicy, screened


async def record_circumstance(uow: UnitOfWork, borrower_id: str, request: CircumstanceIn, *, tenant: str | None,
                              actor: Actor, today: date, notes: NotesPolicy) -> BorrowerCircumstance:
    profile = await borrower_of(uow.session, borrower_id, tenant=tenant, lock=True)
    await check_debt_of(uow.session, profile, request.debt_id)
    now = utcnow()
    effective_on = not_in_future(request.effective_on, today, "effective_on")
    same = await uow.session.scalar(select(BorrowerCircumstance.id).where(
        BorrowerCircumstance.tenant == profile.tenant, BorrowerCircumstance.borrower_id == profile.borrower_id,
        BorrowerCircumstance.circumstance == request.circumstance, BorrowerCircumstance.status == "active",
        BorrowerCircumstance.debt_id.is_(None) if request.debt_id is None
        else BorrowerCircumstance.debt_id == request.debt_id).limit(1))
    if same is not None:
        raise Conflict(f"{request.circumstance} is already recorded for this borrower ({same})",
                       slug="circumstance-already-recorded", circumstance_id=str(same))
    circumstance = BorrowerCircumstance(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, debt_id=request.debt_id,
        circumstance=request.circumstance, effective_on=effective_on, document_ref=request.document_ref,
        notes=screened(request.notes, field="notes", policy=notes), status="active", recorded_by=actor.identity,
        recorded_at=now)
    uow.session.add(circumstance)
    _announce(uow, circumstance, active=True, effective_on=effective_on)
    return circumstance


async def withdraw_circumstance(uow: UnitOfWork, circumstance_id: uuid.UUID, withdrawal: WithdrawalIn, *,
                                actor: Actor, today: date) -> BorrowerCircumstance:
    """Recorded in error, or no longer true (released, bankruptcy discharged): the flag comes off the debts."""
    circumstance = await locked_or_404(uow.session, BorrowerCircumstance, circumstance_id, what="circumstance")
    require_state(circumstance.status, ("active",), what=f"circumstance {circumstance_id}", move="withdraw")
    circumstance.status, circumstance.withdrawal_reason = "withdrawn", withdrawal.reason
    circumstance.withdrawn_by, circumstance.withdrawn_at = actor.identity, utcnow()
    _announce(uow, circumstance, active=False, effective_on=today)
    return circumstance


def _announce(uow: UnitOfWork, circumstance: BorrowerCircumstance, *, active: bool, effective_on: date) -> None:
    moment = circumstance.recorded_at if active else circumstance.withdrawn_at
    assert moment is not None
    uow.emit(BorrowerCircumstanceRecorded(
        debt_id=circumstance.debt_id, borrower_id=circumstance.borrower_id,
        circumstance=circumstance.circumstance, active=active, circumstance_id=circumstance.id,  # type: ignore[arg-type]
        effective_on=effective_on, recorded_at=moment),
        tenant=circumstance.tenant)


async def circumstances_of(session: AsyncSession, borrower_id: str, *,
                           tenant: str | None) -> list[BorrowerCircumstance]:
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    query = select(BorrowerCircumstance).where(BorrowerCircumstance.tenant == profile.tenant,
                                               BorrowerCircumstance.borrower_id == profile.borrower_id)
    query = query.order_by(BorrowerCircumstance.recorded_at.desc(), BorrowerCircumstance.id.desc()).limit(500)
    return list(await session.scalars(query))
