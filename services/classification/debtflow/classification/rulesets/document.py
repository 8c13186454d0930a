"""Rule sets: every threshold classification uses, as a validated, versioned document (JSON or YAML, never code)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FiveTier = Literal["normal", "special_mention", "substandard", "doubtful", "loss"]
FIVE_TIER_ORDER: tuple[FiveTier, ...] = ("normal", "special_mention", "substandard", "doubtful", "loss")
#: Borrower or debt flags that mean the borrower is unlikely to pay whatever the days past due.
Flag = Literal["fraud", "deceased", "bankrupt", "restructured", "disputed", "hardship", "uncontactable",
               "cease_contact", "legal_action"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BucketRange(_Strict):
    label: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9+\-]+$")
    min_days: int = Field(ge=0)
    max_days: int | None = Field(None, ge=0, description="Inclusive; null for the last, open-ended bucket.")


class FiveTierRules(_Strict):
    """More than N days past due puts a debt in at least that class (China's 2023 measures)."""

    special_mention_after: int = Field(0, ge=0)
    substandard_after: int = Field(90, ge=0)
    doubtful_after: int = Field(270, ge=0)
    loss_after: int = Field(360, ge=0)
    loss_flags: frozenset[Flag] = frozenset({"fraud", "deceased", "bankrupt"})
    restructured_floor: FiveTier = "substandard"
    restructured_probation_days: int = Field(180, ge=0, description="How long a restructured debt keeps the floor.")

    @model_validator(mode="after")
    def _increasing(self) -> FiveTierRules:
        thresholds = [self.special_mention_after, self.substandard_after, self.doubtful_after, self.loss_after]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("five-tier thresholds must strictly increase: special mention < substandard < "
                             "doubtful < loss")
        return self


class ContagionRules(_Strict):
    """Optional: when this share of a borrower's exposure is non-performing, the rest is pulled down with it."""

    enabled: bool = False
    nonperforming_share: Decimal = Field(Decimal("0.20"), gt=0, le=1)
    pulled_to: FiveTier = "substandard"


class Ifrs9Rules(_Strict):
    stage2_after_days: int = Field(30, ge=0, description="More than this many days past due: stage 2.")
    stage3_after_days: int = Field(90, ge=0, description="More than this many days past due: stage 3.")
    stage2_flags: frozenset[Flag] = frozenset({"disputed", "hardship", "uncontactable"})
    stage3_flags: frozenset[Flag] = frozenset({"fraud", "deceased", "bankrupt", "legal_action"})
    cure_probation_days: int = Field(90, ge=0, description="Days a debt must qualify for a better stage first.")

    @model_validator(mode="after")
    def _ordered(self) -> Ifrs9Rules:
        if self.stage3_after_days <= self.stage2_after_days:
            raise ValueError("stage3_after_days must be greater than stage2_after_days")
        return self


class DefaultRules(_Strict):
    """Basel-style default: past due more than `days` on a material amount, or unlikely to pay."""

    days: int = Field(90, ge=0)
    materiality_absolute: Decimal = Field(Decimal("500.00"), ge=0, description="Past-due amount at least this...")
    materiality_relative: Decimal = Field(Decimal("0.01"), ge=0, le=1, description="...and this share of exposure.")
    unlikely_to_pay_flags: frozenset[Flag] = frozenset({"fraud", "deceased", "bankrupt", "restructured"})


class PriorityRules(_Strict):
    """Expected recoverable value = exposure x probability of recovery, scaled up for urgency; tiers by value."""

    recovery_curve: dict[str, Decimal] = Field(
        default_factory=lambda: {"M0": Decimal("0.95"), "M1": Decimal("0.85"), "M2": Decimal("0.65"),
                                 "M3": Decimal("0.50"), "M4": Decimal("0.38"), "M5": Decimal("0.30"),
                                 "M6": Decimal("0.24"), "M6+": Decimal("0.12")},
        description="Probability of recovery by bucket when the credit service has scored no collection score.",
    )
    roll_risk: dict[str, Decimal] = Field(
        default_factory=lambda: {"M1": Decimal("0.30"), "M2": Decimal("0.50"), "M3": Decimal("0.60")},
        description="Extra weight for buckets where debts tend to roll into the next one (0 when absent).",
    )
    limitation_urgent_within_days: int = Field(180, ge=0, description="Limitation period ends within this: urgent.")
    limitation_weight: Decimal = Field(Decimal("0.50"), ge=0)
    tiers: tuple[Decimal, Decimal, Decimal] = Field(
        (Decimal("20000"), Decimal("5000"), Decimal("1000")),
        description="Minimum priority score for P1, P2 and P3 (in the debt's currency); below is P4.",
    )

    @field_validator("recovery_curve", "roll_risk")
    @classmethod
    def _probabilities(cls, table: dict[str, Decimal]) -> dict[str, Decimal]:
        if any(not 0 <= value <= 1 for value in table.values()):
            raise ValueError("probabilities and weights must be between 0 and 1")
        return table

    @field_validator("tiers")
    @classmethod
    def _descending(cls, tiers: tuple[Decimal, Decimal, Decimal]) -> tuple[Decimal, Decimal, Decimal]:
        if not tiers[0] > tiers[1] > tiers[2] >= 0:
            raise ValueError("tier thresholds must strictly decrease: P1 > P2 > P3 >= 0")
        return tiers


class RuleSet(_Strict):
    """Everything classification decides with, as data. Validated here; nothing in it is ever executed."""

    grace_days: int = Field(0, ge=0, le=30, description="Days after a due date before a debt counts as overdue.")
    buckets: tuple[BucketRange, ...] = Field(default_factory=lambda: DEFAULT_BUCKETS)
    five_tier: FiveTierRules = Field(default_factory=FiveTierRules)
    contagion: ContagionRules = Field(default_factory=ContagionRules)
    ifrs9: Ifrs9Rules = Field(default_factory=Ifrs9Rules)
    default: DefaultRules = Field(default_factory=DefaultRules)
    priority: PriorityRules = Field(default_factory=PriorityRules)

    @field_validator("buckets")
    @classmethod
    def _contiguous(cls, buckets: tuple[BucketRange, ...]) -> tuple[BucketRange, ...]:
        """Buckets must cover every day count exactly once: from 0, no gap, no overlap, open-ended last."""
        if not buckets:
            raise ValueError("at least one bucket is needed")
        if len({bucket.label for bucket in buckets}) != len(buckets):
            raise ValueError("bucket labels must be unique")
        ordered = sorted(buckets, key=lambda bucket: bucket.min_days)
        if ordered[0].min_days != 0:
            raise ValueError(f"the first bucket must start at 0 days, not {ordered[0].min_days}")
        for current, following in zip(ordered, ordered[1:], strict=False):
            if current.max_days is None:
                raise ValueError(f"bucket {current.label} is open-ended but {following.label} follows it")
            if current.max_days < current.min_days:
                raise ValueError(f"bucket {current.label} ends before it starts")
            if following.min_days <= current.max_days:
                raise ValueError(f"buckets {current.label} and {following.label} overlap at {following.min_days} days")
            if following.min_days > current.max_days + 1:
                raise ValueError(f"no bucket covers {current.max_days + 1}-{following.min_days - 1} days "
                                 f"(a gap between {current.label} and {following.label})")
        if ordered[-1].max_days is not None:
            raise ValueError(f"the last bucket ({ordered[-1].label}) must be open-ended (max_days null)")
        return tuple(ordered)


DEFAULT_BUCKETS: tuple[BucketRange, ...] = (
    BucketRange(label="M0", min_days=0, max_days=0),
    BucketRange(label="M1", min_days=1, max_days=30),
    BucketRange(label="M2", min_days=31, max_days=60),
    BucketRange(label="M3", min_days=61, max_days=90),
    BucketRange(label="M4", min_days=91, max_days=120),
    BucketRange(label="M5", min_days=121, max_days=150),
    BucketRange(label="M6", min_days=151, max_days=180),
    BucketRange(label="M6+", min_days=181, max_days=None),
)
BUILTIN_VERSION = "builtin-2026.1"
