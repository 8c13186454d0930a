"""The interactions table: each contact staff logged, with what came of it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.crm.models import Base


class Interaction(Base):
    """One contact with the borrower (or a third party about them), inbound or outbound. Append-only."""

    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_borrower", "tenant", "borrower_id", "occurred_at"),
                      Index("ix_interactions_agent", "agent", "occurred_at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))  # inbound, outbound
    outcome: Mapped[str] = mapped_column(String(32))
    #: Who was spoken to: the borrower, a representative, or a third party.
    party: Mapped[str] = mapped_column(String(16))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    recording_ref: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    #: The collector who handled it (their normalised identity), the agency they work for, the strategy in force.
    agent: Mapped[str] = mapped_column(String(128))
    agency: Mapped[str | None] = mapped_column(String(64))
    strategy_code: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
