"""Borrowers: one per (tenant, customer id), registered from the defaults that name them and merged field by field
by later ones, cleared only by an audited erasure, read masked by role within the caller's tenant, found by an
exact match on a keyed hash (nothing is decrypted to search)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import BorrowerRegistered, BorrowerUpdated
from debtflow.common.logging import get_logger
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.pii import FieldCipher
from debtflow.common.problems import NotFound
from debtflow.common.tenants import TenantMap, tenant_scope, the_one_tenant
from debtflow.intake.borrowers.models import Borrower, BorrowerContactHash, BorrowerFieldErasure
from debtflow.intake.borrowers.personal_data import (
    SealedBorrower,
    content_hash,
    for_event,
    open_for,
    seal,
    unseal,
)
from debtflow.intake.borrowers.rules import erased, merged
from debtflow.intake.borrowers.schemas import BorrowerIn, BorrowerSearchIn, FieldErasureIn

log = get_logger(__name__)
PII_READ = "pii:read"


# -- registering from defaults ------------------------------------------------------------------------------


@dataclass
class _KnownBorrower:
    id: uuid.UUID
    content_hash: str
    version: int
    pending: dict[str, Any] | None = None  # registered earlier in this call, not inserted yet
    data: BorrowerIn | None = None  # the borrower's data as now held, once this call needed it


@dataclass
class BorrowerRegister:
    """The borrowers of one chunk of one tenant's defaults: those known already (one query), those registered or
    changed by the chunk (inserted and updated together at the end), in the order the defaults came."""

    cipher: FieldCipher
    tenant: str
    source_system: str
    now: datetime
    known: dict[str, _KnownBorrower] = field(default_factory=dict)
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    contact_hashes: dict[uuid.UUID, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    async def load(cls, session: AsyncSession, external_ids: set[str], *, cipher: FieldCipher, tenant: str,
                   source_system: str, now: datetime) -> BorrowerRegister:
        rows = await session.execute(
            select(Borrower.external_id, Borrower.id, Borrower.content_hash, Borrower.version)
            .where(Borrower.tenant == tenant, one_of(Borrower.external_id, external_ids))
        )
        known = {row.external_id: _KnownBorrower(row.id, row.content_hash, row.version) for row in rows}
        return cls(cipher=cipher, tenant=tenant, source_system=source_system, now=now, known=known)

    async def borrower_for(self, uow: UnitOfWork, external_id: str, offered: BorrowerIn | None) -> uuid.UUID:
        """The borrower's id, registering them on first sight and merging in what a later default gives."""
        known = self.known.get(external_id)
        if known is None:
            return self._register(uow, external_id, offered)
        # Same hash: the full record was sent again, the usual case, settled without decrypting anything.
        if offered is not None and content_hash(self.cipher, offered) != known.content_hash:
            held = known.data or unseal(self.cipher, await uow.session.get_one(Borrower, known.id))
            after = merged(held, offered)
            if content_hash(self.cipher, after) != known.content_hash:
                await self._update(uow, external_id, known, after)
            known.data = after
        return known.id

    def _register(self, uow: UnitOfWork, external_id: str, data: BorrowerIn | None) -> uuid.UUID:
        data = data or BorrowerIn()
        sealed = seal(self.cipher, data)
        row = {"id": uuid.uuid4(), "tenant": self.tenant, "external_id": external_id,
               "source_system": self.source_system, **sealed.columns, "content_hash": sealed.content_hash,
               "version": 1, "created_at": self.now, "updated_at": self.now}
        self.new_rows.append(row)
        self.contact_hashes[row["id"]] = sealed.contact_hashes
        self.known[external_id] = _KnownBorrower(row["id"], sealed.content_hash, 1, pending=row, data=data)
        uow.emit(BorrowerRegistered(
            borrower_id=external_id, id_type=row["id_type"], region=row["region"], timezone=row["timezone"],
            personal_data=for_event(self.cipher, data), version=1, registered_at=self.now,
        ), tenant=self.tenant)
        return row["id"]  # type: ignore[no-any-return]

    async def _update(self, uow: UnitOfWork, external_id: str, known: _KnownBorrower, data: BorrowerIn) -> None:
        sealed = seal(self.cipher, data)
        known.version += 1
        known.content_hash = sealed.content_hash
        changes = _sealed_changes(sealed, version=known.version, now=self.now)
        if known.pending is not None:
            known.pending.update(changes)
        else:
            await uow.session.execute(update(Borrower).where(Borrower.id == known.id).values(**changes))
            await uow.session.execute(delete(BorrowerContactHash).where(BorrowerContactHash.borrower_id == known.id))
        self.contact_hashes[known.id] = sealed.contact_hashes
        uow.emit(_updated_event(self.cipher, external_id, data, sealed, version=known.version, now=self.now),
                 tenant=self.tenant)

    async def write(self, session: AsyncSession) -> None:
        """Insert the new borrowers and the contact hashes of every borrower registered or changed."""
        if self.new_rows:
            # In one order for every request, so two files registering the same borrowers wait for each other
            # instead of deadlocking.
            await session.execute(insert(Borrower), sorted(self.new_rows, key=lambda row: row["external_id"]))
        hashes = [{"borrower_id": borrower_id, "kind": kind, "lookup_hash": value}
                  for borrower_id, pairs in self.contact_hashes.items() for kind, value in dict.fromkeys(pairs)]
        if hashes:
            await session.execute(insert(BorrowerContactHash), hashes)


