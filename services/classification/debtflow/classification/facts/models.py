"""What classification knows of each debt: its facts from every service's events, and its pauses."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.classification.models import Base
from debtflow.common.db import BIG_ID, Money, UTCDateTime


class DebtFactsRow(Base):
    """A debt's facts as the other services reported them; intake's are applied in version order."""

    __tablename__ = "debt_facts"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: The lender, from the events' tenant: a borrower id names one person only within one tenant, so contagion
    #: and borrower-wide events stay inside it. Null until an event carrying it arrives (debts from before tenants).
    tenant: Mapped[str | None] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    exposure: Mapped[Decimal] = mapped_column(Money)
    past_due_amount: Mapped[Decimal | None] = mapped_column(Money)
    first_unpaid_due_date: Mapped[date | None] = mapped_column(Date)
    facts_as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    intake_version: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the default was reported
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    restructured_on: Mapped[date | None] = mapped_column(Date)
    collection_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    limitation_expires_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PauseRow(Base):
    """Days the clock stops for a debt: a dispute or a hardship arrangement."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_facts.debt_id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # dispute | hardship
    source_ref: Mapped[str] = mapped_column(String(64))  # the dispute or hardship id
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
