"""Dispute use cases: open one (collection and the days-past-due clock stop), resolve it (both run again), read."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import DisputeOpened, DisputeResolved
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Conflict, InvalidInput, NotFound, field_error
from debtflow.crm.borrowers.repository import borrower_of, check_debt_of
from debtflow.crm.checks import locked_or_404, not_in_future, require_state
from debtflow.crm.disputes.models import Dispute
from debtflow.crm.disputes.schemas import DisputeIn, DisputeResolutionIn
from debtflow.crm.screening import NotesPolicy, screened


async def open_dispute(uow: UnitOfWork, request: DisputeIn, *, actor: Actor, today: date,
                       notes: NotesPolicy) -> Dispute:
    """Record the dispute and announce it: classification stops the debt's clock, collections its actions."""
    profile = await borrower_of(uow.session, request.borrower_id, tenant=request.tenant, lock=True)
    await check_debt_of(uow.session, profile, request.debt_id)
    await _refuse_second_open(uow.session, profile.tenant, profile.borrower_id, request.debt_id)
    now = utcnow()
    raised_on = not_in_future(request.raised_on, today, "raised_on")
    dispute = Dispute(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, debt_id=request.debt_id,
        kind=request.kind, raised_on=raised_on, reason_code=request.reason_code, channel=request.channel,
        description=screened(request.description, field="description", policy=notes),
        evidence_refs=list(request.evidence_refs), status="open", opened_by=actor.identity, opened_at=now)
    uow.session.add(dispute)
    uow.emit(DisputeOpened(debt_id=dispute.debt_id, borrower_id=dispute.borrower_id, dispute_id=dispute.id,
                           reason_code=dispute.reason_code, kind=dispute.kind, opened_on=dispute.raised_on,  # type: ignore[arg-type]
                           opened_at=now), tenant=dispute.tenant)
    return dispute


async def resolve_dispute(uow: UnitOfWork, dispute_id: uuid.UUID, resolution: DisputeResolutionIn, *,
                          actor: Actor, today: date) -> Dispute:
    dispute = await locked_or_404(uow.session, Dispute, dispute_id, what="dispute")
    require_state(dispute.status, ("open",), what=f"dispute {dispute_id}", move="resolve")
    now = utcnow()
    resolved_on = not_in_future(resolution.resolved_on, today, "resolved_on")
    if resolved_on < dispute.raised_on:
        raise InvalidInput("a dispute cannot be resolved before it was raised", errors=[field_error(
            "resolved_on", "not_before_raised", f"must be on or after {dispute.raised_on}")])
    dispute.status, dispute.outcome, dispute.resolution_reason = "resolved", resolution.outcome, resolution.reason
    dispute.resolved_by, dispute.resolved_at = actor.identity, now
    uow.emit(DisputeResolved(debt_id=dispute.debt_id, borrower_id=dispute.borrower_id, dispute_id=dispute.id,
                             outcome=resolution.outcome, resolved_on=resolved_on, resolved_at=now),
             tenant=dispute.tenant)
    return dispute


async def get_dispute(session: AsyncSession, dispute_id: uuid.UUID) -> Dispute:
    dispute = await session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound(f"no dispute {dispute_id}")
    return dispute


async def list_disputes(session: AsyncSession, *, borrower_id: str | None, tenant: str | None,
                        status: str | None, limit: int, after: str | None) -> tuple[list[Dispute], str | None]:
    """Newest first, one keyset page; filtered by borrower (within a tenant when named) and status."""
    query = select(Dispute)
    if borrower_id is not None:
        query = query.where(Dispute.borrower_id == borrower_id)
    if tenant is not None:
        query = query.where(Dispute.tenant == tenant)
    if status is not None:
        query = query.where(Dispute.status == status)
    if after is not None:
        opened_at, last_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where((Dispute.opened_at < opened_at) | ((Dispute.opened_at == opened_at) & (Dispute.id < last_id)))
    rows = list(await session.scalars(query.order_by(Dispute.opened_at.desc(), Dispute.id.desc()).limit(limit + 1)))
    return page_of(rows, limit, lambda dispute: (dispute.opened_at, dispute.id))


async def _refuse_second_open(session: AsyncSession, tenant: str, borrower_id: str,
                              debt_id: uuid.UUID | None) -> None:
    """One open dispute per debt (or per borrower-wide dispute): a second would be resolved without the first."""
    query = select(Dispute.id).where(Dispute.tenant == tenant, Dispute.borrower_id == borrower_id,
                                     Dispute.status == "open")
    query = query.where(Dispute.debt_id.is_(None) if debt_id is None else Dispute.debt_id == debt_id)
    open_id = await session.scalar(query.limit(1))
    if open_id is not None:
        raise Conflict(f"dispute {open_id} about this debt is still open: add to it or resolve it first",
                       slug="dispute-already-open", dispute_id=str(open_id))

