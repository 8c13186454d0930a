"""Classification's tables: what it knows of each debt, the current classification, their histories, rule sets."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, Uuid, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from debtflow.common.db import Money, UTCDateTime, add_messaging_tables

_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


messaging = add_messaging_tables(Base.metadata)


class DebtFactsRow(Base):
    """A debt's facts as the other services reported them; intake's are applied in version order."""

    __tablename__ = "debt_facts"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    exposure: Mapped[Decimal] = mapped_column(Money)
    past_due_amount: Mapped[Decimal | None] = mapped_column(Money)
    first_unpaid_due_date: Mapped[date | None] = mapped_column(Date)
    facts_as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    intake_version: Mapped[int] = mapped_column(Integer)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the default was reported
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    restructured_on: Mapped[date | None] = mapped_column(Date)
    collection_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    limitation_expires_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PauseRow(Base):
    """Days the clock stops for a debt: a dispute or a hardship arrangement."""

    __tablename__ = "pauses"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_facts.debt_id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # dispute | hardship
    source_ref: Mapped[str] = mapped_column(String(64))  # the dispute or hardship id
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


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

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
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

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debt_facts.debt_id"))
    bucket: Mapped[str] = mapped_column(String(16))
    entered_on: Mapped[date] = mapped_column(Date)
    exited_on: Mapped[date | None] = mapped_column(Date)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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


class ReageRun(Base):
    """One run of the daily re-ageing for an as-of date; a second run for the same date finds nothing to do."""

    __tablename__ = "reage_runs"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    as_of_date: Mapped[date] = mapped_column(Date, index=True)
    ruleset_version: Mapped[str] = mapped_column(String(64))
    examined: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