def _sealed_changes(sealed: SealedBorrower, *, version: int, now: datetime) -> dict[str, Any]:
    return {**sealed.columns, "content_hash": sealed.content_hash, "version": version, "updated_at": now}


def _updated_event(cipher: FieldCipher, external_id: str, data: BorrowerIn, sealed: SealedBorrower, *, version: int,
                   now: datetime) -> BorrowerUpdated:
    return BorrowerUpdated(
        borrower_id=external_id, id_type=sealed.columns["id_type"], region=sealed.columns["region"],
        timezone=sealed.columns["timezone"], personal_data=for_event(cipher, data), version=version, updated_at=now,
    )


# -- clearing fields --------------------------------------------------------------------------------------


async def erase_fields(uow: UnitOfWork, borrower_id: str, erasure: FieldErasureIn, *, tenant: str | None,
                       actor: Actor, tenancy: TenantMap, cipher: FieldCipher) -> Borrower:
    """Clear the named fields: the only way a borrower's field becomes empty once given. Recorded (fields, reason,
    who, when; never the values) and announced like any other change (the full new state), so a holder of a copy clears it too."""
    session = uow.session
    borrower = await find_borrower(session, borrower_id, tenant=tenant, actor=actor, tenancy=tenancy, lock=True)
    after = erased(unseal(cipher, borrower), erasure.fields)
    sealed, now = seal(cipher, after), utcnow()
    for column, value in _sealed_changes(sealed, version=borrower.version + 1, now=now).items():
        setattr(borrower, column, value)
    await session.execute(delete(BorrowerContactHash).where(BorrowerContactHash.borrower_id == borrower.id))
    session.add_all(BorrowerContactHash(borrower_id=borrower.id, kind=kind, lookup_hash=value)
                    for kind, value in dict.fromkeys(sealed.contact_hashes))
    session.add(BorrowerFieldErasure(borrower_id=borrower.id, fields=list(erasure.fields), reason=erasure.reason,
                                     erased_by=actor.identity, version=borrower.version, erased_at=now))
    uow.emit(_updated_event(cipher, borrower.external_id, after, sealed, version=borrower.version, now=now),
             tenant=borrower.tenant)
    log.info("borrower fields erased", actor=actor.identity, borrower_id=borrower.external_id,
             tenant=borrower.tenant, fields=list(erasure.fields))
    return borrower


