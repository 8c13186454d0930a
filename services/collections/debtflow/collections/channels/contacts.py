"""The contact data replica: built from intake's borrower events and crm's contact point changes (set-based, in
order, safe against late and repeated events), re-encrypted under collections' own contexts, and the choice of
whom a message goes to (a do-not-use or retired contact point is never chosen)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.channels.models import ChannelBorrower, ChannelContactPoint
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import CloudEvent, ContactPointChanged, event_tenant
from debtflow.common.pii import FieldCipher

#: Associated data: a token copied from an event, from crm or into another column does not decrypt there.
BORROWER_TRANSPORT = "event.borrower"
POINT_TRANSPORT = "event.contact_point"
BORROWER_REST = "collections.borrower"
POINT_REST = "collections.contact_point"
#: What each channel needs: a phone for texts and calls, an email, a postal address.
KIND_OF_CHANNEL = {"sms": "phone", "robo_call": "phone", "email": "email", "letter": "address"}


class UnattributedEvent(ValueError):
    """A borrower or contact point event without a tenant names nobody: raised, so the consumer dead-letters it."""


def _tenant_of(event: CloudEvent[Any]) -> str:
    tenant = event_tenant(event)
    if tenant is None:
        raise UnattributedEvent(f"event {event.id} ({event.type}) carries no tenant")
    return tenant


async def apply_borrower_contacts(uow: UnitOfWork, events: list[CloudEvent[Any]], *, cipher: FieldCipher) -> None:
    """Set-based: the run's borrowers read in one query, each event applied in order (a version the replica has
    reached changes nothing); names and listed values decrypted from transport and sealed at rest."""
    keys = [(_tenant_of(event), event.payload.borrower_id) for event in events]
    held = {(row.tenant, row.borrower_id): row for row in await uow.session.scalars(
        select(ChannelBorrower).where(one_of(ChannelBorrower.borrower_id, {key[1] for key in keys})))}
    now = utcnow()
    for key, event in zip(keys, events, strict=True):
        payload, row = event.payload, held.get(key)
        if row is not None and payload.version <= row.intake_version:
            continue  # late or repeated: the replica holds this state or a newer one
        if row is None:
            row = held[key] = ChannelBorrower(tenant=key[0], borrower_id=key[1])
            uow.session.add(row)
        _apply_personal_data(cipher, row, payload.personal_data)
        row.intake_version, row.updated_at = payload.version, now


def _apply_personal_data(cipher: FieldCipher, row: ChannelBorrower, data: Any) -> None:
    def reseal(field: str, token: str) -> dict[str, str]:
        value = cipher.decrypt(token, context=f"{BORROWER_TRANSPORT}.{field}")
        return {"kind": field, "value_enc": cipher.encrypt(value, context=f"{BORROWER_REST}.{field}"),
                "lookup_hash": cipher.lookup_hash(value, context=field)}

    name = cipher.decrypt(data.name, context=f"{BORROWER_TRANSPORT}.name") if data.name else None
    row.name_enc = cipher.encrypt(name, context=f"{BORROWER_REST}.name") if name else None
    row.listed = ([reseal("phone", token) for token in data.phones] + [reseal("email", token) for token in data.emails]
                  + ([reseal("address", data.address)] if data.address else []))


async def apply_contact_points(uow: UnitOfWork, events: list[CloudEvent[Any]], *, cipher: FieldCipher) -> None:
    """Set-based: the run's contact points read in one query, each change applied in order of its revision (an
    older or repeated revision changes nothing); the event carries the full state, so the newest decides."""
    held = {row.contact_point_id: row for row in await uow.session.scalars(select(ChannelContactPoint).where(
        one_of(ChannelContactPoint.contact_point_id, {event.payload.contact_point_id for event in events})))}
    for event in events:
        changed: ContactPointChanged = event.payload
        row = held.get(changed.contact_point_id)
        if row is not None and changed.revision <= row.revision:
            continue
        value = cipher.decrypt(changed.value, context=f"{POINT_TRANSPORT}.{changed.kind}")
        if row is None:
            row = held[changed.contact_point_id] = ChannelContactPoint(contact_point_id=changed.contact_point_id)
            uow.session.add(row)
        row.tenant, row.borrower_id, row.kind = _tenant_of(event), changed.borrower_id, changed.kind
        row.value_enc = cipher.encrypt(value, context=f"{POINT_REST}.{changed.kind}")
        row.lookup_hash = cipher.lookup_hash(value, context=changed.kind)
        row.belongs_to, row.relationship = changed.belongs_to, changed.relationship
        row.verification, row.do_not_use, row.status = changed.verification, changed.do_not_use, changed.status
        row.revision, row.changed_at = changed.revision, changed.changed_at


# -- choosing the recipient ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactData:
    """A borrower's replica rows, still encrypted: what `prepare` reads in one query for all its messages."""

    borrower: ChannelBorrower | None
    points: tuple[ChannelContactPoint, ...]


