"""The debt register's use cases: register a tenant's defaults one or ten thousand at a time (new debts, newer
figures for known ones, their borrowers), and read debts, a debt and its history within the caller's tenant.

Registration is set-based: one query finds the known loans (and one the borrowers) of a whole chunk, new rows
go in with one multi-row INSERT per table, and only debts that actually change are loaded as objects.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import DebtRegistered
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.pii import FieldCipher
from debtflow.common.problems import NotFound
from debtflow.common.tenants import TenantMap, lender_only, tenant_scope
from debtflow.intake.batches.schemas import ItemResult
from debtflow.intake.batches.service import Accepted, ChunkHandler
from debtflow.intake.borrowers.service import BorrowerRegister
from debtflow.intake.debts.ledger import debt_for_update, history_row, record_change
from debtflow.intake.debts.models import BalanceHistory, Debt, Instalment
from debtflow.intake.debts.rules import newer_figures_apply, status_after_balance_change
from debtflow.intake.debts.schemas import DefaultIn

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
class _Inserts:
    """Debt rows to insert at the end, table by table, in foreign-key order (after the borrowers)."""

    debts: list[Debt] = field(default_factory=list)
    instalments: dict[uuid.UUID, list[dict[str, Any]]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    async def write(self, session: AsyncSession) -> None:
        if self.debts:
            await session.execute(insert(Debt), [{key: getattr(debt, key) for key in _DEBT_COLUMNS}  # one lock order
                                                 for debt in sorted(self.debts, key=lambda debt: debt.loan_id)])
        instalments = [row for rows in self.instalments.values() for row in rows]
        if instalments:
            await session.execute(insert(Instalment), instalments)
        if self.history:
            await session.execute(insert(BalanceHistory), self.history)


async def register_defaults(uow: UnitOfWork, defaults: Sequence[DefaultIn], *, tenant: str, source_system: str,
                            cipher: FieldCipher) -> list[Registration]:
    """Register each default in order; a loan seen before is updated only by figures with a newer as-of date.
    Borrowers are the tenant's: another lender's customer with the same id is someone else."""
    session = uow.session
    now = utcnow()
    debts = await _known_debts(session, source_system, {default.loan_id for default in defaults})
    borrowers = await BorrowerRegister.load(session, {default.borrower_id for default in defaults}, cipher=cipher,
                                            tenant=tenant, source_system=source_system, now=now)
    inserts = _Inserts()
    results = []
    for default in defaults:
        borrower_ref = await borrowers.borrower_for(uow, default.borrower_id, default.borrower)
        known = debts.get(default.loan_id)
        if known is None:
            debt = _new_debt(uow, default, tenant, source_system, borrower_ref, inserts, now)
            debts[default.loan_id] = _KnownDebt(debt.id, default.as_of_date, pending=debt)
            results.append(Registration("created", debt.id, debt))
        elif newer_figures_apply(held_as_of=known.as_of_date, status=known.status, offered_as_of=default.as_of_date):
            debt = known.pending or await debt_for_update(session, known.id)
            await _apply_newer_figures(uow, debt, default, inserts, now, persisted=known.pending is None)
            known.as_of_date = default.as_of_date
            results.append(Registration("updated", known.id, debt))
        else:
            results.append(Registration("unchanged", known.id))
    await borrowers.write(session)
    await inserts.write(session)
    return results


def defaults_chunk(*, tenant: str, source_system: str, cipher: FieldCipher) -> ChunkHandler:
    """How `POST /v1/defaults:batch` registers a chunk: all its defaults at once, set-based."""
    async def handle(uow: UnitOfWork, chunk: Accepted) -> list[ItemResult]:
        registrations = await register_defaults(uow, [default for _, default in chunk], tenant=tenant,
                                                source_system=source_system, cipher=cipher)
        return [ItemResult(line=item.line, key=default.loan_id, outcome=registration.outcome, id=registration.debt_id)
                for (item, default), registration in zip(chunk, registrations, strict=True)]

    return handle


async def _known_debts(session: AsyncSession, source_system: str, loan_ids: set[str]) -> dict[str, _KnownDebt]:
    rows = await session.execute(
        select(Debt.loan_id, Debt.id, Debt.as_of_date, Debt.status)
        .where(Debt.source_system == source_system, one_of(Debt.loan_id, loan_ids))
    )
    return {row.loan_id: _KnownDebt(row.id, row.as_of_date, row.status) for row in rows}


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


def _new_debt(uow: UnitOfWork, default: DefaultIn, tenant: str, source_system: str, borrower_ref: uuid.UUID,
              inserts: _Inserts, now: datetime) -> Debt:
    debt = Debt(
        id=uuid.uuid4(), tenant=tenant, source_system=source_system, loan_id=default.loan_id, borrower_id=default.borrower_id,
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
    ), tenant=tenant)
    return debt


async def _apply_newer_figures(uow: UnitOfWork, debt: Debt, default: DefaultIn, inserts: _Inserts,
                               now: datetime, *, persisted: bool) -> None:
    """The lending core's newer view replaces balances, terms and the unpaid schedule."""
    before = debt.total_outstanding
    for key, value in _loan_terms(default).items():
        setattr(debt, key, value)
    debt.status = status_after_balance_change(debt.status, debt.total_outstanding)
    if persisted:  # the stored schedule goes now; the new one is inserted with this call's other rows
        await uow.session.execute(delete(Instalment).where(Instalment.debt_id == debt.id))
    inserts.instalments[debt.id] = _instalment_rows(debt.id, default)
    record_change(uow, debt, cause="default_update", cause_ref=None, total_before=before, now=now,
                  history=inserts.history)


