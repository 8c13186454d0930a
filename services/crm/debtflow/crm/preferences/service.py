"""Preference and consent use cases: replace a borrower's preferences (each change kept and announced), give or
withdraw consent per purpose (append-only, announced), read both."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import AllowedContactTime, BorrowerConsentChanged, ContactPreferencesChanged
from debtflow.common.problems import Conflict, NotFound
from debtflow.crm.borrowers.repository import borrower_of
from debtflow.crm.preferences.models import ConsentRecord, ContactPreferences, PreferenceChange
from debtflow.crm.preferences.rules import consent_refusal, current_positions
from debtflow.crm.preferences.schemas import ConsentIn, PreferencesIn
from debtflow.crm.screening import NotesPolicy, screened


async def replace_preferences(uow: UnitOfWork, borrower_id: str, request: PreferencesIn, *, tenant: str | None,
                              actor: Actor, notes: NotesPolicy) -> ContactPreferences:
    profile = await borrower_of(uow.session, borrower_id, tenant=tenant, lock=True)
    preferences = await _preferences_of(uow.session, profile.tenant, profile.borrower_id)
    now = utcnow()
    if preferences is None:
        preferences = ContactPreferences(tenant=profile.tenant, borrower_id=profile.borrower_id, version=0)
        uow.session.add(preferences)
    state = {"preferred_channel": request.preferred_channel, "language": request.language,
             "preferred_times": [window.model_dump() for window in request.preferred_times],
             "opted_out_channels": sorted(set(request.opted_out_channels))}
    for name, value in state.items():
        setattr(preferences, name, value)
    preferences.version += 1
    preferences.updated_by, preferences.updated_at = actor.identity, now
    uow.session.add(PreferenceChange(tenant=profile.tenant, borrower_id=profile.borrower_id,
                                     version=preferences.version, preferences=state,
                                     reason=screened(request.reason, field="reason", policy=notes),
                                     changed_by=actor.identity, changed_at=now))
    uow.emit(ContactPreferencesChanged(
        borrower_id=profile.borrower_id, version=preferences.version,
        preferred_channel=request.preferred_channel, language=request.language,
        preferred_times=tuple(AllowedContactTime(**window) for window in state["preferred_times"]),
        opted_out_channels=tuple(state["opted_out_channels"]), changed_at=now), tenant=profile.tenant)
    return preferences


async def get_preferences(session: AsyncSession, borrower_id: str, *, tenant: str | None) -> ContactPreferences:
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    preferences = await _preferences_of(session, profile.tenant, profile.borrower_id)
    if preferences is None:
        raise NotFound(f"borrower {borrower_id} has stated no contact preferences")
    return preferences


async def record_consent(uow: UnitOfWork, borrower_id: str, request: ConsentIn, *, tenant: str | None,
                         actor: Actor) -> ConsentRecord:
    """A new record for the purpose; a withdrawal takes effect at once (collections reads the event)."""
    profile = await borrower_of(uow.session, borrower_id, tenant=tenant, lock=True)
    history = await _consents_of(uow.session, profile.tenant, profile.borrower_id)
    current = current_positions(history).get(request.purpose)
    refusal = consent_refusal(request.action, request.legal_basis, current)
    if refusal is not None:
        raise Conflict(f"cannot {request.action} consent for {request.purpose}: {refusal}", slug="invalid-transition",
                       current_state=current.status if current else "none")
    now = utcnow()
    record = ConsentRecord(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, purpose=request.purpose,
        legal_basis=current.legal_basis if request.action == "withdraw" and current else request.legal_basis,
        status="given" if request.action == "give" else "withdrawn", channel=request.channel,
        evidence_ref=request.evidence_ref, recorded_by=actor.identity, recorded_at=now)
    uow.session.add(record)
    uow.emit(BorrowerConsentChanged(borrower_id=record.borrower_id, consent_id=record.id,
                                    purpose=record.purpose, legal_basis=record.legal_basis,  # type: ignore[arg-type]
                                    status=record.status, recorded_at=now), tenant=record.tenant)  # type: ignore[arg-type]
    return record


async def consents(session: AsyncSession, borrower_id: str, *,
                   tenant: str | None) -> tuple[list[ConsentRecord], list[ConsentRecord]]:
    """(current position per purpose, every record newest first)."""
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    history = await _consents_of(session, profile.tenant, profile.borrower_id)
    return list(current_positions(history).values()), history


async def _preferences_of(session: AsyncSession, tenant: str, borrower_id: str) -> ContactPreferences | None:
    found = await session.scalars(select(ContactPreferences).where(
        ContactPreferences.tenant == tenant, ContactPreferences.borrower_id == borrower_id))
    return found.first()


async def _consents_of(session: AsyncSession, tenant: str, borrower_id: str) -> list[ConsentRecord]:
    query = select(ConsentRecord).where(ConsentRecord.tenant == tenant, ConsentRecord.borrower_id == borrower_id)
    return list(await session.scalars(query.order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
                                      .limit(1000)))
