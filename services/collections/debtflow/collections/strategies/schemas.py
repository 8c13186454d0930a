"""What the strategy and experiment API takes and returns."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from debtflow.collections.strategies.rules import Arm, Code, StrategyDefinition
from debtflow.common.text import SafeMultilineText


class StrategyVersionIn(BaseModel):
    """A new version of a strategy (a new code, or the next version of one in force)."""

    model_config = ConfigDict(extra="forbid")

    code: Code = Field(examples=["early-reminder"])
    definition: StrategyDefinition


class StrategyVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    version: int
    status: str = Field(description="draft, active, retired or rejected; built-in versions (0) are `built_in`.")
    definition: dict[str, Any]
    authored_by: str
    authored_at: datetime | None
    activated_by: str | None
    activated_at: datetime | None


class DryRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    definition: StrategyDefinition


class DryRunOut(BaseModel):
    """How the active cases would be assigned with the proposed definition in force, against now."""

    cases: int
    by_strategy_now: dict[str, int]
    by_strategy_proposed: dict[str, int]
    would_change: int
    examples: list[dict[str, Any]] = Field(description="Up to 20 cases that would change strategy.")


class ExperimentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Code = Field(examples=["m1-sms-vs-email-2026q4"])
    champion_code: Code
    arms: tuple[Arm, ...] = Field(min_length=2, max_length=5, description="The champion's arm first.")
    description: SafeMultilineText = Field("", max_length=500)


class PromotionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy_code: Code


class ExperimentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    champion_code: str
    arms: list[dict[str, Any]]
    status: str
    description: str
    created_by: str
    created_at: datetime
    started_by: str | None
    started_at: datetime | None
    stopped_at: datetime | None
    promoted_code: str | None
    promotion_requested_by: str | None


class EstimateOut(BaseModel):
    """A measure with its 95 % confidence interval (null when there is nothing to measure yet)."""

    value: float | None
    low: float | None
    high: float | None


class ArmOut(BaseModel):
    strategy_code: str
    debts: int
    exposure_at_entry: Decimal
    recovered: Decimal
    cost: Decimal
    recovery_rate: EstimateOut = Field(description="Recovered / exposure at entry.")
    cure_rate: EstimateOut = Field(description="Share of debts cured or settled.")
    promise_kept_rate: EstimateOut = Field(description="Kept promises / promises made.")
    cost_per_unit_recovered: EstimateOut
    complaints_per_1000: EstimateOut


class ComparisonOut(BaseModel):
    measure: str
    test: str
    statistic: float | None
    p_value: float | None
    significant: bool
    statement: str


class ExperimentResultsOut(BaseModel):
    experiment: ExperimentOut
    arms: list[ArmOut] = Field(description="The champion first.")
    comparisons: dict[str, list[ComparisonOut]] = Field(description="Each challenger against the champion.")
    method: str