# -- reading ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DebtFilter:
    tenant: str | None = None
    status: str | None = None
    borrower_id: str | None = None
    product: str | None = None
    as_of_from: date | None = None
    as_of_to: date | None = None


async def list_debts(session: AsyncSession, *, actor: Actor, tenancy: TenantMap, where: DebtFilter, limit: int,
                     after: str | None) -> tuple[list[Debt], str | None]:
    """A page of debts in id order (stable under inserts); a lending core sees only its tenant's."""
    query: Select[Any] = select(Debt)
    tenant = tenant_scope(actor, where.tenant, tenancy)
    if tenant is not None:
        query = query.where(Debt.tenant == tenant)
    for column, value in ((Debt.status, where.status), (Debt.borrower_id, where.borrower_id),
                          (Debt.product, where.product)):
        if value is not None:
            query = query.where(column == value)
    if where.as_of_from is not None:
        query = query.where(Debt.as_of_date >= where.as_of_from)
    if where.as_of_to is not None:
        query = query.where(Debt.as_of_date <= where.as_of_to)
    if after is not None:
        (last_id,) = decode_cursor(after, uuid.UUID)
        query = query.where(Debt.id > last_id)
    rows = list(await session.scalars(query.order_by(Debt.id).limit(limit + 1)))
    return page_of(rows, limit, lambda debt: (debt.id,))


async def get_debt(session: AsyncSession, debt_id: uuid.UUID, *, actor: Actor, tenancy: TenantMap) -> Debt:
    """A debt by its id (unique across tenants); a lending core's only if it is its tenant's."""
    debt = await session.get(Debt, debt_id)
    if debt is None or (lender_only(actor) and debt.tenant != tenancy.for_lender(actor)):
        raise NotFound(f"no debt {debt_id}")
    return debt


async def debt_history(session: AsyncSession, debt_id: uuid.UUID, *, actor: Actor, tenancy: TenantMap, limit: int,
                       after: str | None) -> tuple[list[BalanceHistory], str | None]:
    """Every change to a debt's balances and status, oldest first, one page."""
    await get_debt(session, debt_id, actor=actor, tenancy=tenancy)
    query = select(BalanceHistory).where(BalanceHistory.debt_id == debt_id)
    if after is not None:
        (last_id,) = decode_cursor(after, int)
        query = query.where(BalanceHistory.id > last_id)
    rows = list(await session.scalars(query.order_by(BalanceHistory.id).limit(limit + 1)))
    return page_of(rows, limit, lambda entry: (entry.id,))
