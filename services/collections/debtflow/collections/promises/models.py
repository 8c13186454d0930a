"""Tables of promises to pay: the promises, the payments counted towards them, and each case's tally."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.models import Base
from debtflow.common.db import Money, UTCDateTime


class PromiseToPay(Base):
    """open -> kept | partly_kept | broken; a late payment or a reversal may revise a resolved one."""

    __tablename__ = "promises_to_pay"
    __table_args__ = (Index("ix_promises_debt_status", "debt_id", "status"),
                      Index("ix_promises_status_deadline", "status", "deadline_at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    due_on: Mapped[date] = mapped_column(Date)
    #: The end of due_on plus the grace days, in the lender's calendar: payments until then count.
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by: Mapped[str] = mapped_column(String(128))
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PromisePayment(Base):
    """A payment intake reported, counted towards the promise open when it was paid."""

    __tablename__ = "promise_payments"

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    promise_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reversed: Mapped[bool] = mapped_column(Boolean)


class CasePromiseStats(Base):
    """A case's promises by outcome: broken promises are an escalation trigger."""

    __tablename__ = "case_promise_stats"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    made: Mapped[int] = mapped_column(Integer)
    kept: Mapped[int] = mapped_column(Integer)
    partly_kept: Mapped[int] = mapped_column(Integer)
    broken: Mapped[int] = mapped_column(Integer)
    last_broken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
