"""The re-ageing runs: the daily ones and those a rule-set activation queues, with their progress."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.classification.models import Base
from debtflow.common.db import BIG_ID, UTCDateTime

#: A run's life: queued (by an activation), running (progress counted per chunk), finished or failed.
RUN_STATUSES = ("queued", "running", "finished", "failed")


class ReageRun(Base):
    """One re-ageing run to an as-of date; a second run for the same date finds nothing to do."""

    __tablename__ = "reage_runs"
    __table_args__ = (Index("ix_reage_runs_status", "status", "id"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    as_of_date: Mapped[date] = mapped_column(Date, index=True)
    ruleset_version: Mapped[str] = mapped_column(String(64))
    #: Why it ran: the daily run ("reage", also one asked for over the API or the CLI) or "ruleset_activation".
    cause: Mapped[str] = mapped_column(String(32), server_default=text("'reage'"))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'finished'"))
    #: Open debts due when the run started (what `examined` counts up to); null while queued.
    due: Mapped[int | None] = mapped_column(Integer)
    examined: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Written with each chunk: a running run whose heartbeat stopped belongs to a process that died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
