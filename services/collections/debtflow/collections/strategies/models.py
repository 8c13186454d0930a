"""Strategy versions and champion/challenger experiments, as rows: what a supervisor wrote and another activated."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.models import Base
from debtflow.common.db import UTCDateTime


class StrategyVersion(Base):
    """One version of a strategy: its segment, its path of steps and its exits (validated by strategies/rules.py).

    A version is written as a draft, then activated by a supervisor other than its author (maker-checker); the
    active version of a code replaces the built-in one of that code, and the version it replaces is retired."""

    __tablename__ = "strategy_versions"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_strategy_versions_code_version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft | active | retired | rejected
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    authored_by: Mapped[str] = mapped_column(String(128))
    authored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Experiment(Base):
    """Champion/challenger: debts the champion strategy would take are split between arms by a stable hash."""

    __tablename__ = "strategy_experiments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    champion_code: Mapped[str] = mapped_column(String(64), index=True)
    #: [{"strategy_code": ..., "percent": ...}], the champion's own share first; percents sum to 100.
    arms: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # draft | running | stopped | promoted
    description: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    promoted_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    promotion_requested_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
