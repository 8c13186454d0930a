"""What lending cores post to register defaults, and what the register answers about debts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from debtflow.common.dates import BusinessDate
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import (
    MAX_AMOUNT,
    CurrencyCode,
    NonNegativeMoney,
    check_amount_fits_currency,
)
from debtflow.intake.borrowers.schemas import BorrowerIn

Product = Literal["cash_loan", "instalment_loan", "credit_line", "consumer_goods", "payday", "other"]
DebtStatus = Literal["open", "settled", "sold", "written_off"]
ZERO = Decimal("0.00")


def not_in_future(day: date) -> date:
    # One day of slack: a lending core east of UTC is already on tomorrow's date.
    if day > datetime.now(UTC).date() + timedelta(days=1):
        raise ValueError("must not be in the future")
    return day


def fits_currency(amount: Decimal | None, info: ValidationInfo) -> Decimal | None:
    currency = info.data.get("currency")
    if amount is not None and currency:
        check_amount_fits_currency(amount, currency)
    return amount


class InstalmentIn(BaseModel):
    """One unpaid instalment of the loan's schedule."""

    model_config = ConfigDict(extra="forbid")

    sequence: int = Field(ge=1, le=10_000, description="Instalment number in the loan's schedule.")
    due_date: BusinessDate
    principal: NonNegativeMoney
    interest: NonNegativeMoney = ZERO


