"""CRM's tables: the borrower interaction timeline."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.crm.models import Base


class TimelineEntry(Base):
    """One thing that happened in a borrower's relationship with us, from any service. Append-only."""

    __tablename__ = "timeline_entries"
    __table_args__ = (
        Index("ix_timeline_borrower_time", "borrower_id", "occurred_at", "id"),
        Index("ix_timeline_tenant_borrower_time", "tenant", "borrower_id", "occurred_at", "id"),
        Index("ix_timeline_debt", "debt_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True)
    #: The lender: a borrower id is a lender's customer number, so the timeline is one per (tenant, borrower id).
    #: Null only for an old borrower-wide event of a borrower id several tenants use (it cannot be attributed).
    tenant: Mapped[str | None] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # null: about all the borrower's debts
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(128))
    source_service: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str] = mapped_column(String(500))
