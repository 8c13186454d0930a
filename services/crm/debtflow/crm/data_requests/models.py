"""The data-subject requests table: each export and each correction request, who handled it and how it ended."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.crm.models import Base


class DataSubjectRequest(Base):
    """A borrower asked to see their data (export) or to have it corrected (correction). Append-only: the record
    an auditor reads to show each request was answered. `detail` names what a correction changed (field names,
    contact point revisions, record ids), never a value: the audit trail must not be a second copy of the data."""

    __tablename__ = "data_subject_requests"
    __table_args__ = (Index("ix_data_subject_requests_borrower", "tenant", "borrower_id", "requested_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # export, correction
    #: The staff member who handled it (their normalised identity).
    requested_by: Mapped[str] = mapped_column(String(128))
    #: When the borrower asked (a letter may have arrived before it was recorded).
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: How the borrower asked: call, letter, email, ...
    channel: Mapped[str] = mapped_column(String(16))
    #: The request's reference number (the letter's, the regulator's case), when it has one.
    reference: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # completed, refused
    reason: Mapped[str | None] = mapped_column(Text)
