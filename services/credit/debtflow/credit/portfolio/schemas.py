"""Credit's API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.totals import MoneyTotal


class SliceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    label: str
    debts: int
    exposure: MoneyTotal


class CurrencySummaryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    currency: str
    debts: int = Field(description="Open debts.")
    exposure: MoneyTotal = Field(description="What the open debts owe now (after payments).")
    by_dpd_bucket: list[SliceOut] = Field(description="Open debts only.")
    by_five_tier_class: list[SliceOut] = Field(description="Open debts only.")
    closed: dict[str, int] = Field(description="Debts no longer open, counted by status (settled, sold, written_off).")


class PortfolioSummaryOut(BaseModel):
    generated_at: datetime
    debts: int = Field(description="All debts held, in every currency.")
    by_currency: list[CurrencySummaryOut] = Field(description="Exposure is summed per currency, never across.")
