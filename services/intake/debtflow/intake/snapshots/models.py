"""The lending core's daily balances of each debt, kept as received."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import BIG_ID, Money, UTCDateTime
from debtflow.intake.models import Base


class BalanceSnapshotRow(Base):
    """A daily balance/DPD snapshot the lending core sent for a debt."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("debt_id", "as_of_date", name="uq_snapshots_debt_date"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
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
