"""Borrowers: registered and updated from the defaults that name them, read masked by role, found by an exact
match on a keyed hash (nothing is decrypted to search)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import BorrowerRegistered, BorrowerUpdated
from debtflow.common.logging import get_logger
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.pii import FieldCipher
from debtflow.common.problems import NotFound
from debtflow.intake.borrowers.models import Borrower, BorrowerContactHash
from debtflow.intake.borrowers.personal_data import content_hash, for_event, open_for, seal
from debtflow.intake.borrowers.schemas import BorrowerIn, BorrowerSearchIn
from debtflow.intake.debts.models import Debt
from debtflow.intake.debts.rules import lender_only

log = get_logger(__name__)
PII_READ = "pii:read"


# -- registering from defaults ------------------------------------------------------------------------------


@dataclass
class _KnownBorrower:
    id: uuid.UUID
    content_hash: str
    version: int
    pending: dict[str, Any] | None = None  # registered earlier in this call, not inserted yet


@dataclass
class BorrowerRegister:
    """The borrowers of one chunk of defaults: those known already (one query), those registered or changed
    by the chunk (inserted and updated together at the end), in the order the defaults came."""

    cipher: FieldCipher
    source_system: str
    now: datetime
    known: dict[str, _KnownBorrower] = field(default_factory=dict)
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    contact_hashes: dict[uuid.UUID, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    async def load(cls, session: AsyncSession, external_ids: set[str], *, cipher: FieldCipher, source_system: str,
                   now: datetime) -> BorrowerRegister:
        rows = await session.execute(
            select(Borrower.external_id, Borrower.id, Borrower.content_hash, Borrower.version)
            .where(one_of(Borrower.external_id, external_ids))
        )
        known = {row.external_id: _KnownBorrower(row.id, row.content_hash, row.version) for row in rows}
        return cls(cipher=cipher, source_system=source_system, now=now, known=known)

    async def borrower_for(self, uow: UnitOfWork, external_id: str, data: BorrowerIn | None) -> uuid.UUID:
        """The borrower's id, registering them on first sight and updating them when their data changed."""
        known = self.known.get(external_id)
        if known is None:
            return self._register(uow, external_id, data)
        if data is not None and content_hash(self.cipher, data) != known.content_hash:
            await self._update(uow, external_id, known, data)
        return known.id

    def _register(self, uow: UnitOfWork, external_id: str, data: BorrowerIn | None) -> uuid.UUID:
        sealed = seal(self.cipher, data)
        row = {"id": uuid.uuid4(), "external_id": external_id, "source_system": self.source_system,
               **sealed.columns, "content_hash": sealed.content_hash, "version": 1, "created_at": self.now,
               "updated_at": self.now}
        self.new_rows.append(row)
        self.contact_hashes[row["id"]] = sealed.contact_hashes
        self.known[external_id] = _KnownBorrower(row["id"], sealed.content_hash, 1, pending=row)
        uow.emit(BorrowerRegistered(
            borrower_id=external_id, id_type=row["id_type"], region=row["region"], timezone=row["timezone"],
            personal_data=for_event(self.cipher, data), version=1, registered_at=self.now,
        ))
        return row["id"]  # type: ignore[no-any-return]

    async def _update(self, uow: UnitOfWork, external_id: str, known: _KnownBorrower, data: BorrowerIn) -> None:
        sealed = seal(self.cipher, data)
        known.version += 1
        known.content_hash = sealed.content_hash
        changes = {**sealed.columns, "content_hash": sealed.content_hash, "version": known.version,
                   "updated_at": self.now}
        if known.pending is not None:
            known.pending.update(changes)
        else:
            await uow.session.execute(update(Borrower).where(Borrower.id == known.id).values(**changes))
            await uow.session.execute(delete(BorrowerContactHash).where(BorrowerContactHash.borrower_id == known.id))
        self.contact_hashes[known.id] = sealed.contact_hashes
        uow.emit(BorrowerUpdated(
            borrower_id=external_id, id_type=sealed.columns["id_type"], region=sealed.columns["region"],
            timezone=sealed.columns["timezone"], personal_data=for_event(self.cipher, data),
            version=known.version, updated_at=self.now,
        ))

    async def write(self, session: AsyncSession) -> None:
        """Insert the new borrowers and the contact hashes of every borrower registered or changed."""
        if self.new_rows:
            await session.execute(insert(Borrower), self.new_rows)
        hashes = [{"borrower_id": borrower_id, "kind": kind, "lookup_hash": value}
                  for borrower_id, pairs in self.contact_hashes.items() for kind, value in dict.fromkeys(pairs)]
        if hashes:
            await session.execute(insert(BorrowerContactHash), hashes)


# -- reading ----------------------------------------------------------------------------------------------


async def get_borrower(session: AsyncSession, borrower_id: str, *, actor: Actor) -> Borrower:
    borrower = await session.scalar(select(Borrower).where(Borrower.external_id == borrower_id))
    if borrower is None or (lender_only(actor) and not await _lends_to(session, actor.subject, borrower.id)):
        raise NotFound(f"no borrower {borrower_id}")
    return borrower


async def search_borrowers(session: AsyncSession, search: BorrowerSearchIn, cipher: FieldCipher, *, limit: int,
                           after: str | None) -> tuple[list[Borrower], str | None]:
    """Exact match on a keyed hash (nothing is decrypted to search), by borrower id, one keyset page."""
    if search.id_number is not None:
        digest = cipher.lookup_hash(search.id_number, context="id_number")
        query = select(Borrower).where(Borrower.id_number_hash == digest)
    else:
        kind, value = ("phone", search.phone) if search.phone is not None else ("email", search.email)
        digest = cipher.lookup_hash(value or "", context=kind)
        query = select(Borrower).join(BorrowerContactHash).where(
            BorrowerContactHash.kind == kind, BorrowerContactHash.lookup_hash == digest)
    if after is not None:
        (last_id,) = decode_cursor(after, str)
        query = query.where(Borrower.external_id > last_id)
    rows = list(await session.scalars(query.order_by(Borrower.external_id).limit(limit + 1)))
    return page_of(rows, limit, lambda borrower: (borrower.external_id,))


def borrower_view(borrower: Borrower, cipher: FieldCipher, *, actor: Actor) -> dict[str, Any]:
    """The borrower as the caller may see them; every unmasked disclosure is logged (who, whom; never what)."""
    unmasked = actor.can(PII_READ)
    if unmasked:
        log.info("personal data disclosed", actor=actor.subject, borrower_id=borrower.external_id)
    return {
        "borrower_id": borrower.external_id, "source_system": borrower.source_system, "masked": not unmasked,
        "id_type": borrower.id_type, "region": borrower.region, "timezone": borrower.timezone,
        "version": borrower.version, "created_at": borrower.created_at, "updated_at": borrower.updated_at,
        **open_for(cipher, borrower, unmasked=unmasked),
    }


def borrower_views(borrowers: Sequence[Borrower], cipher: FieldCipher, *, actor: Actor) -> list[dict[str, Any]]:
    return [borrower_view(borrower, cipher, actor=actor) for borrower in borrowers]


async def _lends_to(session: AsyncSession, source_system: str, borrower_ref: uuid.UUID) -> bool:
    return bool(await session.scalar(select(exists().where(Debt.source_system == source_system,
                                                           Debt.borrower_ref == borrower_ref))))
