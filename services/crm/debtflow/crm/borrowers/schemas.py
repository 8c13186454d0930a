"""What the borrower profile API answers (personal fields masked without `pii:read`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from debtflow.crm.contact_points.schemas import ContactPointOut


class BorrowerProfileOut(BaseModel):
    """The borrower as intake last described them, with their active contact points. Name, identity number, date
    of birth and contact values are masked (e.g. `张**`, `110***********002X`) unless the caller holds `pii:read`."""

    borrower_id: str
    tenant: str
    masked: bool
    name: str | None
    id_type: str | None
    id_number: str | None
    date_of_birth: str | None
    region: str | None
    timezone: str | None
    intake_version: int
    created_at: datetime
    updated_at: datetime
    contact_points: list[ContactPointOut]
