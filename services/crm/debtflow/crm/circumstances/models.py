"""The borrower circumstances table: each circumstance with the document that proves it, until withdrawn."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.crm.models import Base


class BorrowerCircumstance(Base):
    """recorded (active) -> withdrawn (recorded in error, or no longer true: released, bankruptcy discharged)."""

    __tablename__ = "borrower_circumstances"
    __table_args__ = (Index("ix_circumstances_tenant_borrower", "tenant", "borrower_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # null: every debt of the borrower with the lender
    circumstance: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(Date)
    #: Where the proof is kept (death certificate, court order, police report): a reference, never the document.
    document_ref: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # active, withdrawn
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[str | None] = mapped_column(String(128))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
