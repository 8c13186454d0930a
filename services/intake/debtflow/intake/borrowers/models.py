"""Borrowers, their personal data encrypted, and keyed hashes of their contact data for exact search."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import BIG_ID, UTCDateTime
from debtflow.intake.models import Base


class Borrower(Base):
    """A borrower as their lender knows them: one per (tenant, customer id), shared by that lender's lending cores
    and by nobody else. Personal data is stored only encrypted (`*_enc`)."""

    __tablename__ = "borrowers"
    __table_args__ = (UniqueConstraint("tenant", "external_id", name="uq_borrowers_tenant_external"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant: Mapped[str] = mapped_column(String(64))  # the lender; see docs/tenants.md
    external_id: Mapped[str] = mapped_column(String(64), index=True)  # the lender's customer id
    source_system: Mapped[str] = mapped_column(String(64))  # who first registered the borrower
    id_type: Mapped[str | None] = mapped_column(String(32))
    name_enc: Mapped[str | None] = mapped_column(Text)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phones_enc: Mapped[list[str]] = mapped_column(JSON, default=list)
    emails_enc: Mapped[list[str]] = mapped_column(JSON, default=list)
    address_enc: Mapped[str | None] = mapped_column(Text)
    date_of_birth_enc: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: Keyed hash of all personal data: tells whether a re-sent borrower changed without decrypting.
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BorrowerContactHash(Base):
    """Keyed hashes of a borrower's phones and emails, for exact lookup without decrypting anything."""

    __tablename__ = "borrower_contact_hashes"
    __table_args__ = (Index("ix_borrower_contact_lookup", "kind", "lookup_hash"),)

    borrower_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # phone | email
    lookup_hash: Mapped[str] = mapped_column(String(64), primary_key=True)


class BorrowerFieldErasure(Base):
    """Append-only: who cleared which of a borrower's fields, when and why. Clearing is never a side effect of a
    default that leaves a field out, so every blank field after a registration has a row here."""

    __tablename__ = "borrower_field_erasures"
    __table_args__ = (Index("ix_borrower_field_erasures_borrower", "borrower_id", "id"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    borrower_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("borrowers.id", ondelete="CASCADE"))
    fields: Mapped[list[str]] = mapped_column(JSON)  # field names only, never the values cleared
    reason: Mapped[str] = mapped_column(String(500))
    erased_by: Mapped[str] = mapped_column(String(128))  # the normalised identity of the staff member
    version: Mapped[int] = mapped_column(Integer)  # the borrower's version the erasure produced
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
