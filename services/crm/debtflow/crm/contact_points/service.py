"""Contact points' use cases: agents add and correct them, lending cores' listings (intake's borrower events) add
and retire theirs; every change is a revision and an event, through `ContactPointChanges`."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import ContactPointChanged
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.pii import FieldCipher
from debtflow.common.problems import Conflict, InvalidInput, NotFound, field_error
from debtflow.crm.borrowers.models import BorrowerProfile
from debtflow.crm.borrowers.personal_data import may_see_personal_data
from debtflow.crm.borrowers.repository import borrower_of
from debtflow.crm.contact_points.models import ContactPoint, ContactPointRevision
from debtflow.crm.contact_points.rules import ContactValueError, Held, apply_listing, masked, normalised
from debtflow.crm.contact_points.schemas import ContactPointCorrection, ContactPointIn

#: Associated data: values at rest, revisions' states, and values in events each decrypt only where made for.
REST = "crm.contact_point"
REVISION = "crm.contact_point.revision"
TRANSPORT = "event.contact_point"
LENDING_CORE = "lending_core"
VERIFICATION_CHANGES = {"verified": "verified", "failed": "verification_failed", "unverified": "unverified"}


def value_of(cipher: FieldCipher, point: ContactPoint) -> str:
    return cipher.decrypt(point.value_enc, context=f"{REST}.{point.kind}")


def _state(point: ContactPoint, value: str) -> dict[str, Any]:
    """A contact point's full state, as a revision keeps it."""
    return {"kind": point.kind, "value": value, "source": point.source, "belongs_to": point.belongs_to,
            "relationship": point.relationship, "verification": point.verification,
            "do_not_use": point.do_not_use, "do_not_use_reason": point.do_not_use_reason, "status": point.status,
            "last_successful_contact_at": (point.last_successful_contact_at.isoformat()
                                           if point.last_successful_contact_at else None)}


@dataclass
class ContactPointChanges:
    """The one way a contact point changes: its revision number moves on, a revision row keeps the state after
    the change (encrypted), and an event announces it (the value encrypted for transport). Revisions are
    inserted together by `write`, after the contact points they belong to."""

    uow: UnitOfWork
    cipher: FieldCipher
    now: datetime
    revisions: list[dict[str, Any]] = field(default_factory=list)

    def add(self, *, tenant: str, borrower_id: str, kind: str, value: str, source: str, belongs_to: str,
            relationship: str | None, verification: str, by: str, reason: str | None) -> ContactPoint:
        point = ContactPoint(
            id=uuid.uuid4(), tenant=tenant, borrower_id=borrower_id, kind=kind,
            value_enc=self.cipher.encrypt(value, context=f"{REST}.{kind}"),
            lookup_hash=self.cipher.lookup_hash(value, context=kind), source=source, belongs_to=belongs_to,
            relationship=relationship, verification=verification, last_successful_contact_at=None,
            do_not_use=False, do_not_use_reason=None, status="active", revision=0, created_by=by,
            created_at=self.now, updated_at=self.now)
        self.uow.session.add(point)
        self.record(point, value, ["added"], by=by, reason=reason)
        return point

    def record(self, point: ContactPoint, value: str, changes: list[str], *, by: str, reason: str | None) -> None:
        point.revision += 1
        point.updated_at = self.now
        self.revisions.append({
            "contact_point_id": point.id, "revision": point.revision, "changes": changes,
            "state_enc": self.cipher.encrypt(json.dumps(_state(point, value), ensure_ascii=False), context=REVISION),
            "changed_by": by, "changed_at": self.now, "reason": reason})
        self.uow.emit(ContactPointChanged(
            borrower_id=point.borrower_id, contact_point_id=point.id, revision=point.revision,
            changes=tuple(changes), kind=point.kind, value=self.cipher.encrypt(value, context=f"{TRANSPORT}.{point.kind}"),
            source=point.source, belongs_to=point.belongs_to, relationship=point.relationship,
            verification=point.verification, do_not_use=point.do_not_use, do_not_use_reason=point.do_not_use_reason,
            status=point.status, changed_at=self.now,
        ), tenant=point.tenant)  # type: ignore[arg-type]

    async def write(self) -> None:
        if self.revisions:
            await self.uow.session.flush()  # the contact points first: revisions refer to them
            await self.uow.session.execute(insert(ContactPointRevision), self.revisions)
            self.revisions = []


