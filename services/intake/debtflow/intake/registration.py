"""Registering defaults, one or ten thousand at a time: new debts, newer figures for known ones, borrowers.

The work is set-based: one query finds the known loans and borrowers of a whole chunk, new rows go in with
one multi-row INSERT per table, and only debts that actually change are loaded as objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import BorrowerRegistered, BorrowerUpdated, DebtRegistered
from debtflow.common.pii import FieldCipher
from debtflow.intake.ledger import CLOSED, debt_for_update, debt_updated, history_row, status_after_balance_change
from debtflow.intake.models import BalanceHistory, Borrower, BorrowerContactHash, Debt, Instalment
from debtflow.intake.personal_data import content_hash, for_event, seal
from debtflow.intake.schemas import DefaultIn

Outcome = Literal["created", "updated", "unchanged"]
ZERO = Decimal("0.00")
_DEBT_COLUMNS = [column.key for column in Debt.__table__.columns]


@dataclass(frozen=True)
class Registration:
    outcome: Outcome
    debt_id: uuid.UUID
    debt: Debt | None = None  # the debt as now stored, when this call created or updated it


@dataclass
class _KnownDebt:
    id: uuid.UUID
    as_of_date: Any
    status: str = "open"
    pending: Debt | None = None  # created earlier in this call, not inserted yet


@dataclass
class _KnownBorrower:
    id: uuid.UUID
    content_hash: str
    version: int
    pending: dict[str, Any] | None = None


@dataclass
class _Inserts:
    """Rows to insert at the end, table by table, in foreign-key order."""

    borrowers: list[dict[str, Any]] = field(default_factory=list)
    contact_hashes: dict[uuid.UUID, list[tuple[str, str]]] = field(default_factory=dict)
    debts: list[Debt] = field(default_factory=list)
    instalments: dict[uuid.UUID, list[dict[str, Any]]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    async def write(self, session: AsyncSession) -> None:
        if self.borrowers:
            await session.execute(insert(Borrower), self.borrowers)
        hashes = [{"borrower_id": borrower_id, "kind": kind, "lookup_hash": value}
                  for borrower_id, pairs in self.contact_hashes.items() for kind, value in dict.fromkeys(pairs)]
        if hashes:
            await session.execute(insert(BorrowerContactHash), hashes)
        if self.debts:
            await session.execute(insert(Debt), [{key: getattr(debt, key) for key in _DEBT_COLUMNS}
                                                 for debt in self.debts])
        instalments = [row for rows in self.instalments.values() for row in rows]
        if instalments:
            await session.execute(insert(Instalment), instalments)
        if self.history:
            await session.execute(insert(BalanceHistory), self.history)


async def register_defaults(uow: UnitOfWork, defaults: Sequence[DefaultIn], *, source_system: str,
                            cipher: FieldCipher) -> list[Registration]:
    """Register each default in order; a loan seen before is updated only by figures with a newer as-of date."""
    session = uow.session
    now = utcnow()
    debts = await _known_debts(session, source_system, {default.loan_id for default in defaults})
    borrowers = await _known_borrowers(session, {default.borrower_id for default in defaults})
    inserts = _Inserts()
    results = []
    for default in defaults:
        borrower_ref = await _borrower_for(uow, default, source_system, borrowers, inserts, cipher, now)
        known = debts.get(default.loan_id)
        if known is None:
            debt = _new_debt(uow, default, source_system, borrower_ref, inserts, now)
            debts[default.loan_id] = _KnownDebt(debt.id, default.as_of_date, pending=debt)
            results.append(Registration("created", debt.id, debt))
        elif default.as_of_date > known.as_of_date and known.status not in CLOSED:
            debt = known.pending or await debt_for_update(session, known.id)
            await _apply_newer_figures(uow, debt, default, inserts, now, persisted=known.pending is None)
            known.as_of_date = default.as_of_date
            results.append(Registration("updated", known.id, debt))
        else:
            results.append(Registration("unchanged", known.id))
    await inserts.write(session)
    return results


async def _known_debts(session: AsyncSession, source_system: str, loan_ids: set[str]) -> dict[str, _KnownDebt]:
    rows = await session.execute(
        select(Debt.loan_id, Debt.id, Debt.as_of_date, Debt.status)
        .where(Debt.source_system == source_system, one_of(Debt.loan_id, loan_ids))
    )
    return {row.loan_id: _KnownDebt(row.id, row.as_of_date, row.status) for row in rows}


async def _known_borrowers(session: AsyncSession, external_ids: set[str]) -> dict[str, _KnownBorrower]:
    rows = await session.execute(
        select(Borrower.external_id, Borrower.id, Borrower.content_hash, Borrower.version)
        .where(one_of(Borrower.external_id, external_ids))
    )
    return {row.external_id: _KnownBorrower(row.id, row.content_hash, row.version) for row in rows}


async def _borrower_for(uow: UnitOfWork, default: DefaultIn, source_system: str,
                        borrowers: dict[str, _KnownBorrower], inserts: _Inserts, cipher: FieldCipher,
                        now: datetime) -> uuid.UUID:
    """The borrower's id, registering them on first sight and updating them when their data changed."""
    known = borrowers.get(default.borrower_id)
    if known is None:
        sealed = seal(cipher, default.borrower)
        row = {"id": uuid.uuid4(), "external_id": default.borrower_id, "source_system": source_system,
               **sealed.columns, "content_hash": sealed.content_hash, "version": 1, "created_at": now,
               "updated_at": now}
        inserts.borrowers.append(row)
        inserts.contact_hashes[row["id"]] = sealed.contact_hashes
        borrowers[default.borrower_id] = _KnownBorrower(row["id"], sealed.content_hash, 1, pending=row)
        uow.emit(BorrowerRegistered(
            borrower_id=default.borrower_id, id_type=row["id_type"], region=row["region"],
            timezone=row["timezone"], personal_data=for_event(cipher, default.borrower), version=1,
            registered_at=now,
        ))
        return row["id"]  # type: ignore[no-any-return]
    if default.borrower is not None and content_hash(cipher, default.borrower) != known.content_hash:
        await _update_borrower(uow, default, known, inserts, cipher, now)
    return known.id


