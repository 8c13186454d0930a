"""Intake's tables: the debt register (plus the outbox and inbox every service has)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, String, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from debtflow.common.db import Money, UTCDateTime, add_messaging_tables


class Base(DeclarativeBase):
    pass


messaging = add_messaging_tables(Base.metadata)


class Debt(Base):
    """A defaulted loan as the lending core reported it. One row per (source system, loan id)."""

    __tablename__ = "debts"
    __table_args__ = (UniqueConstraint("source_system", "loan_id", name="uq_debts_source_loan"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    source_system: Mapped[str] = mapped_column(String(64))
    loan_id: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    principal_outstanding: Mapped[Decimal] = mapped_column(Money)
    interest_outstanding: Mapped[Decimal] = mapped_column(Money)
    fees_outstanding: Mapped[Decimal] = mapped_column(Money)
    first_unpaid_due_date: Mapped[date] = mapped_column(Date)
    as_of_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def total_outstanding(self) -> Decimal:
        return self.principal_outstanding + self.interest_outstanding + self.fees_outstanding
