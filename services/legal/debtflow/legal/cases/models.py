"""Legal's tables: one legal case per debt."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.legal.models import Base


class LegalCase(Base):
    """Legal action on a debt, from pre-litigation onwards."""

    __tablename__ = "legal_cases"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    trigger: Mapped[str] = mapped_column(String(32))
    five_tier_class: Mapped[str | None] = mapped_column(String(16), nullable=True)
    stage: Mapped[str] = mapped_column(String(32), default="pre_litigation")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cause_event_id: Mapped[str] = mapped_column(String(64))
