"""Intake's API shapes: defaults, borrowers, payments and snapshots as lending cores post them, and the answers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from debtflow.common.clock import TimeZoneName
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import (
    MAX_AMOUNT,
    CurrencyCode,
    NonNegativeMoney,
    check_amount_fits_currency,
)
from debtflow.common.pii import check_email, check_phone, check_resident_id

Product = Literal["cash_loan", "instalment_loan", "credit_line", "consumer_goods", "payday", "other"]
IdType = Literal["resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident", "other"]
DebtStatus = Literal["open", "settled", "sold", "written_off"]
Channel = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")]
ReasonCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
ZERO = Decimal("0.00")


def _not_future(day: date) -> date:
    # One day of slack: a lending core east of UTC is already on tomorrow's date.
    if day > datetime.now(UTC).date() + timedelta(days=1):
        raise ValueError("must not be in the future")
    return day


def _fits(amount: Decimal | None, info: ValidationInfo) -> Decimal | None:
    currency = info.data.get("currency")
    if amount is not None and currency:
        check_amount_fits_currency(amount, currency)
    return amount


class BorrowerIn(BaseModel):
    """The borrower's personal data. Stored encrypted; answered masked unless the caller has `pii:read`."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=100)
    id_type: IdType | None = Field(None, description="`resident_id` numbers are checked against GB 11643.")
    id_number: str | None = Field(None, min_length=5, max_length=32)
    phones: list[str] = Field(default_factory=list, max_length=5, description="E.164, e.g. +8613800138000")
    emails: list[str] = Field(default_factory=list, max_length=5)
    address: str | None = Field(None, min_length=1, max_length=300)
    region: str | None = Field(None, min_length=1, max_length=64, description="Province or region (not secret).")
    timezone: TimeZoneName | None = Field(None, description="IANA time zone, used for contact hours, e.g. Asia/Shanghai.")
    date_of_birth: date | None = None

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, number: str | None, info: ValidationInfo) -> str | None:
        if number is None:
            return None
        if info.data.get("id_type") in (None, "resident_id"):
            return check_resident_id(number)
        if not number.isalnum():
            raise ValueError("an identity document number has letters and digits only")
        return number.upper()

    @field_validator("phones")
    @classmethod
    def _phones(cls, phones: list[str]) -> list[str]:
        return list(dict.fromkeys(check_phone(phone) for phone in phones))

    @field_validator("emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        return list(dict.fromkeys(check_email(email) for email in emails))

    @field_validator("date_of_birth")
    @classmethod
    def _birth(cls, born: date | None) -> date | None:
        if born is not None and not date(1900, 1, 1) <= born <= datetime.now(UTC).date():
            raise ValueError("must be a real date of birth in the past")
        return born


class InstalmentIn(BaseModel):
    """One unpaid instalment of the loan's schedule."""

    model_config = ConfigDict(extra="forbid")

    sequence: int = Field(ge=1, le=10_000, description="Instalment number in the loan's schedule.")
    due_date: date
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
    as_of_date: date = Field(description="The date the balances below are valid for.")
    disbursed_amount: NonNegativeMoney | None = None
    disbursed_on: date | None = None
    maturity_date: date | None = None
    contract_rate: Decimal | None = Field(None, ge=0, le=10, max_digits=9, decimal_places=6,
                                          description="Annual contract rate as a fraction: 0.24 is 24%.")
    principal_outstanding: NonNegativeMoney
    interest_outstanding: NonNegativeMoney = ZERO
    penalty_interest_outstanding: NonNegativeMoney = ZERO
    fees_outstanding: NonNegativeMoney = ZERO
    first_unpaid_due_date: date = Field(description="Due date of the oldest unpaid instalment.")
    instalments: list[InstalmentIn] = Field(default_factory=list, max_length=600,
                                            description="The unpaid instalments, if the lending core has them.")
    collateralised: bool = False
    guaranteed: bool = False

    @field_validator("as_of_date")
    @classmethod
    def _as_of_not_future(cls, day: date) -> date:
        return _not_future(day)

    @field_validator("disbursed_amount", "principal_outstanding", "interest_outstanding",
                     "penalty_interest_outstanding", "fees_outstanding")
    @classmethod
    def _currency_fit(cls, amount: Decimal | None, info: ValidationInfo) -> Decimal | None:
        return _fits(amount, info)

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


class DebtPage(BaseModel):
    debts: list[DebtOut]
    next_cursor: str | None = Field(description="Pass as `after` for the next page; null on the last one.")


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


class BorrowerOut(BaseModel):
    """Personal fields are masked (e.g. `110***********002X`) unless the caller holds `pii:read`."""

    borrower_id: str
    source_system: str
    masked: bool
    name: str | None
    id_type: str | None
    id_number: str | None
    phones: list[str]
    emails: list[str]
    address: str | None
    date_of_birth: str | None
    region: str | None
    timezone: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class BorrowerSearchIn(BaseModel):
    """Exactly one way to find a borrower; sent in a body so personal data never sits in a URL or access log."""

    model_config = ConfigDict(extra="forbid")

    id_number: str | None = Field(None, min_length=5, max_length=32)
    phone: str | None = None
    email: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> BorrowerSearchIn:
        if sum(value is not None for value in (self.id_number, self.phone, self.email)) != 1:
            raise ValueError("give exactly one of id_number, phone, email")
        if self.phone is not None:
            self.phone = check_phone(self.phone)
        if self.email is not None:
            self.email = check_email(self.email)
        return self


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "payment_id": "PAY-20261128-0001", "loan_id": "LN-2026-000123", "amount": "500.00", "currency": "CNY",
        "paid_at": "2026-11-28T09:15:00+08:00", "channel": "bank_transfer",
    }]})

    payment_id: ExternalRef = Field(description="The lending core's payment id; unique per source system.")
    loan_id: ExternalRef
    currency: CurrencyCode = "CNY"
    amount: NonNegativeMoney
    paid_at: AwareDatetime
    channel: Channel = Field(description="How it was paid, e.g. `bank_transfer`, `wechat_pay`, `alipay`, `card`.")

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        if amount <= 0:
            raise ValueError("a payment must be greater than zero")
        return _fits(amount, info)  # type: ignore[return-value]

    @field_validator("paid_at")
    @classmethod
    def _not_future(cls, paid_at: datetime) -> datetime:
        if paid_at > datetime.now(UTC) + timedelta(minutes=5):
            raise ValueError("must not be in the future")
        return paid_at


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    payment_id: str = Field(validation_alias="external_id")
    debt_id: uuid.UUID
    amount: NonNegativeMoney
    currency: str
    paid_at: datetime
    channel: str
    applied_penalty_interest: NonNegativeMoney
    applied_fees: NonNegativeMoney
    applied_interest: NonNegativeMoney
    applied_principal: NonNegativeMoney
    credit: NonNegativeMoney = Field(description="The part of the payment beyond what was owed.")
    post_disposal: bool
    status: Literal["applied", "reversed"]
    reversal_reason: str | None
    reversed_at: datetime | None
    received_at: datetime


class ReversalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason_code: ReasonCode = Field(description="e.g. `bounced`, `chargeback`, `posted_in_error`.")


class SnapshotIn(BaseModel):
    """The lending core's view of a debt at the end of a day."""

    model_config = ConfigDict(extra="forbid")

    loan_id: ExternalRef
    currency: CurrencyCode = "CNY"
    as_of_date: date
    principal_outstanding: NonNegativeMoney
    interest_outstanding: NonNegativeMoney = ZERO
    penalty_interest_outstanding: NonNegativeMoney = ZERO
    fees_outstanding: NonNegativeMoney = ZERO
    first_unpaid_due_date: date | None = Field(None, description="Null when nothing is overdue.")
    days_past_due: int | None = Field(None, ge=0, le=36_500, description="The lending core's own figure.")

    @field_validator("as_of_date")
    @classmethod
    def _as_of_not_future(cls, day: date) -> date:
        return _not_future(day)

    @field_validator("principal_outstanding", "interest_outstanding", "penalty_interest_outstanding",
                     "fees_outstanding")
    @classmethod
    def _currency_fit(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        return _fits(amount, info)  # type: ignore[return-value]

    @field_validator("first_unpaid_due_date")
    @classmethod
    def _due_before_as_of(cls, due: date | None, info: ValidationInfo) -> date | None:
        as_of = info.data.get("as_of_date")
        if due is not None and as_of is not None and due > as_of:
            raise ValueError("first_unpaid_due_date must not be after as_of_date")
        return due


class ItemResult(BaseModel):
    """The fate of one batch item: `line` is its line (NDJSON, CSV) or 1-based position (JSON array)."""

    line: int
    key: str | None = Field(None, description="The item's loan or payment id, when it could be read.")
    outcome: Literal["created", "updated", "unchanged", "recorded", "rejected"]
    id: uuid.UUID | None = None
    problem: dict[str, Any] | None = None


class BatchOut(BaseModel):
    received: int
    outcomes: dict[str, int] = Field(description="How many items ended in each outcome.")
    results: list[ItemResult]
