"""The satisfaction survey answers table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.crm.models import Base


class SatisfactionAnswer(Base):
    """A borrower's CSAT score (1-5) for one resolved contact; who handled it is copied from the interaction so
    the scores group by collector, agency and strategy without a join."""

    __tablename__ = "satisfaction_answers"
    __table_args__ = (UniqueConstraint("interaction_id", name="uq_satisfaction_interaction"),
                      Index("ix_satisfaction_month", "month", "tenant"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    interaction_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    agent: Mapped[str] = mapped_column(String(128))
    agency: Mapped[str | None] = mapped_column(String(64))
    strategy_code: Mapped[str | None] = mapped_column(String(64))
    #: `YYYY-MM` of the answer in the business calendar: what monthly scores group by.
    month: Mapped[str] = mapped_column(String(7))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(128))
