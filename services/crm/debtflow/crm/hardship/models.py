"""The hardship requests table: the borrower's stated circumstances, the decision and the arrangement's end."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import Money, UTCDateTime
from debtflow.crm.models import Base


class HardshipRequest(Base):
    """requested -> granted -> ended, or requested -> declined."""

    __tablename__ = "hardship_requests"
    __table_args__ = (Index("ix_hardship_tenant_borrower", "tenant", "borrower_id", "requested_at"),
                      Index("ix_hardship_status_review", "status", "review_on"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # null: every debt of the borrower with the lender
    reasons: Mapped[list[str]] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(16))
    circumstances: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str | None] = mapped_column(String(3))
    monthly_income: Mapped[Decimal | None] = mapped_column(Money)
    monthly_expenses: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))  # requested, granted, declined, ended
    arrangement: Mapped[str | None] = mapped_column(String(32))
    reduced_payment: Mapped[Decimal | None] = mapped_column(Money)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    ended_by: Mapped[str | None] = mapped_column(String(128))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
