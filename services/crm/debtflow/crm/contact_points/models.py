"""The contact points table (one row per phone, email or address, as it stands now) and its revisions (one row per
change, the full state after it, encrypted): a correction never overwrites what was known before."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import BIG_ID, UTCDateTime
from debtflow.crm.models import Base


class ContactPoint(Base):
    """A way to reach a borrower (or a third party about them). The value is an AES-GCM token under the context
    `crm.contact_point.<kind>`; `lookup_hash` (keyed, context `<kind>`) matches a value without decrypting it.
    Never deleted: a lending-core contact point the core stops listing is retired."""

    __tablename__ = "contact_points"
    __table_args__ = (
        Index("ix_contact_points_tenant_borrower", "tenant", "borrower_id", "status"),
        Index("ix_contact_points_lookup", "tenant", "kind", "lookup_hash"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # phone, email, address
    value_enc: Mapped[str] = mapped_column(Text)
    lookup_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # lending_core, borrower, agent
    belongs_to: Mapped[str] = mapped_column(String(16))  # borrower, third_party
    #: For a third party: emergency_contact, family, employer, other.
    relationship: Mapped[str | None] = mapped_column(String(32))
    verification: Mapped[str] = mapped_column(String(16))  # unverified, verified, failed
    last_successful_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    do_not_use: Mapped[bool] = mapped_column(Boolean)
    do_not_use_reason: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # active, retired
    #: The number of changes so far, the last revision's number: a change is a new revision, in order.
    revision: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactPointRevision(Base):
    """One change of a contact point: what changed, who, when, why, and the full state after it (JSON, encrypted
    under `crm.contact_point.revision`: it holds the value)."""

    __tablename__ = "contact_point_revisions"
    __table_args__ = (UniqueConstraint("contact_point_id", "revision", name="uq_contact_point_revisions_revision"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    contact_point_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("contact_points.id"))
    revision: Mapped[int] = mapped_column(Integer)
    changes: Mapped[list[str]] = mapped_column(JSON)
    state_enc: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(128))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