# -- from lending cores (intake's borrower events) --------------------------------------------------------------


async def contact_points_of_borrowers(session: AsyncSession, borrower_ids: set[str]
                                      ) -> dict[tuple[str, str], list[ContactPoint]]:
    """Every contact point of these borrowers (any tenant), by (tenant, borrower id): one query for a run."""
    rows = await session.scalars(select(ContactPoint).where(one_of(ContactPoint.borrower_id, borrower_ids))
                                 .order_by(ContactPoint.created_at, ContactPoint.id))
    found: dict[tuple[str, str], list[ContactPoint]] = {}
    for point in rows:
        found.setdefault((point.tenant, point.borrower_id), []).append(point)
    return found


def apply_lending_core_listing(changes: ContactPointChanges, points: list[ContactPoint], *, tenant: str,
                               borrower_id: str, listed: list[tuple[str, str]]) -> None:
    """What the core lists now for the borrower (kind, plain value): new values added, dropped ones retired (never
    deleted), one listed again after retirement brought back. `points` is the borrower's list, kept current."""
    cipher = changes.cipher
    by_key = {point.id: point for point in points}
    outcome = apply_listing(
        [Held(point.id, point.kind, point.lookup_hash, point.source, point.belongs_to, point.status)
         for point in points],
        [(kind, value, cipher.lookup_hash(value, context=kind)) for kind, value in listed])
    reason = "as the lending core lists it"
    for kind, value in outcome.added:
        points.append(changes.add(tenant=tenant, borrower_id=borrower_id, kind=kind, value=value, source=LENDING_CORE,
                                  belongs_to="borrower", relationship=None, verification="unverified",
                                  by=LENDING_CORE, reason=reason))
    for key in outcome.reactivated:
        point = by_key[key]
        point.status = "active"
        changes.record(point, value_of(cipher, point), ["reactivated"], by=LENDING_CORE, reason=reason)
    for key in outcome.retired:
        point = by_key[key]
        point.status = "retired"
        changes.record(point, value_of(cipher, point), ["retired"], by=LENDING_CORE,
                       reason="no longer listed by the lending core")


# -- agents -----------------------------------------------------------------------------------------------------


def _checked(kind: str, value: str, *, phone_region: str) -> str:
    try:
        return normalised(kind, value, phone_region=phone_region)
    except ContactValueError as error:
        raise InvalidInput(f"value is not a valid {kind}", errors=[field_error("value", error.rule, str(error))]
                           ) from None


async def _refuse_duplicate(session: AsyncSession, *, tenant: str, borrower_id: str, kind: str, digest: str,
                            belongs_to: str, other_than: uuid.UUID | None = None) -> None:
    query = select(ContactPoint.id).where(
        ContactPoint.tenant == tenant, ContactPoint.borrower_id == borrower_id, ContactPoint.kind == kind,
        ContactPoint.lookup_hash == digest, ContactPoint.belongs_to == belongs_to, ContactPoint.status == "active")
    if other_than is not None:
        query = query.where(ContactPoint.id != other_than)
    existing = await session.scalar(query.limit(1))
    if existing is not None:
        raise Conflict(f"the borrower already has this {kind} as an active contact point",
                       slug="contact-point-exists", contact_point_id=str(existing))


