"""Settings of the agents, promises and arrangements capabilities (`DEBTFLOW_COLLECTIONS_*`)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from debtflow.common.clock import TimeZoneName
from debtflow.common.settings import ServiceSettings

_LENDER_POLICY = ("The lender's own credit policy (delegated authority for concessions), not a regulation: set it "
                  "to what the lender's board approved.")


class AgentSettings(ServiceSettings):
    """Claims, promises, and the discount authority of each role. Fields only: CollectionsSettings has them."""

    agent_claim_minutes: int = Field(
        30, ge=1, le=24 * 60,
        description="How long a collector's claim on a case holds before anyone else may take it.")
    agent_worklist_max: int = Field(
        50, ge=1, le=500, description="Most cases one worklist request answers.")
    agent_team_by_bucket: dict[str, str] = Field(
        {"M1": "early", "M2": "early", "M3": "mid", "M4": "mid", "M5": "late", "M6": "late", "M6+": "late",
         "default": "general"},
        description="The team whose queue a case is in, by its DPD bucket (`default` for buckets not named); a "
        "vulnerable borrower's cases go to the specialist team crm names instead.")
    agent_high_value_exposure: Decimal = Field(
        Decimal("50000.00"), ge=0,
        description="Cases of at least this exposure go only to collectors with the `high_value` skill. "
        + _LENDER_POLICY)
    agent_callback_max_days: int = Field(
        30, ge=1, le=365, description="How far ahead a borrower may ask to be called back.")
    promise_grace_days: int = Field(
        3, ge=0, le=60,
        description="Days after a promise's due date a payment still keeps it (payments take days to reach the "
        "lending core). " + _LENDER_POLICY)
    promise_max_days: int = Field(
        60, ge=1, le=366, description="How far ahead a promise to pay may fall due. " + _LENDER_POLICY)
    promise_timezone: TimeZoneName = Field(
        "Asia/Shanghai",
        description="The calendar in which promise and instalment due dates end (a date is kept until its end).")
    plan_grace_days: int = Field(
        5, ge=0, le=60,
        description="Days after an instalment's (or a settlement's) due date before it counts as missed and the "
        "arrangement breached. " + _LENDER_POLICY)
    plan_max_instalments: int = Field(
        36, ge=1, le=120, description="Most instalments in a payment plan. " + _LENDER_POLICY)
    discount_collector_max_percent: Decimal = Field(
        Decimal("10"), ge=0, le=100,
        description="Largest discount (percent of the balance) a collector grants alone. " + _LENDER_POLICY)
    discount_supervisor_max_percent: Decimal = Field(
        Decimal("30"), ge=0, le=100,
        description="Largest discount one supervisor grants; above it two different supervisors must (maker-"
        "checker). " + _LENDER_POLICY)
    discount_ceiling_percent: Decimal = Field(
        Decimal("70"), ge=0, le=100,
        description="No discount above this is ever granted, whoever approves. " + _LENDER_POLICY)
    arrangement_check_interval_seconds: float = Field(
        600.0, gt=0, le=86400,
        description="How often collections looks for promises, instalments and settlements past due and grace.")

    @model_validator(mode="after")
    def _limits_ordered(self) -> AgentSettings:
        if not (self.discount_collector_max_percent <= self.discount_supervisor_max_percent
                <= self.discount_ceiling_percent):
            raise ValueError("discount limits must rise: collector <= supervisor <= ceiling")
        if not self.agent_team_by_bucket.get("default"):
            raise ValueError("agent_team_by_bucket needs a `default` team")
        return self
