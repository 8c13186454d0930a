"""Borrowers, their personal data encrypted, and keyed hashes of their contact data for exact search."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.intake.models import Base


class Borrower(Base):
    """A borrower as the lending core knows them. Personal data is stored only encrypted (`*_enc`)."""

    __tablename__ = "borrowers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)  # the lender's customer id
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
