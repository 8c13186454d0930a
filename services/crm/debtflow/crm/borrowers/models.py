"""crm's borrower profiles: who the borrower is, per tenant, with personal data encrypted at rest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.common.db import BIG_ID, UTCDateTime
from debtflow.crm.models import Base


class BorrowerProfile(Base):
    """A borrower as intake last described them (its borrower events); a lender's customer number is unique
    within the lender (tenant) only. Personal fields are AES-GCM tokens under the context `crm.borrower`."""

    __tablename__ = "borrower_profiles"
    __table_args__ = (UniqueConstraint("tenant", "borrower_id", name="uq_borrower_profiles_tenant_borrower"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    id_type: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    name_enc: Mapped[str | None] = mapped_column(Text)
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    date_of_birth_enc: Mapped[str | None] = mapped_column(Text)
    #: The version of intake's borrower event last applied: an older event arriving late changes nothing.
    intake_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
