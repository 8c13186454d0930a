"""Credit's tables: a read model of the portfolio fed by intake and classification events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from debtflow.common.db import Money, UTCDateTime, add_messaging_tables


class Base(DeclarativeBase):
    pass


messaging = add_messaging_tables(Base.metadata)


class PortfolioDebt(Base):
    """One debt as portfolio analytics sees it: exposure, bucket and class, from the newest facts received."""

    __tablename__ = "portfolio_debts"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    exposure: Mapped[Decimal] = mapped_column(Money)
    facts_as_of: Mapped[date] = mapped_column(Date)
    dpd_bucket: Mapped[str | None] = mapped_column(String(16), nullable=True)
    five_tier_class: Mapped[str | None] = mapped_column(String(16), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
