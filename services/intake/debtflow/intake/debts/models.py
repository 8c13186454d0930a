"""The debt register: each defaulted loan with its balances, its unpaid instalments and every change to it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import BIG_ID, Money, UTCDateTime
from debtflow.intake.models import Base
from debtflow.intake.payments.waterfall import Balances


class Debt(Base):
    """A defaulted loan. One row per (source system, loan id); `version` counts its changes."""

    __tablename__ = "debts"
    __table_args__ = (
        UniqueConstraint("source_system", "loan_id", name="uq_debts_source_loan"),
        Index("ix_debts_status_id", "status", "id"),
        Index("ix_debts_as_of_id", "as_of_date", "id"),
        Index("ix_debts_tenant_id", "tenant", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(String(64))  # its source system's lender when registered
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


class BalanceHistory(Base):
    """Append-only: every change to a debt's balances or status, with the state after it and its cause."""

    __tablename__ = "balance_history"
    __table_args__ = (Index("ix_balance_history_debt_version", "debt_id", "version"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
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
