"""What the agency API takes and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from debtflow.common.dates import Instant
from debtflow.common.events.classification import DpdBucket
from debtflow.common.events.intake import ExternalRef
from debtflow.common.money import CurrencyCode, Money, NonNegativeMoney, parse_amount
from debtflow.common.text import SafeText


def _percent(value: Any) -> Decimal:
    rate = parse_amount(value)  # exact, at most two decimals, the same text rules as amounts
    if not Decimal(0) <= rate <= Decimal(100):
        raise PydanticCustomError("percent_range", "must be a percentage between 0 and 100")
    return rate


#: A percentage 0-100 with at most two decimals, as exact as money.
Percent = Annotated[
    Decimal, BeforeValidator(_percent), PlainSerializer(lambda rate: format(rate, "f"), return_type=str,
                                                        when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{1,3}(\.[0-9]{1,2})?$", "examples": ["15.00"],
                    "description": "A percentage from 0 to 100, at most two decimals, as a string."})]
AgencyCode = Annotated[str, Field(min_length=2, max_length=32, pattern=r"^[a-z0-9][a-z0-9-]*$",
                                  examples=["acme-recoveries"])]
Codes = Annotated[list[Annotated[str, Field(min_length=1, max_length=64,
                                             pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._+\-]*$")]], Field(max_length=64)]
PlacementStatus = Literal["active", "recalled"]
RecallReason = Literal["expired", "case_closed", "dispute", "hardship", "manual"]
AgencyOutcome = Literal["right_party_contact", "third_party", "wrong_number", "no_answer", "refused",
                        "promise_to_pay", "dispute_raised", "hardship_claimed", "callback_requested", "deceased",
                        "bankrupt"]


class CommissionTierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bucket: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^(\*|[A-Za-z0-9+\-]+)$",
                                 description="A DPD bucket (M4, M6+ ...) or `*` for every other bucket.")]
    min_age_days: int = Field(0, ge=0, le=36500, description="Days past due at placement from which it applies.")
    rate_percent: Percent


class CommissionScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tiers: list[CommissionTierIn] = Field(min_length=1, max_length=64)
    source: SafeText = Field(min_length=1, max_length=256, description="Where the rates come from: the agency "
                             "contract and its clause.", examples=["Agency agreement ACME-2026-03, schedule 2"])


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: AgencyCode
    name: SafeText = Field(min_length=1, max_length=128)
    active: bool = True
    max_placements: int = Field(ge=0, le=10_000_000, description="Most debts the agency holds at once.")
    commission_schedule: CommissionScheduleIn


class AgencyPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SafeText | None = Field(None, min_length=1, max_length=128)
    active: bool | None = None
    max_placements: int | None = Field(None, ge=0, le=10_000_000)
    commission_schedule: CommissionScheduleIn | None = Field(
        None, description="A new version of the schedule for placements from now on; placements made before "
        "keep theirs.")


class CommissionTierOut(BaseModel):
    bucket: str
    min_age_days: int
    rate_percent: Percent


class ScheduleOut(BaseModel):
    version: int
    tiers: list[CommissionTierOut]
    source: str
    created_by: str
    created_at: datetime


class AgencyOut(BaseModel):
    code: str
    name: str
    active: bool
    max_placements: int
    active_placements: int
    schedule: ScheduleOut
    created_at: datetime
    updated_at: datetime


class PlacementRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SafeText = Field(min_length=1, max_length=64)
    priority: int = Field(100, ge=0, le=1_000_000, description="Rules are tried lowest first; the first match wins.")
    active: bool = True
    buckets: list[DpdBucket] = Field(default_factory=list, max_length=32, description="Empty: any bucket.")
    currency: CurrencyCode | None = Field(None, description="Required with an exposure band: the band's currency.")
    min_exposure: NonNegativeMoney | None = Field(None, description="Exposure from (included).")
    max_exposure: NonNegativeMoney | None = Field(None, description="Exposure below (excluded).")
    regions: Codes = Field(default_factory=list, description="The borrower's region; empty: any.")
    products: Codes = Field(default_factory=list, description="The loan product; empty: any.")
    agency_codes: list[AgencyCode] = Field(default_factory=list, max_length=64,
                                           description="Agencies that may take these debts; empty: any active one.")
    placement_days: int | None = Field(None, ge=1, le=730, description="Term; default the setting's.")


class PlacementRulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    priority: int | None = Field(None, ge=0, le=1_000_000)
    agency_codes: list[AgencyCode] | None = Field(None, max_length=64)
    placement_days: int | None = Field(None, ge=1, le=730)


class PlacementRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    priority: int
    active: bool
    buckets: list[str]
    currency: str | None
    min_exposure: Money | None
    max_exposure: Money | None
    regions: list[str]
    products: list[str]
    agency_codes: list[str]
    placement_days: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_code: AgencyCode | None = Field(None, description="Default: the placement rules decide.")
    placement_days: int | None = Field(None, ge=1, le=730)


class RecallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["manual"] = "manual"


class PlacementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    debt_id: uuid.UUID
    borrower_id: str
    agency_code: str
    rule_id: uuid.UUID | None
    schedule_version: int
    commission_rate_percent: Percent
    dpd_bucket: str
    age_days: int
    exposure: Money
    currency: str
    status: PlacementStatus
    placed_by: str
    placed_at: datetime
    expires_at: datetime
    recalled_at: datetime | None
    recall_reason: str | None
    recovered: Money
    commission: Money


class PlacementRunOut(BaseModel):
    candidates: int = Field(description="Active cases no agency holds that a placement rule takes.")
    placed: int
    unplaced: int = Field(description="Candidates left because their rule's agencies had no room.")


class ContactReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["call", "sms", "email", "letter", "field_visit"]
    occurred_at: Instant
    party: Literal["borrower", "third_party", "representative"] = "borrower"
    connected: bool | None = Field(None, description="A call: was it answered.")
    collectors: int = Field(1, ge=1, le=10, description="A field visit: how many collectors went.")
    duration_seconds: int | None = Field(None, ge=0, le=86400)
    outcome: AgencyOutcome


class ContactReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    placement_id: uuid.UUID
    channel: str
    party: str
    outcome: str
    occurred_at: datetime
    reported_at: datetime


class PaymentReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: NonNegativeMoney
    currency: CurrencyCode
    paid_at: Instant
    reference: ExternalRef = Field(description="The agency's own reference for the payment.")


class PaymentReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    placement_id: uuid.UUID
    amount: Money
    currency: str
    paid_at: datetime
    reference: str
    status: Literal["reported", "reconciled"]
    payment_id: uuid.UUID | None
    reported_at: datetime


class CurrencyPerformance(BaseModel):
    currency: str
    placements: int
    placed_exposure: Money
    recovered: Money
    recovery_rate: Decimal | None = Field(description="recovered / placed exposure, 4 decimals.")
    commission_cost: Money
    cost_per_unit_recovered: Decimal | None = Field(description="commission / recovered, 4 decimals.")


class PerformanceOut(BaseModel):
    agency_code: str
    first_day: date
    last_day: date
    by_currency: list[CurrencyPerformance]
    complaints: int
    conduct_breaches: int = Field(description="Contacts the agency reported that the contact policy refused.")
