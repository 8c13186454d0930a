"""Events produced by intake, the debt register."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from typing import Annotated

from pydantic import AwareDatetime, StringConstraints

from debtflow.common.events.base import EventPayload, event
from debtflow.common.money import CurrencyCode, NonNegativeMoney

#: A lending-core reference (loan or borrower id): opaque, never a name, phone or identity number.
ExternalRef = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")]


@event("debtflow.debt.registered.v1", producer="intake")
class DebtRegistered(EventPayload):
    """A defaulted loan entered the debt register. Emitted once per (source system, loan id)."""

    debt_id: UUID
    borrower_id: ExternalRef
    source_system: ExternalRef
    loan_id: ExternalRef
    currency: CurrencyCode
    principal_outstanding: NonNegativeMoney
    interest_outstanding: NonNegativeMoney
    fees_outstanding: NonNegativeMoney
    total_outstanding: NonNegativeMoney
    first_unpaid_due_date: date
    as_of_date: date
    registered_at: AwareDatetime
