"""Classification's tables: each debt's current classification and the append-only history of them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from debtflow.common.db import Money, UTCDateTime, add_messaging_tables


class Base(DeclarativeBase):
    pass


messaging = add_messaging_tables(Base.metadata)


class DebtClassificationRow(Base):
    """The latest classification of a debt, with the facts it was computed from."""

    __tablename__ = "classifications"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    exposure: Mapped[Decimal] = mapped_column(Money)
    first_unpaid_due_date: Mapped[date] = mapped_column(Date)
    as_of_date: Mapped[date] = mapped_column(Date)
    days_past_due: Mapped[int] = mapped_column(Integer)
    dpd_bucket: Mapped[str] = mapped_column(String(16), index=True)
    five_tier_class: Mapped[str] = mapped_column(String(16), index=True)
    reason_codes: Mapped[list[str]] = mapped_column(JSON)
    ruleset_version: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_classified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClassificationHistoryRow(Base):
    """Every classification ever made for a debt, in order; never updated."""

    __tablename__ = "classification_history"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("classifications.debt_id"), index=True)
    as_of_date: Mapped[date] = mapped_column(Date)
    days_past_due: Mapped[int] = mapped_column(Integer)
    dpd_bucket: Mapped[str] = mapped_column(String(16))
    five_tier_class: Mapped[str] = mapped_column(String(16))
    exposure: Mapped[Decimal] = mapped_column(Money)
    ruleset_version: Mapped[str] = mapped_column(String(64))
    cause_event_id: Mapped[str] = mapped_column(String(64))
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime)
