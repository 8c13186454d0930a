"""Payments as the lending cores reported them, with how each was allocated."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import Money, UTCDateTime
from debtflow.intake.models import Base
from debtflow.intake.payments.waterfall import Balances


class Payment(Base):
    """A payment the lending core reported, with how the waterfall applied it."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("source_system", "external_id", name="uq_payments_source_payment"),
        Index("ix_payments_debt_paid", "debt_id", "paid_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    source_system: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("debts.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(32))
    applied_penalty_interest: Mapped[Decimal] = mapped_column(Money)
    applied_fees: Mapped[Decimal] = mapped_column(Money)
    applied_interest: Mapped[Decimal] = mapped_column(Money)
    applied_principal: Mapped[Decimal] = mapped_column(Money)
    credit: Mapped[Decimal] = mapped_column(Money)
    #: Instalment coverage for exact reversal: [[sequence, principal, interest], ...] (amounts as strings)
    instalment_allocation: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)
    #: Restored by a reversal when the debt has no instalment schedule to recompute it from.
    first_unpaid_due_date_before: Mapped[date | None] = mapped_column(Date)
    post_disposal: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="applied")  # applied | reversed
    reversal_reason: Mapped[str | None] = mapped_column(String(64))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def applied(self) -> Balances:
        return Balances(principal=self.applied_principal, interest=self.applied_interest,
                        penalty_interest=self.applied_penalty_interest, fees=self.applied_fees)
