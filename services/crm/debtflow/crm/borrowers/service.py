"""Borrower profiles' use cases: built and kept current from intake's borrower events (set-based, safe against late
and repeated events by intake's version), read masked by role."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import CloudEvent, event_tenant
from debtflow.common.pii import FieldCipher
from debtflow.crm.borrowers.models import BorrowerProfile
from debtflow.crm.borrowers.personal_data import (
    may_see_personal_data,
    opened_from_event,
    profile_fields,
    sealed,
)
from debtflow.crm.borrowers.repository import borrower_of
from debtflow.crm.contact_points.service import (
    ContactPointChanges,
    active_contact_points,
    apply_lending_core_listing,
    contact_point_view,
    contact_points_of_borrowers,
)


class UnattributedBorrowerEvent(ValueError):
    """A borrower event without a tenant: a borrower id is a lender's customer number, so without the lender it
    names nobody. Raised, never skipped: the consumer dead-letters the event for someone to look at."""


async def apply_borrower_events(uow: UnitOfWork, events: list[CloudEvent[Any]], *, cipher: FieldCipher) -> None:
    """Set-based: the run's profiles and contact points read in one query each, each event applied in order in
    memory (one carrying a version the profile has already reached changes nothing), the writes flushed
    together. Intake's events carry the borrower's full state, so the newest version alone decides."""
    for event in events:
        if event_tenant(event) is None:
            raise UnattributedBorrowerEvent(f"borrower event {event.id} ({event.type}) carries no tenant")
    session = uow.session
    borrower_ids = {event.payload.borrower_id for event in events}
    profiles = {(profile.tenant, profile.borrower_id): profile for profile in await session.scalars(
        select(BorrowerProfile).where(one_of(BorrowerProfile.borrower_id, borrower_ids)))}
    points = await contact_points_of_borrowers(session, borrower_ids)
    now = utcnow()
    changes = ContactPointChanges(uow, cipher, now)
    for event in events:
        payload, tenant = event.payload, event_tenant(event)
        assert tenant is not None
        key = (tenant, payload.borrower_id)
        profile = profiles.get(key)
        if profile is not None and payload.version <= profile.intake_version:
            continue  # late or repeated: the profile already holds this state or a newer one
        opened = opened_from_event(cipher, payload.personal_data)
        if profile is None:
            profile = profiles[key] = BorrowerProfile(tenant=tenant, borrower_id=payload.borrower_id, created_at=now)
            session.add(profile)
        profile.id_type, profile.region, profile.timezone = payload.id_type, payload.region, payload.timezone
        profile.name_enc = sealed(cipher, "name", opened.name)
        profile.id_number_enc = sealed(cipher, "id_number", opened.id_number)
        profile.date_of_birth_enc = sealed(cipher, "date_of_birth", opened.date_of_birth)
        profile.intake_version, profile.updated_at = payload.version, now
        listed = ([("phone", phone) for phone in opened.phones] + [("email", email) for email in opened.emails]
                  + ([("address", opened.address)] if opened.address else []))
        with uow.on_behalf_of(event):
            apply_lending_core_listing(changes, points.setdefault(key, []), tenant=tenant,
                                       borrower_id=payload.borrower_id, listed=listed)
    await changes.write()


async def profile_of(session: AsyncSession, borrower_id: str, *, tenant: str | None, actor: Actor,
                     cipher: FieldCipher) -> dict[str, Any]:
    """The profile with its active contact points, as the caller may see it."""
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    points = await active_contact_points(session, profile)
    unmasked = may_see_personal_data(actor, borrower_id=profile.borrower_id, tenant=profile.tenant,
                                     what="borrower profile")
    return {"borrower_id": profile.borrower_id, "tenant": profile.tenant, "masked": not unmasked,
            "id_type": profile.id_type, "region": profile.region, "timezone": profile.timezone,
            **profile_fields(cipher, profile, unmasked=unmasked), "intake_version": profile.intake_version,
            "created_at": profile.created_at, "updated_at": profile.updated_at,
            "contact_points": [contact_point_view(cipher, point, unmasked=unmasked) for point in points]}