async def add_contact_point(uow: UnitOfWork, borrower_id: str, body: ContactPointIn, *, tenant: str | None,
                            actor: Actor, cipher: FieldCipher, phone_region: str) -> tuple[ContactPoint, str]:
    """An agent records a phone, email or address (the borrower's, or a third party's); the same active value
    twice is a 409 naming the one there."""
    value = _checked(body.kind, body.value, phone_region=phone_region)
    profile = await borrower_of(uow.session, borrower_id, tenant=tenant, lock=True)  # adds of one borrower queue
    await _refuse_duplicate(uow.session, tenant=profile.tenant, borrower_id=profile.borrower_id, kind=body.kind,
                            digest=cipher.lookup_hash(value, context=body.kind), belongs_to=body.belongs_to)
    changes = ContactPointChanges(uow, cipher, utcnow())
    point = changes.add(tenant=profile.tenant, borrower_id=profile.borrower_id, kind=body.kind, value=value,
                        source=body.source, belongs_to=body.belongs_to, relationship=body.relationship,
                        verification=body.verification, by=actor.identity, reason=body.reason)
    await changes.write()
    return point, value


async def correct_contact_point(uow: UnitOfWork, contact_point_id: uuid.UUID, body: ContactPointCorrection, *,
                                actor: Actor, cipher: FieldCipher, phone_region: str) -> tuple[ContactPoint, str]:
    """Apply a correction as one revision (nothing changed: no revision). A corrected value is the agent's now,
    no longer the lending core's (so the core's next listing does not retire it), and unverified unless the
    correction says otherwise."""
    session = uow.session
    point = await session.scalar(select(ContactPoint).where(ContactPoint.id == contact_point_id).with_for_update())
    if point is None:
        raise NotFound(f"no contact point {contact_point_id}")
    now = utcnow()
    value = value_of(cipher, point)
    changed: list[str] = []
    if body.value is not None:
        corrected = _checked(point.kind, body.value, phone_region=phone_region)
        digest = cipher.lookup_hash(corrected, context=point.kind)
        if digest != point.lookup_hash:
            await _refuse_duplicate(session, tenant=point.tenant, borrower_id=point.borrower_id, kind=point.kind,
                                    digest=digest, belongs_to=point.belongs_to, other_than=point.id)
            value, point.lookup_hash = corrected, digest
            point.value_enc = cipher.encrypt(corrected, context=f"{REST}.{point.kind}")
            point.source = "agent" if point.source == LENDING_CORE else point.source
            changed.append("corrected")
            if body.verification is None and point.verification != "unverified":
                point.verification = "unverified"  # what was verified was the old value
                changed.append("unverified")
    if body.verification is not None and body.verification != point.verification:
        point.verification = body.verification
        changed.append(VERIFICATION_CHANGES[body.verification])
    if body.do_not_use is not None and (body.do_not_use, body.do_not_use_reason) != (
            point.do_not_use, point.do_not_use_reason):
        point.do_not_use, point.do_not_use_reason = body.do_not_use, body.do_not_use_reason
        changed.append("marked_do_not_use" if body.do_not_use else "cleared_do_not_use")
    if body.last_successful_contact_at is not None:
        contacted_at = body.last_successful_contact_at.astimezone(UTC)
        if contacted_at > now:
            raise InvalidInput("a contact cannot have succeeded in the future", errors=[field_error(
                "last_successful_contact_at", "not_in_future", "must not be later than now")])
        if contacted_at != point.last_successful_contact_at:
            point.last_successful_contact_at = contacted_at
            changed.append("contacted")
    if body.relationship is not None:
        if point.belongs_to != "third_party":
            raise InvalidInput("only a third party's contact point has a relationship", errors=[field_error(
                "relationship", "third_party_only", "the contact point belongs to the borrower")])
        if body.relationship != point.relationship:
            point.relationship = body.relationship
            changed.append("relationship_changed")
    if changed:
        changes = ContactPointChanges(uow, cipher, now)
        changes.record(point, value, changed, by=actor.identity, reason=body.reason)
        await changes.write()
    return point, value


# -- reading ----------------------------------------------------------------------------------------------------


