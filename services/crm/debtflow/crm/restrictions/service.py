"""Contact restriction use cases: record one (in force at once and announced), lift it, read a borrower's."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import AllowedContactTime, ContactRestricted
from debtflow.common.pii import FieldCipher, mask_keep, mask_name
from debtflow.common.problems import NotFound
from debtflow.crm.borrowers.personal_data import may_see_personal_data
from debtflow.crm.borrowers.repository import borrower_of, check_debt_of
from debtflow.crm.checks import locked_or_404, require_state
from debtflow.crm.restrictions.models import ContactRestriction
from debtflow.crm.restrictions.schemas import LiftIn, RestrictionIn
from debtflow.crm.screening import NotesPolicy, screened

#: Associated data of the representative's fields at rest: they decrypt only here.
REST = "crm.representative"


async def record_restriction(uow: UnitOfWork, borrower_id: str, request: RestrictionIn, *, tenant: str | None,
                             actor: Actor, today: date, cipher: FieldCipher, notes: NotesPolicy) -> ContactRestriction:
    """Any agent who hears the request records it: it binds from this moment, not from a supervisor's review."""
    profile = await borrower_of(uow.session, borrower_id, tenant=tenant)
    await check_debt_of(uow.session, profile, request.debt_id)
    now = utcnow()
    representative = request.representative
    restriction = ContactRestriction(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, debt_id=request.debt_id,
        kind=request.kind, channels=list(request.channels) if request.channels else None,
        representative_kind=representative.kind if representative else None,
        representative_name_enc=cipher.encrypt(representative.name, context=f"{REST}.name") if representative else None,
        representative_contact_enc=(cipher.encrypt(representative.contact, context=f"{REST}.contact")
                                    if representative else None),
        allowed_times=[window.model_dump() for window in request.allowed_times] if request.allowed_times else None,
        reason=screened(request.reason, field="reason", policy=notes), status="active",
        recorded_by=actor.identity, recorded_at=now)
    uow.session.add(restriction)
    _announce(uow, restriction, active=True, effective_on=today)
    return restriction


async def lift_restriction(uow: UnitOfWork, restriction_id: uuid.UUID, lift: LiftIn, *,
                           actor: Actor, today: date) -> ContactRestriction:
    restriction = await locked_or_404(uow.session, ContactRestriction, restriction_id, what="contact restriction")
    require_state(restriction.status, ("active",), what=f"contact restriction {restriction_id}", move="lift")
    restriction.status, restriction.lift_reason = "lifted", lift.reason
    restriction.lifted_by, restriction.lifted_at = actor.identity, utcnow()
    _announce(uow, restriction, active=False, effective_on=today)
    return restriction


def _announce(uow: UnitOfWork, restriction: ContactRestriction, *, active: bool, effective_on: date) -> None:
    moment = restriction.recorded_at if active else restriction.lifted_at
    assert moment is not None
    uow.emit(ContactRestricted(
        debt_id=restriction.debt_id, borrower_id=restriction.borrower_id, restriction=restriction.kind,  # type: ignore[arg-type]
        active=active, restriction_id=restriction.id,
        channels=tuple(restriction.channels) if restriction.channels else None,  # type: ignore[arg-type]
        allowed_times=(tuple(AllowedContactTime(**window) for window in restriction.allowed_times)
                       if restriction.allowed_times else None),
        effective_on=effective_on, recorded_at=moment), tenant=restriction.tenant)


async def get_restriction(session: AsyncSession, restriction_id: uuid.UUID) -> ContactRestriction:
    restriction = await session.get(ContactRestriction, restriction_id)
    if restriction is None:
        raise NotFound(f"no contact restriction {restriction_id}")
    return restriction


async def restrictions_of(session: AsyncSession, borrower_id: str, *, tenant: str | None,
                          status: str | None) -> list[ContactRestriction]:
    """A borrower's restrictions, newest first (a borrower has a handful: no paging needed)."""
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    query = select(ContactRestriction).where(ContactRestriction.tenant == profile.tenant,
                                             ContactRestriction.borrower_id == profile.borrower_id)
    if status is not None:
        query = query.where(ContactRestriction.status == status)
    query = query.order_by(ContactRestriction.recorded_at.desc(), ContactRestriction.id.desc()).limit(500)
    return list(await session.scalars(query))


def restriction_view(restriction: ContactRestriction, cipher: FieldCipher, *, actor: Actor) -> dict[str, Any]:
    """The restriction as the caller may see it: the representative's name and contact masked without pii:read."""
    representative, unmasked = None, False
    if restriction.representative_kind is not None:
        unmasked = may_see_personal_data(actor, borrower_id=restriction.borrower_id, tenant=restriction.tenant,
                                         what=f"contact restriction {restriction.id}")
        name = cipher.decrypt(restriction.representative_name_enc or "", context=f"{REST}.name")
        contact = cipher.decrypt(restriction.representative_contact_enc or "", context=f"{REST}.contact")
        representative = {"kind": restriction.representative_kind,
                          "name": name if unmasked else mask_name(name),
                          "contact": contact if unmasked else mask_keep(contact, head=2, tail=2)}
    return {column: getattr(restriction, column) for column in (
        "id", "tenant", "borrower_id", "debt_id", "kind", "channels", "allowed_times", "reason", "status",
        "recorded_by", "recorded_at", "lifted_by", "lifted_at", "lift_reason")} | {
        "representative": representative, "masked": representative is not None and not unmasked}