async def _update_borrower(uow: UnitOfWork, default: DefaultIn, known: _KnownBorrower, inserts: _Inserts,
                           cipher: FieldCipher, now: datetime) -> None:
    sealed = seal(cipher, default.borrower)
    known.version += 1
    known.content_hash = sealed.content_hash
    changes = {**sealed.columns, "content_hash": sealed.content_hash, "version": known.version, "updated_at": now}
    if known.pending is not None:
        known.pending.update(changes)
    else:
        await uow.session.execute(update(Borrower).where(Borrower.id == known.id).values(**changes))
        await uow.session.execute(delete(BorrowerContactHash).where(BorrowerContactHash.borrower_id == known.id))
    inserts.contact_hashes[known.id] = sealed.contact_hashes
    uow.emit(BorrowerUpdated(
        borrower_id=default.borrower_id, id_type=sealed.columns["id_type"], region=sealed.columns["region"],
        timezone=sealed.columns["timezone"], personal_data=for_event(cipher, default.borrower),
        version=known.version, updated_at=now,
    ))


def _loan_terms(default: DefaultIn) -> dict[str, Any]:
    return {
        "product": default.product, "currency": default.currency, "disbursed_amount": default.disbursed_amount,
        "disbursed_on": default.disbursed_on, "maturity_date": default.maturity_date,
        "contract_rate": default.contract_rate, "principal_outstanding": default.principal_outstanding,
        "interest_outstanding": default.interest_outstanding,
        "penalty_interest_outstanding": default.penalty_interest_outstanding,
        "fees_outstanding": default.fees_outstanding, "first_unpaid_due_date": default.first_unpaid_due_date,
        "as_of_date": default.as_of_date, "collateralised": default.collateralised, "guaranteed": default.guaranteed,
    }


def _instalment_rows(debt_id: uuid.UUID, default: DefaultIn) -> list[dict[str, Any]]:
    return [{"debt_id": debt_id, "sequence": instalment.sequence, "due_date": instalment.due_date,
             "principal_due": instalment.principal, "interest_due": instalment.interest,
             "principal_paid": ZERO, "interest_paid": ZERO} for instalment in default.instalments]


def _new_debt(uow: UnitOfWork, default: DefaultIn, source_system: str, borrower_ref: uuid.UUID,
              inserts: _Inserts, now: datetime) -> Debt:
    debt = Debt(
        id=uuid.uuid4(), source_system=source_system, loan_id=default.loan_id, borrower_id=default.borrower_id,
        borrower_ref=borrower_ref, credit_balance=ZERO, recovered_after_disposal=ZERO, status="open", version=1,
        registered_at=now, updated_at=now, **_loan_terms(default),
    )
    inserts.debts.append(debt)
    inserts.instalments[debt.id] = _instalment_rows(debt.id, default)
    inserts.history.append(history_row(debt, cause="registered", cause_ref=None,
                                       total_change=debt.total_outstanding, occurred_at=now))
    uow.emit(DebtRegistered(
        debt_id=debt.id, borrower_id=debt.borrower_id, source_system=source_system, loan_id=debt.loan_id,
        currency=debt.currency, principal_outstanding=debt.principal_outstanding,
        interest_outstanding=debt.interest_outstanding, fees_outstanding=debt.fees_outstanding,
        penalty_interest_outstanding=debt.penalty_interest_outstanding, total_outstanding=debt.total_outstanding,
        first_unpaid_due_date=default.first_unpaid_due_date, as_of_date=debt.as_of_date, registered_at=now,
        product=debt.product, version=1,
    ))
    return debt


async def _apply_newer_figures(uow: UnitOfWork, debt: Debt, default: DefaultIn, inserts: _Inserts,
                               now: datetime, *, persisted: bool) -> None:
    """The lending core's newer view replaces balances, terms and the unpaid schedule."""
    before = debt.total_outstanding
    for key, value in _loan_terms(default).items():
        setattr(debt, key, value)
    debt.status = status_after_balance_change(debt)
    debt.version += 1
    debt.updated_at = now
    if persisted:  # the stored schedule goes now; the new one is inserted with this call's other rows
        await uow.session.execute(delete(Instalment).where(Instalment.debt_id == debt.id))
    inserts.instalments[debt.id] = _instalment_rows(debt.id, default)
    inserts.history.append(history_row(debt, cause="default_update", cause_ref=None,
                                       total_change=debt.total_outstanding - before, occurred_at=now))
    uow.emit(debt_updated(debt, cause="default_update", at=now))
