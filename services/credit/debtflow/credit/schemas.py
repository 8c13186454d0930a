"""Credit's API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.money import NonNegativeMoney


class SliceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    label: str
    debts: int
    exposure: NonNegativeMoney


class CurrencySummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    currency: str
    debts: int
    exposure: NonNegativeMoney
    by_dpd_bucket: list[SliceOut]
    by_five_tier_class: list[SliceOut]


class PortfolioSummaryOut(BaseModel):
    generated_at: datetime
    debts: int = Field(description="All debts held, in every currency.")
    by_currency: list[CurrencySummaryOut] = Field(description="Exposure is summed per currency, never across.")
