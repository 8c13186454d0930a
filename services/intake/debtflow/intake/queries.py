"""Reading the register: debts (filtered, keyset-paged), a debt's history and payments, borrowers (masked)."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor, Role
from debtflow.common.logging import get_logger
from debtflow.common.pii import FieldCipher
from debtflow.common.problems import InvalidInput, NotFound, field_error
from debtflow.intake.models import BalanceHistory, Borrower, BorrowerContactHash, Debt
from debtflow.intake.personal_data import open_for
from debtflow.intake.schemas import BorrowerSearchIn

log = get_logger(__name__)
PII_READ = "pii:read"


def lender_only(actor: Actor) -> bool:
    """A lending core's token: it sees only what it registered itself."""
    return actor.roles == {Role.LENDER}


@dataclass(frozen=True)
class DebtFilter:
    status: str | None = None
    borrower_id: str | None = None
    product: str | None = None
    as_of_from: date | None = None
    as_of_to: date | None = None


def encode_cursor(debt_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(debt_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise InvalidInput("the cursor is not one this API returned",
                           errors=[field_error("after", "cursor", "not a valid cursor", "query")]) from None


async def list_debts(session: AsyncSession, *, actor: Actor, where: DebtFilter, limit: int,
                     after: uuid.UUID | None) -> list[Debt]:
    """A page of debts in id order; `after` is the last id of the previous page (stable under inserts)."""
    query: Select[Any] = select(Debt)
    if lender_only(actor):
        query = query.where(Debt.source_system == actor.subject)
    for column, value in ((Debt.status, where.status), (Debt.borrower_id, where.borrower_id),
                          (Debt.product, where.product)):
        if value is not None:
            query = query.where(column == value)
    if where.as_of_from is not None:
        query = query.where(Debt.as_of_date >= where.as_of_from)
    if where.as_of_to is not None:
        query = query.where(Debt.as_of_date <= where.as_of_to)
    if after is not None:
        query = query.where(Debt.id > after)
    return list(await session.scalars(query.order_by(Debt.id).limit(limit)))


async def get_debt(session: AsyncSession, debt_id: uuid.UUID, *, actor: Actor) -> Debt:
    debt = await session.get(Debt, debt_id)
    if debt is None or (lender_only(actor) and debt.source_system != actor.subject):
        raise NotFound(f"no debt {debt_id}")
    return debt


async def debt_history(session: AsyncSession, debt_id: uuid.UUID, *, actor: Actor) -> list[BalanceHistory]:
    await get_debt(session, debt_id, actor=actor)
    return list(await session.scalars(
        select(BalanceHistory).where(BalanceHistory.debt_id == debt_id).order_by(BalanceHistory.version,
                                                                                  BalanceHistory.id)
    ))


async def get_borrower(session: AsyncSession, borrower_id: str, *, actor: Actor) -> Borrower:
    borrower = await session.scalar(select(Borrower).where(Borrower.external_id == borrower_id))
    if borrower is None or (lender_only(actor) and not await _lends_to(session, actor.subject, borrower.id)):
        raise NotFound(f"no borrower {borrower_id}")
    return borrower


async def search_borrowers(session: AsyncSession, search: BorrowerSearchIn, cipher: FieldCipher) -> list[Borrower]:
    """Exact match on a keyed hash: nothing is decrypted to search."""
    if search.id_number is not None:
        digest = cipher.lookup_hash(search.id_number, context="id_number")
        query = select(Borrower).where(Borrower.id_number_hash == digest)
    else:
        kind, value = ("phone", search.phone) if search.phone is not None else ("email", search.email)
        digest = cipher.lookup_hash(value or "", context=kind)
        query = select(Borrower).join(BorrowerContactHash).where(
            BorrowerContactHash.kind == kind, BorrowerContactHash.lookup_hash == digest)
    return list(await session.scalars(query.order_by(Borrower.external_id).limit(50)))


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


async def _lends_to(session: AsyncSession, source_system: str, borrower_ref: uuid.UUID) -> bool:
    return bool(await session.scalar(select(exists().where(Debt.source_system == source_system,
                                                           Debt.borrower_ref == borrower_ref))))
