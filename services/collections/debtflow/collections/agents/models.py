"""Tables of the agents capability: collectors, claims on cases, a case's callback, vulnerable borrowers' teams,
and the outcomes of contacts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.models import Base
from debtflow.common.db import UTCDateTime


class Collector(Base):
    """A person who works cases: their team and skills, managed by supervisors."""

    __tablename__ = "collectors"

    #: The token subject in its normal form (`normalise_identity`): what claims and four-eyes rules compare.
    identity: Mapped[str] = mapped_column(String(128), primary_key=True)
    subject: Mapped[str] = mapped_column(String(128))
    team: Mapped[str] = mapped_column(String(64), index=True)
    skills: Mapped[list[str]] = mapped_column(JSON)
    languages: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseClaim(Base):
    """Who is working a case until when; an expired row is nobody's claim."""

    __tablename__ = "case_claims"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    collector: Mapped[str] = mapped_column(String(128), index=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_by: Mapped[str | None] = mapped_column(String(128), nullable=True)  # a supervisor's reassignment


class CaseAgentState(Base):
    """What the last contact left on a case: a callback the borrower asked for, the last outcome."""

    __tablename__ = "case_agent_states"

    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    last_outcome: Mapped[str] = mapped_column(String(32))
    last_outcome_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SpecialistTeam(Base):
    """A vulnerability crm recorded (VulnerabilityRecorded): while active, the borrower's cases go to its team."""

    __tablename__ = "borrower_specialist_teams"
    __table_args__ = (Index("ix_specialist_teams_borrower", "tenant", "borrower_id"),)

    vulnerability_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    team: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactOutcome(Base):
    """A contact an agent made and what came of it (codes only: no free text, no contact data)."""

    __tablename__ = "contact_outcomes"
    __table_args__ = (Index("ix_contact_outcomes_debt", "debt_id", "recorded_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(16))
    contact_point_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    duration_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    promise_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
