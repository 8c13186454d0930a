"""Planned actions: one row per step of a case's path, from planned to sent, suppressed or cancelled."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.models import Base
from debtflow.common.db import UTCDateTime


class PlannedAction(Base):
    """A step of a strategy planned for a debt at `due_at`; the dispatcher asks the contact policy again then."""

    __tablename__ = "collection_actions"
    __table_args__ = (Index("ix_collection_actions_due", "status", "due_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    strategy_code: Mapped[str] = mapped_column(String(64))
    strategy_version: Mapped[int] = mapped_column(Integer)
    step_index: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    template_code: Mapped[str] = mapped_column(String(64))
    tone: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: scheduled | dispatching | sent | queued (an agent call on the worklist) | suppressed | cancelled | failed
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    #: The contact policy's rule when it deferred, suppressed or refused; the gateway's error when it failed.
    rule: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