async def contact_points_page(session: AsyncSession, borrower_id: str, *, tenant: str | None, status: str | None,
                              kind: str | None, limit: int, after: str | None
                              ) -> tuple[BorrowerProfile, list[ContactPoint], str | None]:
    """A borrower's contact points, oldest first, optionally of one status or kind, one keyset page."""
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    query = select(ContactPoint).where(ContactPoint.tenant == profile.tenant,
                                       ContactPoint.borrower_id == profile.borrower_id)
    if status is not None:
        query = query.where(ContactPoint.status == status)
    if kind is not None:
        query = query.where(ContactPoint.kind == kind)
    if after is not None:
        created_at, last_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where(or_(ContactPoint.created_at > created_at,
                                and_(ContactPoint.created_at == created_at, ContactPoint.id > last_id)))
    rows = list(await session.scalars(query.order_by(ContactPoint.created_at, ContactPoint.id).limit(limit + 1)))
    points, next_cursor = page_of(rows, limit, lambda point: (point.created_at, point.id))
    return profile, points, next_cursor


async def active_contact_points(session: AsyncSession, profile: BorrowerProfile) -> list[ContactPoint]:
    return list(await session.scalars(select(ContactPoint).where(
        ContactPoint.tenant == profile.tenant, ContactPoint.borrower_id == profile.borrower_id,
        ContactPoint.status == "active").order_by(ContactPoint.created_at, ContactPoint.id)))


async def history_page(session: AsyncSession, contact_point_id: uuid.UUID, *, limit: int, after: str | None
                       ) -> tuple[ContactPoint, list[ContactPointRevision], str | None]:
    """A contact point's revisions, oldest first, one keyset page."""
    point = await session.get(ContactPoint, contact_point_id)
    if point is None:
        raise NotFound(f"no contact point {contact_point_id}")
    query = select(ContactPointRevision).where(ContactPointRevision.contact_point_id == point.id)
    if after is not None:
        (last,) = decode_cursor(after, int)
        query = query.where(ContactPointRevision.revision > last)
    rows = list(await session.scalars(query.order_by(ContactPointRevision.revision).limit(limit + 1)))
    revisions, next_cursor = page_of(rows, limit, lambda revision: (revision.revision,))
    return point, revisions, next_cursor


def contact_point_view(cipher: FieldCipher, point: ContactPoint, *, unmasked: bool,
                       value: str | None = None) -> dict[str, Any]:
    value = value if value is not None else value_of(cipher, point)
    return {"contact_point_id": point.id, "borrower_id": point.borrower_id, "tenant": point.tenant,
            "kind": point.kind, "value": value if unmasked else masked(point.kind, value), "masked": not unmasked,
            "source": point.source, "belongs_to": point.belongs_to, "relationship": point.relationship,
            "verification": point.verification, "last_successful_contact_at": point.last_successful_contact_at,
            "do_not_use": point.do_not_use, "do_not_use_reason": point.do_not_use_reason, "status": point.status,
            "revision": point.revision, "created_by": point.created_by, "created_at": point.created_at,
            "updated_at": point.updated_at}


def contact_point_views(cipher: FieldCipher, points: list[ContactPoint], *, actor: Actor, borrower_id: str,
                        tenant: str, what: str) -> list[dict[str, Any]]:
    unmasked = bool(points) and may_see_personal_data(actor, borrower_id=borrower_id, tenant=tenant, what=what)
    return [contact_point_view(cipher, point, unmasked=unmasked) for point in points]


def revision_views(cipher: FieldCipher, point: ContactPoint, revisions: list[ContactPointRevision], *,
                   actor: Actor) -> list[dict[str, Any]]:
    unmasked = bool(revisions) and may_see_personal_data(actor, borrower_id=point.borrower_id, tenant=point.tenant,
                                                         what="contact point history")
    views = []
    for revision in revisions:
        state = json.loads(cipher.decrypt(revision.state_enc, context=REVISION))
        if not unmasked:
            state["value"] = masked(state["kind"], state["value"])
        views.append({**state, "masked": not unmasked, "revision": revision.revision, "changes": revision.changes,
                      "changed_by": revision.changed_by, "changed_at": revision.changed_at,
                      "reason": revision.reason})
    return views
