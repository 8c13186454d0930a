"""The cost ledger: one row per cost of an action, unique per (kind, source) so a repeat records nothing."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Index, Numeric, String, UniqueConstraint, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from debtflow.collections.models import Base
from debtflow.common.db import Money, UTCDateTime


class Scaled(TypeDecorator[Decimal]):
    """An exact decimal at a fixed scale: NUMERIC(18, scale) on PostgreSQL, scaled integers on SQLite (whose
    NUMERIC goes through a float), like `Money` but for unit prices finer than a cent."""

    impl = Numeric(18, 4)
    cache_ok = True

    def __init__(self, scale: int = 4) -> None:
        super().__init__(18, scale)
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise TypeError(f"a scaled decimal must be a Decimal, not {type(value).__name__}")
        exact = Decimal(value).scaleb(self.scale)
        if exact != exact.to_integral_value():
            raise ValueError(f"more than {self.scale} decimal places")
        return int(exact) if dialect.name == "sqlite" else Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        places = Decimal(1).scaleb(-self.scale)
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale).quantize(places)
        return Decimal(value).quantize(places)


class CollectionCost(Base):
    """What one action cost: quantity x unit cost, on a debt, in a currency."""

    __tablename__ = "collection_costs"
    __table_args__ = (
        UniqueConstraint("kind", "source_id", name="uq_collection_costs_source"),
        Index("ix_collection_costs_incurred_at", "incurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(Scaled(2))
    unit_cost: Mapped[Decimal] = mapped_column(Scaled(4))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    #: The action, call or payment that caused it (with `kind`, what makes a repeat harmless).
    source_id: Mapped[str] = mapped_column(String(64))
    incurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