class DefaultIn(BaseModel):
    """A defaulted loan. The calling system's token subject is its source system."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "loan_id": "LN-2026-000123", "borrower_id": "BR-88812", "product": "instalment_loan", "currency": "CNY",
            "disbursed_amount": "15000.00", "disbursed_on": "2025-08-15", "maturity_date": "2026-08-15",
            "contract_rate": "0.2400", "principal_outstanding": "12000.00", "interest_outstanding": "350.40",
            "penalty_interest_outstanding": "36.00", "fees_outstanding": "50.00",
            "first_unpaid_due_date": "2026-02-15", "as_of_date": "2026-11-27",
            "borrower": {"name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X",
                         "phones": ["+8613800138000"], "region": "Beijing", "timezone": "Asia/Shanghai"},
        }]},
    )

    loan_id: ExternalRef = Field(description="The lending core's loan id; unique per source system.")
    borrower_id: ExternalRef = Field(description="The lender's customer id (the same across its lending cores).")
    borrower: BorrowerIn | None = Field(None, description="Personal data; omit to keep what intake already holds.")
    product: Product | None = None
    currency: CurrencyCode = Field("CNY", description="ISO 4217 code; debtflow holds two decimals.")
    as_of_date: BusinessDate = Field(description="The date the balances below are valid for.")
    disbursed_amount: NonNegativeMoney | None = None
    disbursed_on: BusinessDate | None = None
    maturity_date: BusinessDate | None = None
    contract_rate: Decimal | None = Field(None, ge=0, le=10, max_digits=9, decimal_places=6,
                                          description="Annual contract rate as a fraction: 0.24 is 24%.")
    principal_outstanding: NonNegativeMoney
    interest_outstanding: NonNegativeMoney = ZERO
    penalty_interest_outstanding: NonNegativeMoney = ZERO
    fees_outstanding: NonNegativeMoney = ZERO
    first_unpaid_due_date: BusinessDate = Field(description="Due date of the oldest unpaid instalment.")
    instalments: list[InstalmentIn] = Field(default_factory=list, max_length=600,
                                            description="The unpaid instalments, if the lending core has them.")
    collateralised: bool = False
    guaranteed: bool = False

    @field_validator("as_of_date")
    @classmethod
    def _as_of_not_future(cls, day: date) -> date:
        return not_in_future(day)

    @field_validator("disbursed_amount", "principal_outstanding", "interest_outstanding",
                     "penalty_interest_outstanding", "fees_outstanding")
    @classmethod
    def _currency_fit(cls, amount: Decimal | None, info: ValidationInfo) -> Decimal | None:
        return fits_currency(amount, info)

    @field_validator("contract_rate")
    @classmethod
    def _six_places(cls, rate: Decimal | None) -> Decimal | None:
        # Stored as NUMERIC(9, 6): answer with the same digits whether just posted or read back later.
        return rate.quantize(Decimal("0.000001")) if rate is not None else None

    @field_validator("disbursed_on")
    @classmethod
    def _disbursed_before_as_of(cls, disbursed: date | None, info: ValidationInfo) -> date | None:
        as_of = info.data.get("as_of_date")
        if disbursed is not None and as_of is not None and disbursed > as_of:
            raise ValueError("disbursed_on must not be after as_of_date")
        return disbursed

    @field_validator("maturity_date")
    @classmethod
    def _matures_after_disbursement(cls, maturity: date | None, info: ValidationInfo) -> date | None:
        disbursed = info.data.get("disbursed_on")
        if maturity is not None and disbursed is not None and maturity <= disbursed:
            raise ValueError("maturity_date must be after disbursed_on (disbursement after maturity)")
        return maturity

    @field_validator("principal_outstanding")
    @classmethod
    def _within_disbursed(cls, principal: Decimal, info: ValidationInfo) -> Decimal:
        disbursed = info.data.get("disbursed_amount")
        if disbursed is not None and principal > disbursed:
            raise ValueError("principal_outstanding must not exceed disbursed_amount")
        return principal

    @field_validator("first_unpaid_due_date")
    @classmethod
    def _due_before_as_of(cls, due: date, info: ValidationInfo) -> date:
        as_of = info.data.get("as_of_date")
        if as_of is not None and due > as_of:
            raise ValueError("first_unpaid_due_date must not be after as_of_date (the loan is not overdue yet)")
        return due

    @field_validator("instalments")
    @classmethod
    def _schedule(cls, instalments: list[InstalmentIn], info: ValidationInfo) -> list[InstalmentIn]:
        if not instalments:
            return instalments
        if len({instalment.sequence for instalment in instalments}) != len(instalments):
            raise ValueError("instalment sequences must be unique")
        oldest = min(instalment.due_date for instalment in instalments)
        if info.data.get("first_unpaid_due_date") not in (None, oldest):
            raise ValueError(f"the oldest unpaid instalment is due {oldest}, not on first_unpaid_due_date")
        principal = info.data.get("principal_outstanding")
        if principal is not None and sum(instalment.principal for instalment in instalments) > principal:
            raise ValueError("the instalments' principal adds up to more than principal_outstanding")
        currency = info.data.get("currency")
        for instalment in instalments:
            if currency:
                check_amount_fits_currency(instalment.principal, currency)
                check_amount_fits_currency(instalment.interest, currency)
        return sorted(instalments, key=lambda instalment: (instalment.due_date, instalment.sequence))

    @model_validator(mode="after")
    def _something_owed(self) -> DefaultIn:
        total = self.total_outstanding
        if total <= 0:
            raise ValueError("a default must have something outstanding: the balances sum to zero")
        if total >= MAX_AMOUNT:
            raise ValueError("the balances together exceed the largest amount debtflow holds (16 integer digits)")
        return self

    @property
    def total_outstanding(self) -> Decimal:
        return (self.principal_outstanding + self.interest_outstanding + self.penalty_interest_outstanding
                + self.fees_outstanding)


class DebtOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    source_system: str
    loan_id: str
    borrower_id: str
    product: str | None
    currency: str
    disbursed_amount: NonNegativeMoney | None
    disbursed_on: date | None
    maturity_date: date | None
    contract_rate: Decimal | None
    principal_outstanding: NonNegativeMoney
    interest_outstanding: NonNegativeMoney
    penalty_interest_outstanding: NonNegativeMoney
    fees_outstanding: NonNegativeMoney
    total_outstanding: NonNegativeMoney
    credit_balance: NonNegativeMoney = Field(description="Overpayments held for the borrower.")
    recovered_after_disposal: NonNegativeMoney
    first_unpaid_due_date: date | None
    as_of_date: date
    collateralised: bool
    guaranteed: bool
    status: DebtStatus
    version: int
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, debt: Any) -> DebtOut:
        return cls.model_validate(debt)


class HistoryEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    cause: str
    cause_ref: str | None
    principal_outstanding: NonNegativeMoney
    interest_outstanding: NonNegativeMoney
    penalty_interest_outstanding: NonNegativeMoney
    fees_outstanding: NonNegativeMoney
    credit_balance: NonNegativeMoney
    total_change: Decimal = Field(description="Signed change of the total owed caused by this entry.")
    first_unpaid_due_date: date | None
    status: DebtStatus
    occurred_at: datetime


#: The columns a CSV batch of defaults may have, in any order (borrower_* columns form the borrower).
DEFAULT_CSV_COLUMNS = (
    "loan_id", "borrower_id", "product", "currency", "as_of_date", "disbursed_amount", "disbursed_on",
    "maturity_date", "contract_rate", "principal_outstanding", "interest_outstanding",
    "penalty_interest_outstanding", "fees_outstanding", "first_unpaid_due_date", "collateralised", "guaranteed",
    "borrower_name", "borrower_id_type", "borrower_id_number", "borrower_phones", "borrower_emails",
    "borrower_address", "borrower_region", "borrower_timezone", "borrower_date_of_birth",
)
_LIST_COLUMNS = {"phones", "emails"}  # several values in one cell, separated by ";"


def default_from_csv(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the JSON a default would be: `borrower_*` columns form the borrower; empty cells are absent."""
    item: dict[str, Any] = {}
    borrower: dict[str, Any] = {}
    for column, cell in row.items():
        value = cell.strip()
        if not value:
            continue
        if column.startswith("borrower_") and column != "borrower_id":
            name = column.removeprefix("borrower_")
            borrower[name] = [part.strip() for part in value.split(";") if part.strip()] if name in _LIST_COLUMNS \
                else value
        else:
            item[column] = value
    if borrower:
        item["borrower"] = borrower
    return item
