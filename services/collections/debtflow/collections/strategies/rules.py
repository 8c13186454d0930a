"""Strategies as data: the shape a strategy must have (validated, never code), which strategy a case's segment
takes, and the stable champion/challenger split."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from debtflow.common.events.classification import DpdBucket, FiveTierClass, OverdueType
from debtflow.common.money import NonNegativeMoney
from debtflow.common.text import SafeMultilineText, SafeText

#: What a step does: a contact through a gateway, an agent call (the worklist), a letter, a field visit, a
#: placement with an agency, or a referral to legal.
StepChannel = Literal["sms", "email", "robo_call", "call", "letter", "field_visit", "agency", "legal"]
Tone = Literal["reminder", "firm", "final_notice"]
#: Events that end a path early: the case waits for what happens next instead of going on with its steps.
Exit = Literal["paid", "promise_made", "dispute", "hardship", "restriction", "escalation"]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9-]*$")]
#: A message template's code (channels' templates, e.g. `default.reminder`) or a call script's name.
TemplateCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.\-]*$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.:\-]+$")]
#: Channels that contact the borrower (the contact policy decides each); agency and legal hand the case over.
CONTACT_CHANNELS = frozenset({"sms", "email", "robo_call", "call", "letter", "field_visit"})


class Segment(BaseModel):
    """Which cases a strategy takes: every condition given must hold (a missing one is any)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    buckets: tuple[DpdBucket, ...] | None = Field(None, min_length=1, max_length=16)
    five_tier_classes: tuple[FiveTierClass, ...] | None = Field(None, min_length=1, max_length=5)
    overdue_types: tuple[OverdueType, ...] | None = Field(None, min_length=1, max_length=11)
    exposure_min: NonNegativeMoney | None = None
    exposure_max: NonNegativeMoney | None = Field(None, description="Exclusive upper bound.")
    score_min: Decimal | None = Field(None, ge=0, le=1, description="Credit's recovery probability, inclusive.")
    score_max: Decimal | None = Field(None, ge=0, le=1, description="Exclusive upper bound.")
    products: tuple[Label, ...] | None = Field(None, min_length=1, max_length=32)
    regions: tuple[Label, ...] | None = Field(None, min_length=1, max_length=64)
    vulnerable: bool | None = Field(None, description="True: only vulnerable borrowers; false: only others.")

    @model_validator(mode="after")
    def _bands_ordered(self) -> Segment:
        for low, high, name in ((self.exposure_min, self.exposure_max, "exposure"),
                                (self.score_min, self.score_max, "score")):
            if low is not None and high is not None and low >= high:
                raise ValueError(f"{name}_min must be below {name}_max")
        return self


class Step(BaseModel):
    """One step of a treatment path, `day` days after the path starts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: int = Field(ge=0, le=730)
    channel: StepChannel
    template: TemplateCode = Field(description="The message template's code (channels' templates), or for agent "
                                   "calls and field visits the call script's name.")
    tone: Tone


class EscalationTriggers(BaseModel):
    """When a case goes to legal before its path says so."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exposure_at_least: NonNegativeMoney | None = None
    broken_promises: int | None = Field(None, ge=1, le=20)
    no_contact_days: int | None = Field(None, ge=1, le=730)


class StrategyDefinition(BaseModel):
    """A whole strategy: rank (lower is tried first), segment, path and exits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SafeText = Field(min_length=1, max_length=120)
    description: SafeMultilineText = Field("", max_length=1000)
    rank: int = Field(ge=0, le=10_000, description="Strategies are tried in rank order; the first match wins.")
    segment: Segment
    steps: tuple[Step, ...] = Field(min_length=1, max_length=40)
    exits: tuple[Exit, ...] = Field(
        ("paid", "promise_made", "dispute", "hardship", "restriction", "escalation"), max_length=6,
        description="What ends or holds the path: a promise holds it until the promise falls due; a dispute, "
        "hardship or restriction stops it until lifted; paid and escalation close or hand over the case.")
    escalation: EscalationTriggers | None = None

    @model_validator(mode="after")
    def _path_in_order(self) -> StrategyDefinition:
        days = [step.day for step in self.steps]
        if days != sorted(days):
            raise ValueError("steps must be in order of their day")
        if len(set(self.exits)) != len(self.exits):
            raise ValueError("exits must not repeat")
        if any(i != len(self.steps) - 1 for i, step in enumerate(self.steps) if step.channel == "legal"):
            raise ValueError("a legal referral can only be the last step (the case leaves collections)")
        return self


@dataclass(frozen=True)
class Strategy:
    """An active strategy: a code, the version in force, and its definition."""

    code: str
    version: int
    definition: StrategyDefinition

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.definition.steps


@dataclass(frozen=True)
class CaseSegment:
    """What the segment conditions look at, for one case."""

    dpd_bucket: str
    five_tier_class: str
    overdue_type: str | None
    exposure: Decimal
    recovery_probability: Decimal | None
    product: str | None
    region: str | None
    vulnerable: bool


def matches(segment: Segment, case: CaseSegment) -> bool:
    """Whether every condition of the segment holds for the case (a score band needs a score)."""
    checks = (
        segment.buckets is None or case.dpd_bucket in segment.buckets,
        segment.five_tier_classes is None or case.five_tier_class in segment.five_tier_classes,
        segment.overdue_types is None or case.overdue_type in segment.overdue_types,
        segment.exposure_min is None or case.exposure >= segment.exposure_min,
        segment.exposure_max is None or case.exposure < segment.exposure_max,
        segment.score_min is None or (case.recovery_probability is not None
                                      and case.recovery_probability >= segment.score_min),
        segment.score_max is None or (case.recovery_probability is not None
                                      and case.recovery_probability < segment.score_max),
        segment.products is None or case.product in segment.products,
        segment.regions is None or case.region in segment.regions,
        segment.vulnerable is None or case.vulnerable == segment.vulnerable,
    )
    return all(checks)


def strategy_for(strategies: list[Strategy], case: CaseSegment) -> Strategy | None:
    """The first strategy (in rank order, then code) whose segment takes the case; None if none does."""
    for strategy in sorted(strategies, key=lambda s: (s.definition.rank, s.code)):
        if matches(strategy.definition.segment, case):
            return strategy
    return None


class Arm(BaseModel):
    """One arm of an experiment: a strategy and its share of the segment's debts, in whole percent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    strategy_code: Code
    percent: int = Field(ge=1, le=99)


def arms_valid(champion_code: str, arms: tuple[Arm, ...]) -> str | None:
    """Why an experiment's arms are not a split of the champion's debts (None when they are)."""
    if not arms or arms[0].strategy_code != champion_code:
        return "the first arm must be the champion"
    if len({arm.strategy_code for arm in arms}) != len(arms):
        return "each strategy may be one arm only"
    if sum(arm.percent for arm in arms) != 100:
        return "the arms' percents must add up to 100"
    return None


def arm_of(debt_id: uuid.UUID, experiment_id: str, arms: tuple[Arm, ...]) -> Arm:
    """The arm a debt belongs to: a stable hash of debt and experiment, so a debt never changes arm, and arms take
    their percent of the debts (SHA-256, uniform over 10,000 slots)."""
    digest = hashlib.sha256(f"{experiment_id}:{debt_id}".encode()).digest()
    slot = int.from_bytes(digest[:8], "big") % 10_000
    threshold = 0
    for arm in arms:
        threshold += arm.percent * 100
        if slot < threshold:
            return arm
    return arms[-1]
