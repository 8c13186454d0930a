"""The collection case table: one row per debt."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.models import Base
from debtflow.common.db import UTCDateTime


class CollectionCase(Base):
    """A debt being collected: its segment, strategy and next scheduled action."""

    __tablename__ = "collection_cases"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    #: The lender whose debt this is, from the classification events; what collections announces carries it.
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    dpd_bucket: Mapped[str] = mapped_column(String(16))
    five_tier_class: Mapped[str] = mapped_column(String(16))
    classified_as_of: Mapped[date] = mapped_column(Date)
    strategy_code: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | escalated
    next_action_channel: Mapped[str] = mapped_column(String(16))
    next_action_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalation_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
