"""The contact restrictions table: each restriction from the moment it was recorded until it is lifted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import UTCDateTime
from debtflow.crm.models import Base


class ContactRestriction(Base):
    """How the borrower may be contacted, as they (or their representative) asked; active until lifted."""

    __tablename__ = "contact_restrictions"
    __table_args__ = (Index("ix_restrictions_tenant_borrower", "tenant", "borrower_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    debt_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # null: every debt of the borrower with the lender
    kind: Mapped[str] = mapped_column(String(32))
    #: The channels it covers; null: every channel.
    channels: Mapped[list[str] | None] = mapped_column(JSON)
    representative_kind: Mapped[str | None] = mapped_column(String(32))
    #: The representative's name and contact, encrypted (context `crm.representative`): personal data too.
    representative_name_enc: Mapped[str | None] = mapped_column(Text)
    representative_contact_enc: Mapped[str | None] = mapped_column(Text)
    #: stated_times_only: [{"weekdays": [1..7], "start": "HH:MM", "end": "HH:MM"}] in the borrower's time zone.
    allowed_times: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # active, lifted
    recorded_by: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(128))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lift_reason: Mapped[str | None] = mapped_column(Text)
