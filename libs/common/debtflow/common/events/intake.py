"""Events produced by intake, the debt register: debts, balances, payments and borrowers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from debtflow.common.events.base import EventPayload, event
from debtflow.common.money import CurrencyCode, Money, NonNegativeMoney

__all__ = [
    "BalanceSnapshot",
    "BorrowerRegistered",
    "BorrowerUpdated",
    "DebtRegistered",
    "DebtUpdated",
    "EncryptedPersonalData",
    "PaymentAllocation",
    "PaymentReceived",
    "PaymentReversed",
]


#: A lending-core reference (loan, borrower or payment id): opaque, never a name, phone or identity number.
ExternalRef = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")]
DebtStatus = Literal["open", "settled", "sold", "written_off"]
ZERO = Decimal("0.00")


class BalanceSnapshot(BaseModel):
    """A debt's balances at one moment; `total` is what the borrower owes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    principal: NonNegativeMoney
    interest: NonNegativeMoney
    penalty_interest: NonNegativeMoney
    fees: NonNegativeMoney
    total: NonNegativeMoney
    credit: NonNegativeMoney = Field(ZERO, description="Overpayments held for the borrower (never lost).")


class PaymentAllocation(BaseModel):
    """How a payment was applied by the waterfall; `credit` is the overpayment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    penalty_interest: Money
    fees: Money
    interest: Money
    principal: Money
    credit: Money


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
    penalty_interest_outstanding: NonNegativeMoney = ZERO
    product: str | None = Field(None, max_length=32)
    version: int = Field(1, ge=1, description="The debt's version; every later change increments it.")


@event("debtflow.debt.updated.v1", producer="intake")
class DebtUpdated(EventPayload):
    """A registered debt's balances or status changed (newer default, lending-core snapshot, or disposal)."""

    debt_id: UUID
    borrower_id: ExternalRef
    cause: Literal["default_update", "snapshot", "disposal"]
    version: int = Field(ge=2)
    currency: CurrencyCode
    balances: BalanceSnapshot
    first_unpaid_due_date: date | None = Field(description="None once nothing is overdue any more.")
    as_of_date: date
    status: DebtStatus
    updated_at: AwareDatetime


@event("debtflow.payment.received.v1", producer="intake")
class PaymentReceived(EventPayload):
    """A lending core reported a payment; it was allocated by the waterfall (or recorded after disposal)."""

    payment_id: UUID
    lending_core_payment_id: ExternalRef
    debt_id: UUID
    borrower_id: ExternalRef
    amount: NonNegativeMoney
    currency: CurrencyCode
    paid_at: AwareDatetime
    channel: str = Field(max_length=32)
    allocation: PaymentAllocation
    post_disposal: bool = Field(description="Received after the debt was sold or written off: a recovery.")
    balances_after: BalanceSnapshot
    first_unpaid_due_date_after: date | None
    status_after: DebtStatus
    version: int = Field(ge=2)


@event("debtflow.payment.reversed.v1", producer="intake")
class PaymentReversed(EventPayload):
    """A payment was reversed (bounced, charged back, posted in error); its allocation was undone."""

    payment_id: UUID
    lending_core_payment_id: ExternalRef
    debt_id: UUID
    borrower_id: ExternalRef
    amount: NonNegativeMoney
    currency: CurrencyCode
    reversed_allocation: PaymentAllocation
    post_disposal: bool
    balances_after: BalanceSnapshot
    first_unpaid_due_date_after: date | None
    status_after: DebtStatus
    reason_code: str = Field(max_length=64)
    reversed_at: AwareDatetime
    version: int = Field(ge=2)


class EncryptedPersonalData(BaseModel):
    """Contact data as AES-GCM tokens (`v1:<key id>:<data>`): only services holding the key ring can read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    id_number: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    address: str | None = None
    date_of_birth: str | None = None


class _BorrowerEvent(EventPayload):
    borrower_id: ExternalRef
    id_type: str | None = Field(None, max_length=32)
    region: str | None = Field(None, max_length=64)
    timezone: str | None = Field(None, max_length=64)
    personal_data: EncryptedPersonalData
    version: int = Field(ge=1)

    def subject(self) -> str:
        return self.borrower_id  # borrower events are keyed by borrower, not by debt


@event("debtflow.borrower.registered.v1", producer="intake")
class BorrowerRegistered(_BorrowerEvent):
    """A borrower entered the register. Personal data travels encrypted (context `event.borrower.<field>`)."""

    registered_at: AwareDatetime


@event("debtflow.borrower.updated.v1", producer="intake")
class BorrowerUpdated(_BorrowerEvent):
    """A borrower's personal or contact data changed; carries the full new state, encrypted."""

    updated_at: AwareDatetime
