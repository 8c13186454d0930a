"""The lending core's daily balances of a debt."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from debtflow.common.dates import BusinessDate
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import (
    CurrencyCode,
    NonNegativeMoney,
)
from debtflow.intake.debts.schemas import ZERO, fits_currency, not_in_future


class SnapshotIn(BaseModel):
    """The lending core's view of a debt at the end of a day."""

    model_config = ConfigDict(extra="forbid")

    loan_id: ExternalRef
    currency: CurrencyCode = "CNY"
    as_of_date: BusinessDate
    principal_outstanding: NonNegativeMoney
    interest_outstanding: NonNegativeMoney = ZERO
    penalty_interest_outstanding: NonNegativeMoney = ZERO
    fees_outstanding: NonNegativeMoney = ZERO
    first_unpaid_due_date: BusinessDate | None = Field(None, description="Null when nothing is overdue.")
    days_past_due: int | None = Field(None, ge=0, le=36_500, description="The lending core's own figure.")

    @field_validator("as_of_date")
    @classmethod
    def _as_of_not_future(cls, day: date) -> date:
        return not_in_future(day)

    @field_validator("principal_outstanding", "interest_outstanding", "penalty_interest_outstanding",
                     "fees_outstanding")
    @classmethod
    def _currency_fit(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        return fits_currency(amount, info)  # type: ignore[return-value]

    @field_validator("first_unpaid_due_date")
    @classmethod
    def _due_before_as_of(cls, due: date | None, info: ValidationInfo) -> date | None:
        as_of = info.data.get("as_of_date")
        if due is not None and as_of is not None and due > as_of:
            raise ValueError("first_unpaid_due_date must not be after as_of_date")
        return due


#: The columns a CSV batch of snapshots may have, in any order.
SNAPSHOT_CSV_COLUMNS = tuple(SnapshotIn.model_fields)
