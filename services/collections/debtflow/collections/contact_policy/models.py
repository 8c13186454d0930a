"""The contact policy's tables: holds from crm, each borrower's context, the attempts caps count, the decision audit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.models import Base
from debtflow.common.db import BIG_ID, UTCDateTime


class ContactHold(Base):
    """A dispute, hardship, complaint pause, restriction, circumstance or vulnerability crm recorded, while it lasts.
    `debt_id` null: every debt of the borrower. In force from `starts_at` (when collections received it, or later
    when it starts later) until `ends_at`."""

    __tablename__ = "contact_holds"
    __table_args__ = (Index("ix_contact_holds_borrower", "borrower_id", "tenant"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    #: Which crm record it comes from ("dispute:<id>", "restriction:cease_contact:<debt>:<channels>"): its later
    #: events (resolved, lifted, ended) find it by this.
    source_key: Mapped[str] = mapped_column(String(200))
    channels: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    detail: Mapped[str | None] = mapped_column(String(32), nullable=True)
    allowed_times: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    contact_point_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The crm event's own time of the last change applied: an older event arriving late changes nothing.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactBorrower(Base):
    """What the policy knows of a borrower besides holds: time zone and region (intake), preferences and consent
    (crm). No personal data."""

    __tablename__ = "contact_borrowers"
    __table_args__ = (Index("ix_contact_borrowers_borrower", "borrower_id", "tenant"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    intake_version: Mapped[int] = mapped_column(Integer, default=0)
    preferences_version: Mapped[int] = mapped_column(Integer, default=0)
    opted_out_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_times: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    collection_consent: Mapped[str | None] = mapped_column(String(16), nullable=True)   # given | withdrawn
    collection_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    third_party_consent: Mapped[str | None] = mapped_column(String(16), nullable=True)
    third_party_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactAttempt(Base):
    """A contact that happened: what the frequency caps count, across the lender and every agency."""

    __tablename__ = "contact_attempts"
    __table_args__ = (Index("ix_contact_attempts_borrower_at", "borrower_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    borrower_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    contact_point_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    party: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(String(64), nullable=True)
    connected: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactDecisionRecord(Base):
    """Every decision the policy took, for audit: the proposal, the outcome and the rule. No personal data."""

    __tablename__ = "contact_decisions"
    __table_args__ = (Index("ix_contact_decisions_decided", "decided_at", "id"),
                      Index("ix_contact_decisions_debt", "debt_id", "decided_at"),
                      Index("ix_contact_decisions_borrower", "borrower_id", "decided_at"))

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str | None] = mapped_column(String(64), nullable=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    borrower_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(16))
    contact_point_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    agency: Mapped[str | None] = mapped_column(String(64), nullable=True)
    collectors: Mapped[int] = mapped_column(Integer)
    email_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    connected: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(String(400))
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    action_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    #: Who logged the contact (normalised identity), for agents' and agencies' contacts; null for the system.
    actor_subject: Mapped[str | None] = mapped_column(String(128), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
