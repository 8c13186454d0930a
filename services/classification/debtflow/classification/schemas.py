"""Classification's API shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.events.classification import FiveTierClass
from debtflow.common.money import NonNegativeMoney
from debtflow.common.totals import MoneyTotal


class ClassificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    debt_id: uuid.UUID
    borrower_id: str
    as_of_date: date = Field(description="The day this classification is for.")
    status: Literal["open", "settled", "sold", "written_off"]
    days_past_due: int
    dpd_bucket: str
    five_tier_class: FiveTierClass
    ifrs9_stage: Literal[1, 2, 3]
    default_flag: bool
    overdue_type: str
    priority_score: NonNegativeMoney = Field(description="Expected recoverable value weighted for urgency.")
    priority_tier: Literal["P1", "P2", "P3", "P4"]
    reason_codes: list[str]
    exposure: NonNegativeMoney
    currency: str
    ruleset_version: str
    next_change_on: date | None = Field(description="When time alone next changes the classification.")
    registered_at: datetime | None
    first_classified_at: datetime
    classified_at: datetime


class RankedDebt(BaseModel):
    rank: int
    debt_id: uuid.UUID
    borrower_id: str
    currency: str
    priority_score: NonNegativeMoney
    priority_tier: str
    dpd_bucket: str
    five_tier_class: str
    exposure: NonNegativeMoney


class PriorityPage(BaseModel):
    debts: list[RankedDebt]
    next_cursor: str | None


class RuleSetIn(BaseModel):
    """A new rule set version; send it as JSON or YAML. Any threshold left out takes its built-in value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "version": "2026.2", "description": "Stage 2 from 15 days past due",
        "rules": {"ifrs9": {"stage2_after_days": 15}},
    }]})

    version: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    description: str | None = Field(None, max_length=2000)
    rules: dict[str, Any] = Field(description="The rule set document (see the RuleSet schema in the docs).")


class RuleSetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: str
    status: Literal["draft", "active", "retired"]
    description: str | None
    author: str
    created_at: datetime
    activated_by: str | None
    activated_at: datetime | None
    document: dict[str, Any]


class DryRunOut(BaseModel):
    ruleset_version: str
    as_of_date: date
    examined: int
    changes: dict[str, int] = Field(description="How many open debts would change, per dimension.")
    examples: list[dict[str, Any]]


class ActivationOut(BaseModel):
    ruleset: RuleSetOut
    debts_due_for_reclassification: int


class ReageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of_date: date | None = Field(None, description="Default: today in the business time zone.")


class ReageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    as_of_date: date
    ruleset_version: str
    examined: int = Field(description="Debts whose next change was due.")
    changed: int = Field(description="Debts with news (a debt.classified event each).")
    started_at: datetime
    finished_at: datetime


class Slice(BaseModel):
    label: str
    debts: int
    exposure: MoneyTotal


class CurrencyPortfolio(BaseModel):
    currency: str
    debts: int
    exposure: MoneyTotal
    dpd_bucket: list[Slice]
    five_tier_class: list[Slice]
    ifrs9_stage: list[Slice]
    overdue_type: list[Slice]
    priority_tier: list[Slice]


class PortfolioOut(BaseModel):
    generated_at: datetime
    by_currency: list[CurrencyPortfolio] = Field(description="Open debts; amounts never summed across currencies.")


class RollMatrixOut(BaseModel):
    from_month_end: date
    to_month_end: date
    counts: dict[str, dict[str, int]] = Field(description="from bucket -> to bucket -> debts")
    rates: dict[str, dict[str, Decimal]] = Field(description="The same, as shares of each from-bucket (4 decimals).")


class RollRatesOut(BaseModel):
    months: list[RollMatrixOut]


class SlaBreach(BaseModel):
    debt_id: uuid.UUID
    registered_at: datetime | None
    first_classified_at: datetime | None
    days_to_classify: float | None


class SlaOut(BaseModel):
    target_days: int
    classified: int
    breached: int = Field(description="Classified later than the target after their default was reported.")
    waiting_past_target: int = Field(description="Reported longer ago than the target and not classified yet.")
    median_hours: float | None
    p95_hours: float | None
    breaches: list[SlaBreach]
