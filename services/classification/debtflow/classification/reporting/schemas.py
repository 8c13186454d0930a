"""What the report endpoints answer: portfolio, roll rates, SLA."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from debtflow.common.totals import MoneyTotal


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
