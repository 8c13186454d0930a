"""Intake's tables: borrowers, debts with their instalments, payments, snapshots and the balance history."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from debtflow.common.db import Money, UTCDateTime, add_messaging_tables
from debtflow.common.web.idempotency import add_idempotency_table
from debtflow.intake.waterfall import Balances

_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


messaging = add_messaging_tables(Base.metadata)
idempotency_keys = add_idempotency_table(Base.metadata)


class Borrower(Base):
    """A borrower as the lending core knows them. Personal data is stored only encrypted (`*_enc`)."""

    __tablename__ = "borrowers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)  # the lender's customer id
    source_system: Mapped[str] = mapped_column(String(64))  # who first registered the borrower
    id_type: Mapped[str | None] = mapped_column(String(32))
    name_enc: Mapped[str | None] = mapped_column(Text)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phones_enc: Mapped[list[str]] = mapped_column(JSON, default=list)
    emails_enc: Mapped[list[str]] = mapped_column(JSON, default=list)
    address_enc: Mapped[str | None] = mapped_column(Text)
    date_of_birth_enc: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: Keyed hash of all personal data: tells whether a re-sent borrower changed without decrypting.
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BorrowerContactHash(Base):
    """Keyed hashes of a borrower's phones and emails, for exact lookup without decrypting anything."""

    __tablename__ = "borrower_contact_hashes"
    __table_args__ = (Index("ix_borrower_contact_lookup", "kind", "lookup_hash"),)

    borrower_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # phone | email
    lookup_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class Debt(Base):
    """A defaulted loan. One row per (source system, loan id); `version` counts its changes."""

    __tablename__ = "debts"
    __table_args__ = (
        UniqueConstraint("source_system", "loan_id", name="uq_debts_source_loan"),
        Index("ix_debts_status_id", "status", "id"),
        Index("ix_debts_as_of_id", "as_of_date", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    source_system: Mapped[str] = mapped_column(String(64))
    loan_id: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    borrower_ref: Mapped[uuid.UUID] = mapped_column(ForeignKey("borrowers.id"), index=True)
    product: Mapped[str | None] = mapped_column(String(32), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    disbursed_amount: Mapped[Decimal | None] = mapped_column(Money)
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    maturity_date: Mapped[date | None] = mapped_column(Date)
    contract_rate: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    principal_outstanding: Mapped[Decimal] = mapped_column(Money)
    interest_outstanding: Mapped[Decimal] = mapped_column(Money)
    penalty_interest_outstanding: Mapped[Decimal] = mapped_column(Money)
    fees_outstanding: Mapped[Decimal] = mapped_column(Money)
    credit_balance: Mapped[Decimal] = mapped_column(Money)
    recovered_after_disposal: Mapped[Decimal] = mapped_column(Money)
    first_unpaid_due_date: Mapped[date | None] = mapped_column(Date)
    as_of_date: Mapped[date] = mapped_column(Date)
    collateralised: Mapped[bool] = mapped_column(Boolean, default=False)
    guaranteed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def balances(self) -> Balances:
        return Balances(principal=self.principal_outstanding, interest=self.interest_outstanding,
                        penalty_interest=self.penalty_interest_outstanding, fees=self.fees_outstanding)

    def set_balances(self, balances: Balances) -> None:
        self.principal_outstanding = balances.principal
        self.interest_outstanding = balances.interest
        self.penalty_interest_outstanding = balances.penalty_interest
        self.fees_outstanding = balances.fees

    @property
    def total_outstanding(self) -> Decimal:
        return self.balances.total


class Instalment(Base):
    """An unpaid instalment of a debt's schedule and how much of it payments have covered."""

    __tablename__ = "instalments"

    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debts.id", ondelete="CASCADE"), primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_date: Mapped[date] = mapped_column(Date)
    principal_due: Mapped[Decimal] = mapped_column(Money)
    interest_due: Mapped[Decimal] = mapped_column(Money)
    principal_paid: Mapped[Decimal] = mapped_column(Money)
    interest_paid: Mapped[Decimal] = mapped_column(Money)

    @property
    def settled(self) -> bool:
        return self.principal_paid >= self.principal_due and self.interest_paid >= self.interest_due


class Payment(Base):
    """A payment the lending core reported, with how the waterfall applied it."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("source_system", "external_id", name="uq_payments_source_payment"),
        Index("ix_payments_debt_paid", "debt_id", "paid_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    source_system: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debts.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(32))
    applied_penalty_interest: Mapped[Decimal] = mapped_column(Money)
    applied_fees: Mapped[Decimal] = mapped_column(Money)
    applied_interest: Mapped[Decimal] = mapped_column(Money)
    applied_principal: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)
    #: Instalment coverage for exact reversal: [[sequence, principal, interest], ...] (amounts as strings)
    instalment_allocation: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)
    #: Restored by a reversal when the debt has no instalment schedule to recompute it from.
    first_unpaid_due_date_before: Mapped[date | None] = mapped_column(Date)
    post_disposal: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="applied")  # applied | reversed
    reversal_reason: Mapped[str | None] = mapped_column(String(64))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def applied(self) -> Balances:
        return Balances(principal=self.applied_principal, interest=self.applied_interest,
                        penalty_interest=self.applied_penalty_interest, fees=self.applied_fees)


class BalanceSnapshotRow(Base):
    """A daily balance/DPD snapshot the lending core sent for a debt."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("debt_id", "as_of_date", name="uq_snapshots_debt_date"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debts.id"))
    as_of_date: Mapped[date] = mapped_column(Date)
    principal_outstanding: Mapped[Decimal] = mapped_column(Money)
    interest_outstanding: Mapped[Decimal] = mapped_column(Money)
    penalty_interest_outstanding: Mapped[Decimal] = mapped_column(Money)
    fees_outstanding: Mapped[Decimal] = mapped_column(Money)
    first_unpaid_due_date: Mapped[date | None] = mapped_column(Date)
    days_past_due: Mapped[int | None] = mapped_column(Integer)
    applied: Mapped[bool] = mapped_column(Boolean)  # False when an older snapshot arrived after newer facts
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BalanceHistory(Base):
    """Append-only: every change to a debt's balances or status, with the state after it and its cause."""

    __tablename__ = "balance_history"
    __table_args__ = (Index("ix_balance_history_debt_version", "debt_id", "version"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debts.id"))
    version: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(32))  # registered | default_update | snapshot | payment | ...
    cause_ref: Mapped[str | None] = mapped_column(String(64))
    principal_outstanding: Mapped[Decimal] = mapped_column(Money)
    interest_outstanding: Mapped[Decimal] = mapped_column(Money)
    penalty_interest_outstanding: Mapped[Decimal] = mapped_column(Money)
    fees_outstanding: Mapped[Decimal] = mapped_column(Money)
    credit_balance: Mapped[Decimal] = mapped_column(Money)
    total_change: Mapped[Decimal] = mapped_column(Money)  # signed: what the cause did to the total owed
    first_unpaid_due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
