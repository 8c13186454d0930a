"""The complaints table: one row per complaint, from receipt through acknowledgement and escalation to resolution."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.crm.models import Base


class Complaint(Base):
    """The borrower complains about a debt's collection (or, `debt_id` null, about all of it with the lender)."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_tenant_borrower", "tenant", "borrower_id", "received_at"),
                      Index("ix_complaints_received", "received_at", "id"),
                      # The escalation check reads open complaints by deadline.
                      Index("ix_complaints_open_deadlines", "status", "resolve_by", "acknowledge_by"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    #: Who or what is complained about: collector (a staff identity), agency (its code), system, other.
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_ref: Mapped[str | None] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # received, acknowledged, escalated, resolved
    #: A conduct complaint (when the setting says so) holds collection on the debt from receipt to resolution.
    pauses_collection: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_by: Mapped[str] = mapped_column(String(128))
    acknowledge_by: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_by: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    #: Each missed deadline is escalated once: these say which were, and when.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledgement_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str | None] = mapped_column(String(16))
    root_cause: Mapped[str | None] = mapped_column(String(32))
    resolution: Mapped[str | None] = mapped_column(Text)
