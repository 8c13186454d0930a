"""Tables of payment plans and settlements, their instalments, the payments counted towards them, and each debt's
balance by component (from intake's events) that discounts are measured against."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.models import Base
from debtflow.common.db import Money, UTCDateTime


class DebtBalance(Base):
    """A debt's outstanding balance by component, as intake last reported it (highest version wins)."""

    __tablename__ = "debt_balances"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    penalty_interest: Mapped[Decimal] = mapped_column(Money)
    fees: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    principal: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class _Arrangement:
    """What a payment plan and a settlement both hold: the agreed amount, its discount and who approved it."""

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    balance: Mapped[Decimal] = mapped_column(Money)  # the balance when it was proposed
    total_amount: Mapped[Decimal] = mapped_column(Money)
    discount_amount: Mapped[Decimal] = mapped_column(Money)
    discount_bp: Mapped[int] = mapped_column(Integer)  # percent of the balance, in hundredths (1050 = 10.50 %)
    waived_penalty_interest: Mapped[Decimal] = mapped_column(Money)
    waived_fees: Mapped[Decimal] = mapped_column(Money)
    waived_interest: Mapped[Decimal] = mapped_column(Money)
    waived_principal: Mapped[Decimal] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    proposed_by: Mapped[str] = mapped_column(String(128))
    proposer_role: Mapped[str] = mapped_column(String(16))
    #: [{"identity", "role", "at"}]: the supervisors who approved, in order.
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    acceptance_channel: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentPlan(_Arrangement, Base):
    """proposed -> approved -> accepted -> completed | breached; cancelled before it completes."""

    __tablename__ = "payment_plans"


class PlanInstalment(Base):
    """One payment of a plan; sequence 0 is the down payment."""

    __tablename__ = "plan_instalments"

    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))  # due, partly_paid, paid, missed


class Settlement(_Arrangement, Base):
    """proposed -> approved -> accepted -> paid | lapsed; cancelled before it is paid."""

    __tablename__ = "settlements"

    pay_by: Mapped[date] = mapped_column(Date)


class ArrangementPayment(Base):
    """A payment counted towards the plan or settlement accepted when it was paid."""

    __tablename__ = "arrangement_payments"
    __table_args__ = (Index("ix_arrangement_payments_arrangement", "arrangement_id"),)

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    arrangement_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(16))  # plan, settlement
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reversed: Mapped[bool] = mapped_column(Boolean)
