"""Rule set versions: drafts, the active one, retired ones."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.classification.models import Base
from debtflow.common.db import UTCDateTime


class RuleSetRow(Base):
    """A versioned rule set. Exactly one is active; activation needs a supervisor who is not the author."""

    __tablename__ = "rulesets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft | active | retired
    description: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_by: Mapped[str | None] = mapped_column(String(128))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
