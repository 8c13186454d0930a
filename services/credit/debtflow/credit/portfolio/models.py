"""Credit's tables: a read model of the portfolio fed by intake and classification events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import Money, UTCDateTime
from debtflow.credit.models import Base


class PortfolioDebt(Base):
    """One debt as portfolio analytics sees it: exposure and status from intake, bucket and class from
    classification, each applied only when newer than what is held (the two topics arrive in any order)."""

    __tablename__ = "portfolio_debts"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    exposure: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16), default="open")
    #: Version of the intake facts applied (exposure, status); intake events carry the debt's version.
    intake_version: Mapped[int] = mapped_column(Integer, default=0)
    dpd_bucket: Mapped[str | None] = mapped_column(String(16), nullable=True)
    five_tier_class: Mapped[str | None] = mapped_column(String(16), nullable=True)
    classified_as_of: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
