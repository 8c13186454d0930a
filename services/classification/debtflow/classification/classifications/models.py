"""A debt's current classification, every classification it had, and its stays in each DPD bucket."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.classification.models import Base
from debtflow.common.db import BIG_ID, Money, UTCDateTime


class DebtClassificationRow(Base):
    """The latest classification of a debt. `next_change_on` says when time alone would change it."""

    __tablename__ = "classifications"
    __table_args__ = (
        # The daily re-ageing walks due debts in this order, a chunk at a time (see reage._due).
        Index("ix_classifications_due", "next_change_on", "debt_id", postgresql_where=text("next_change_on IS NOT NULL"),
              sqlite_where=text("next_change_on IS NOT NULL")),
        Index("ix_classifications_priority", "status", "priority_score"),
    )

    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_facts.debt_id"), primary_key=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    exposure: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))
    as_of_date: Mapped[date] = mapped_column(Date)
    days_past_due: Mapped[int] = mapped_column(Integer)  # on as_of_date; reads recompute it for their own day
    dpd_bucket: Mapped[str] = mapped_column(String(16), index=True)
    five_tier_class: Mapped[str] = mapped_column(String(16), index=True)
    ifrs9_stage: Mapped[int] = mapped_column(Integer)
    stage_improving_since: Mapped[date | None] = mapped_column(Date)
    default_flag: Mapped[bool] = mapped_column(Boolean)
    overdue_type: Mapped[str] = mapped_column(String(24))
    priority_score: Mapped[Decimal] = mapped_column(Money)
    priority_tier: Mapped[str] = mapped_column(String(2))
    reason_codes: Mapped[list[str]] = mapped_column(JSON)
    ruleset_version: Mapped[str] = mapped_column(String(64))
    next_change_on: Mapped[date | None] = mapped_column(Date)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_classified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: From the reported default to the first classification: the one-month SLA is measured on this.
    seconds_to_classify: Mapped[int | None] = mapped_column(Integer, index=True)

    def dimensions(self) -> tuple[object, ...]:
        """The same tuple as rules.Classification.dimensions(): what makes a reclassification news."""
        return (self.dpd_bucket, self.five_tier_class, self.ifrs9_stage, self.default_flag, self.overdue_type,
                self.priority_tier)


class ClassificationHistoryRow(Base):
    """Every classification a debt had, from the day it took effect (`as_of_date`); never updated."""

    __tablename__ = "classification_history"
    __table_args__ = (Index("ix_classification_history_debt_day", "debt_id", "as_of_date", "id"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_facts.debt_id"))
    as_of_date: Mapped[date] = mapped_column(Date)
    days_past_due: Mapped[int] = mapped_column(Integer)
    dpd_bucket: Mapped[str] = mapped_column(String(16))
    five_tier_class: Mapped[str] = mapped_column(String(16))
    ifrs9_stage: Mapped[int] = mapped_column(Integer)
    default_flag: Mapped[bool] = mapped_column(Boolean)
    overdue_type: Mapped[str] = mapped_column(String(24))
    priority_score: Mapped[Decimal] = mapped_column(Money)
    priority_tier: Mapped[str] = mapped_column(String(2))
    exposure: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))
    #: Where days past due count from on this classification, so a past day's count can be recomputed.
    first_unpaid_due_date: Mapped[date | None] = mapped_column(Date)
    reason_codes: Mapped[list[str]] = mapped_column(JSON)
    ruleset_version: Mapped[str] = mapped_column(String(64))
    cause: Mapped[str] = mapped_column(String(64))
    cause_ref: Mapped[str | None] = mapped_column(String(64))
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BucketSpell(Base):
    """One stay of a debt in a DPD bucket: entered on a day, exited on a later one (null while in it)."""

    __tablename__ = "bucket_history"
    __table_args__ = (Index("ix_bucket_history_debt", "debt_id", "entered_on"),
                      Index("ix_bucket_history_days", "entered_on", "exited_on"))

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_facts.debt_id"))
    bucket: Mapped[str] = mapped_column(String(16))
    entered_on: Mapped[date] = mapped_column(Date)
    exited_on: Mapped[date | None] = mapped_column(Date)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
