"""The disputes table: one row per dispute, from opening to its resolution."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Date, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.crm.models import Base


class Dispute(Base):
    """The borrower contests a debt (or, `debt_id` null, every debt they hold with the lender)."""

    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_tenant_borrower", "tenant", "borrower_id", "opened_at"),
                      Index("ix_disputes_debt", "debt_id"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    #: amount (the balance is wrong), ownership (not the lender's to collect), identity (the borrower says
    #: someone else took the loan: fraud).
    kind: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    #: The day the borrower raised it: the days-past-due clock stops from then.
    raised_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    evidence_refs: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))  # open, resolved
    outcome: Mapped[str | None] = mapped_column(String(16))
    resolution_reason: Mapped[str | None] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
