"""The preferences and consent tables: the current preferences with every change kept, consent as an append-only log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import BIG_ID, UTCDateTime
from debtflow.crm.models import Base


class ContactPreferences(Base):
    """How the borrower prefers to be contacted; `version` counts the changes (each kept in preference_changes)."""

    __tablename__ = "contact_preferences"
    __table_args__ = (UniqueConstraint("tenant", "borrower_id", name="uq_contact_preferences_borrower"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    #: [{"weekdays": [1..7], "start": "HH:MM", "end": "HH:MM"}] in the borrower's time zone.
    preferred_times: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    opted_out_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PreferenceChange(Base):
    """One change of a borrower's preferences: the whole state after it, who, when and why. Append-only."""

    __tablename__ = "preference_changes"
    __table_args__ = (Index("ix_preference_changes_borrower", "tenant", "borrower_id", "version"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsentRecord(Base):
    """Consent given or withdrawn for one purpose, with its legal basis (PIPL art. 13-16); the latest record of a
    purpose is the borrower's current position. Append-only: a withdrawal is a new record."""

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consents_borrower_purpose", "tenant", "borrower_id", "purpose", "recorded_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(32))
    legal_basis: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # given, withdrawn
    channel: Mapped[str] = mapped_column(String(16))
    evidence_ref: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
