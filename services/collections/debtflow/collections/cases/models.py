"""The collection case table: one row per debt, from its first classification until it is closed or sold."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.models import Base
from debtflow.common.db import Money, UTCDateTime


class CollectionCase(Base):
    """A debt being collected: its segment (as classified), its strategy and arm, where it is on the path."""

    __tablename__ = "collection_cases"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    #: The lender whose debt this is, from the classification events; what collections announces carries it.
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: active: on a strategy; closed: settled, sold, written off, cured or closed (reopens if overdue again);
    #: escalated: with legal (the timeline goes on, the queues leave it).
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    dpd_bucket: Mapped[str] = mapped_column(String(16))
    five_tier_class: Mapped[str] = mapped_column(String(16))
    overdue_type: Mapped[str | None] = mapped_column(String(24), nullable=True)
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    classified_as_of: Mapped[date] = mapped_column(Date)
    exposure: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    product: Mapped[str | None] = mapped_column(String(32), nullable=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    vulnerable: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Credit's collection score (probability of recovery) in basis points, 0-10000, when one arrived.
    recovery_probability_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    priority_score: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    priority_tier: Mapped[str | None] = mapped_column(String(4), nullable=True)
    strategy_code: Mapped[str] = mapped_column(String(64), index=True)
    strategy_version: Mapped[int] = mapped_column(Integer, default=0)
    experiment_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    arm: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The step of the strategy's path planned next (or being carried out); past the last step the path is done.
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    #: When the path of the current strategy started (its steps' day offsets count from here).
    path_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Why the path stopped early (an exit of the strategy: dispute, hardship, restriction, promise_made ...).
    path_exit: Mapped[str | None] = mapped_column(String(32), nullable=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)  # identified: the first classification seen
    exposure_at_entry: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    first_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Paid on the debt since the case opened, net of reversals (what the experiments' recovery rate counts).
    recovered: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    #: Complaints about the debt (or every debt of the borrower) received while the case was open.
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    next_action_channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalation_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)


class DebtFacts(Base):
    """What segments select on about a debt that may arrive before its case opens: the product (intake's
    registration) and credit's collection score."""

    __tablename__ = "collection_debt_facts"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    product: Mapped[str | None] = mapped_column(String(32), nullable=True)
    recovery_probability_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)


class BorrowerFacts(Base):
    """What segments select on about a borrower (all their debts): region (intake) and vulnerability (crm)."""

    __tablename__ = "collection_borrower_facts"

    borrower_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    vulnerable: Mapped[bool] = mapped_column(Boolean, default=False)