async def erasures_of(session: AsyncSession, borrower_id: str, *, tenant: str | None, actor: Actor,
                      tenancy: TenantMap, limit: int, after: str | None
                      ) -> tuple[list[BorrowerFieldErasure], str | None]:
    """A borrower's erasures, oldest first, one keyset page."""
    borrower = await find_borrower(session, borrower_id, tenant=tenant, actor=actor, tenancy=tenancy)
    query = select(BorrowerFieldErasure).where(BorrowerFieldErasure.borrower_id == borrower.id)
    if after is not None:
        (last_id,) = decode_cursor(after, int)
        query = query.where(BorrowerFieldErasure.id > last_id)
    rows = list(await session.scalars(query.order_by(BorrowerFieldErasure.id).limit(limit + 1)))
    return page_of(rows, limit, lambda erasure: (erasure.id,))


# -- reading ----------------------------------------------------------------------------------------------


async def find_borrower(session: AsyncSession, borrower_id: str, *, tenant: str | None, actor: Actor,
                        tenancy: TenantMap, lock: bool = False) -> Borrower:
    """The borrower a caller means: a lending core's own tenant's; for staff the named tenant's, or the only one
    with that id (an id two lenders use names two people, so staff must then say which)."""
    scope = tenant_scope(actor, tenant, tenancy)
    query = select(Borrower).where(Borrower.external_id == borrower_id)
    if scope is None:
        found = list(await session.scalars(query.limit(2)))
        scope = the_one_tenant({row.tenant for row in found}, f"borrower {borrower_id}")
    query = query.where(Borrower.tenant == scope)
    borrower = await session.scalar(query.with_for_update() if lock else query)
    if borrower is None:
        raise NotFound(f"no borrower {borrower_id}")
    return borrower


async def search_borrowers(session: AsyncSession, search: BorrowerSearchIn, cipher: FieldCipher, *,
                           tenant: str | None, limit: int, after: str | None) -> tuple[list[Borrower], str | None]:
    """Exact match on a keyed hash (nothing is decrypted to search), in one tenant or all, one keyset page."""
    if search.id_number is not None:
        digest = cipher.lookup_hash(search.id_number, context="id_number")
        query = select(Borrower).where(Borrower.id_number_hash == digest)
    else:
        kind, value = ("phone", search.phone) if search.phone is not None else ("email", search.email)
        digest = cipher.lookup_hash(value or "", context=kind)
        query = select(Borrower).join(BorrowerContactHash).where(
            BorrowerContactHash.kind == kind, BorrowerContactHash.lookup_hash == digest)
    if tenant is not None:
        query = query.where(Borrower.tenant == tenant)
    if after is not None:
        last_id, last_tenant = decode_cursor(after, str, str)
        query = query.where(tuple_(Borrower.external_id, Borrower.tenant) > tuple_(last_id, last_tenant))
    rows = list(await session.scalars(query.order_by(Borrower.external_id, Borrower.tenant).limit(limit + 1)))
    return page_of(rows, limit, lambda borrower: (borrower.external_id, borrower.tenant))


def borrower_view(borrower: Borrower, cipher: FieldCipher, *, actor: Actor) -> dict[str, Any]:
    """The borrower as the caller may see them; every unmasked disclosure is logged (who, whom; never what)."""
    unmasked = actor.can(PII_READ)
    if unmasked:
        log.info("personal data disclosed", actor=actor.subject, borrower_id=borrower.external_id,
                 tenant=borrower.tenant)
    return {
        "borrower_id": borrower.external_id, "tenant": borrower.tenant, "source_system": borrower.source_system, "masked": not unmasked,
        "id_type": borrower.id_type, "region": borrower.region, "timezone": borrower.timezone,
        "version": borrower.version, "created_at": borrower.created_at, "updated_at": borrower.updated_at,
        **open_for(cipher, borrower, unmasked=unmasked),
    }


def borrower_views(borrowers: Sequence[Borrower], cipher: FieldCipher, *, actor: Actor) -> list[dict[str, Any]]:
    return [borrower_view(borrower, cipher, actor=actor) for borrower in borrowers]

