"""The daily re-ageing runs, one per as-of date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.classification.models import Base
from debtflow.common.db import BIG_ID, UTCDateTime


class ReageRun(Base):
    """One run of the daily re-ageing for an as-of date; a second run for the same date finds nothing to do."""

    __tablename__ = "reage_runs"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    as_of_date: Mapped[date] = mapped_column(Date, index=True)
    ruleset_version: Mapped[str] = mapped_column(String(64))
    examined: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
