"""Agency tables: agencies, their commission schedule versions, placement rules, placements, what agencies
report, recoveries attributed to placements, complaints about agencies and conduct breaches the policy refused."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.costs.models import Scaled
from debtflow.collections.models import Base
from debtflow.common.db import Money, UTCDateTime


class Agency(Base):
    """A collection agency the lender contracts with."""

    __tablename__ = "collection_agencies"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    max_placements: Mapped[int] = mapped_column(Integer)
    #: The commission schedule new placements are made under (older placements keep theirs).
    schedule_version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommissionScheduleVersion(Base):
    """One version of an agency's commission schedule: rule data with the contract it comes from; never changed."""

    __tablename__ = "agency_commission_schedules"

    agency_code: Mapped[str] = mapped_column(ForeignKey("collection_agencies.code"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: [{"bucket": "M4" | "*", "min_age_days": 0, "rate_percent": "15.00"}, ...]; rates as text, exact.
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(256))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlacementRuleRow(Base):
    """Which debts go to an agency, which agencies may take them, for how long; lower priority first."""

    __tablename__ = "agency_placement_rules"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    buckets: Mapped[list[str]] = mapped_column(JSON)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    min_exposure: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    max_exposure: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    regions: Mapped[list[str]] = mapped_column(JSON)
    products: Mapped[list[str]] = mapped_column(JSON)
    agency_codes: Mapped[list[str]] = mapped_column(JSON)
    placement_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Placement(Base):
    """A debt placed with an agency for a term; at most one active placement per debt."""

    __tablename__ = "agency_placements"
    __table_args__ = (
        Index("ix_agency_placements_agency_status", "agency_code", "status"),
        Index("ix_agency_placements_expiry", "status", "expires_at"),
        # Two runs (or a run and a single placement) at once cannot place one debt twice.
        Index("uq_agency_placements_one_active", "debt_id", unique=True,
              sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("collection_agencies.code"))
    rule_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    schedule_version: Mapped[int] = mapped_column(Integer)
    commission_rate_percent: Mapped[Decimal] = mapped_column(Scaled(2))
    dpd_bucket: Mapped[str] = mapped_column(String(16))
    #: Days past due when placed: the age the commission schedule's tiers are chosen by.
    age_days: Mapped[int] = mapped_column(Integer)
    exposure: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # active | recalled
    placed_by: Mapped[str] = mapped_column(String(128))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recall_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    recalled_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    recovered: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    commission: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    @property
    def ended_at(self) -> datetime:
        """The end of the term: the recall, or the expiry for a placement still running."""
        return self.recalled_at or self.expires_at


class AgencyContact(Base):
    """A contact an agency made and reported, with its outcome; only contacts the policy allowed are kept here."""

    __tablename__ = "agency_contacts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency_placements.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    channel: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    duration_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reported_by: Mapped[str] = mapped_column(String(128))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgencyConductBreach(Base):
    """A contact an agency reported that the contact policy refused: counted in its performance."""

    __tablename__ = "agency_conduct_breaches"
    __table_args__ = (Index("ix_agency_conduct_breaches_agency", "agency_code", "attempted_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    placement_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    channel: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgencyPaymentReport(Base):
    """A payment an agency says it collected; it earns nothing until the lending core's payment reconciles it."""

    __tablename__ = "agency_payment_reports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency_placements.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reference: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # reported | reconciled
    payment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    reported_by: Mapped[str] = mapped_column(String(128))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AgencyRecovery(Base):
    """A lending-core payment made during a placement's term, and the commission it earned."""

    __tablename__ = "agency_recoveries"
    __table_args__ = (Index("ix_agency_recoveries_agency_paid", "agency_code", "paid_at"),)

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    placement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency_placements.id"), index=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    rate_percent: Mapped[Decimal] = mapped_column(Scaled(2))
    commission: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attributed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AgencyComplaint(Base):
    """A complaint about an agency (crm's complaint about subject `agency`), on the placement it concerns."""

    __tablename__ = "agency_complaints"
    __table_args__ = (Index("ix_agency_complaints_agency", "agency_code", "received_at"),)

    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(32))
    placement_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    category: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