async def contact_data_of(session: AsyncSession, keys: set[tuple[str | None, str]]
                          ) -> dict[tuple[str | None, str], ContactData]:
    """Every replica row of these (tenant, borrower id) pairs: one query per table for the whole set."""
    borrower_ids = {borrower_id for _, borrower_id in keys}
    borrowers = {(row.tenant, row.borrower_id): row for row in await session.scalars(
        select(ChannelBorrower).where(one_of(ChannelBorrower.borrower_id, borrower_ids)))}
    points: dict[tuple[str | None, str], list[ChannelContactPoint]] = {}
    for point in await session.scalars(select(ChannelContactPoint).where(
            one_of(ChannelContactPoint.borrower_id, borrower_ids)).order_by(ChannelContactPoint.contact_point_id)):
        points.setdefault((point.tenant, point.borrower_id), []).append(point)
    return {key: ContactData(borrowers.get(key), tuple(points.get(key, ()))) for key in keys}


@dataclass(frozen=True)
class Recipient:
    value: str
    kind: str
    contact_point_id: uuid.UUID | None

    def __repr__(self) -> str:
        return f"Recipient(kind={self.kind!r}, contact_point_id={self.contact_point_id})"


def _usable(point: ChannelContactPoint, kind: str, party: str) -> bool:
    belongs_to = "borrower" if party == "borrower" else "third_party"
    return (point.kind == kind and point.status == "active" and not point.do_not_use
            and point.verification != "failed" and point.belongs_to == belongs_to)


def choose_recipient(cipher: FieldCipher, data: ContactData, *, channel: str, party: str,
                     contact_point_id: uuid.UUID | None) -> Recipient | None:
    """Where the message goes: the named contact point if it may be used, else the best usable one of crm's
    (verified first), else for the borrower a value intake lists that crm does not know at all (crm has not
    caught up yet). A value crm holds as retired, do-not-use or failed is never used, by any route."""
    kind = KIND_OF_CHANNEL[channel]
    candidates = [point for point in data.points if _usable(point, kind, party)
                  and (contact_point_id is None or point.contact_point_id == contact_point_id)]
    candidates.sort(key=lambda point: (point.verification != "verified", -point.changed_at.timestamp()))
    if candidates:
        best = candidates[0]
        return Recipient(cipher.decrypt(best.value_enc, context=f"{POINT_REST}.{kind}"), kind, best.contact_point_id)
    if party != "borrower" or contact_point_id is not None or data.borrower is None:
        return None
    known = {point.lookup_hash for point in data.points if point.kind == kind}
    for listed in data.borrower.listed:
        if listed["kind"] == kind and listed["lookup_hash"] not in known:
            return Recipient(cipher.decrypt(listed["value_enc"], context=f"{BORROWER_REST}.{kind}"), kind, None)
    return None


def borrower_name(cipher: FieldCipher, data: ContactData) -> str | None:
    borrower = data.borrower
    if borrower is None or borrower.name_enc is None:
        return None
    return cipher.decrypt(borrower.name_enc, context=f"{BORROWER_REST}.name")
