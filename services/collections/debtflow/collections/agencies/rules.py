"""Agency rules as pure functions: commission schedules (validated, a rate per bucket and age), commission on a
recovery, which placement rule takes a case, and which agency gets it (by the rule, then capacity and results)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from debtflow.common.money import CENT

#: The bucket of a tier that applies to every bucket no other tier names; every schedule has one from day 0.
ANY_BUCKET = "*"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class CommissionTier:
    """`rate_percent` of what is recovered, for debts of `bucket` that were at least `min_age_days` past due
    when placed (until a tier of the same bucket with a higher minimum age takes over)."""

    bucket: str
    min_age_days: int
    rate_percent: Decimal


@dataclass(frozen=True)
class CommissionSchedule:
    tiers: tuple[CommissionTier, ...]

    def rate_for(self, bucket: str, age_days: int) -> Decimal:
        """The rate of a placement: the bucket's own tiers first, else the default tiers; the highest minimum
        age not above the debt's age wins (older debts are harder to collect and usually earn more)."""
        for wanted in (bucket, ANY_BUCKET):
            eligible = [tier for tier in self.tiers if tier.bucket == wanted and tier.min_age_days <= age_days]
            if eligible:
                return max(eligible, key=lambda tier: tier.min_age_days).rate_percent
        raise ValueError("the schedule has no default tier from day 0")  # schedule_problems refuses such a one


def schedule_problems(tiers: Sequence[CommissionTier]) -> list[tuple[str, str, str]]:
    """What is wrong with a schedule, as (field, rule, message); empty when it is sound."""
    problems = []
    if not any(tier.bucket == ANY_BUCKET and tier.min_age_days == 0 for tier in tiers):
        problems.append(("commission_schedule.tiers", "default_tier",
                         f"needs a tier with bucket '{ANY_BUCKET}' and min_age_days 0, so every placement has a rate"))
    seen: set[tuple[str, int]] = set()
    for index, tier in enumerate(tiers):
        key = (tier.bucket, tier.min_age_days)
        if key in seen:
            problems.append((f"commission_schedule.tiers.{index}", "duplicate_tier",
                             f"bucket {tier.bucket} from {tier.min_age_days} days is listed twice"))
        seen.add(key)
        if not Decimal(0) <= tier.rate_percent <= HUNDRED:
            problems.append((f"commission_schedule.tiers.{index}.rate_percent", "percent_range",
                             "must be between 0 and 100"))
    return problems


def commission(recovered: Decimal, rate_percent: Decimal) -> Decimal:
    """The commission on an amount recovered, in cents, half to even. A negative amount (a reversed payment) gives
    back exactly the commission its payment earned."""
    sign = -1 if recovered < 0 else 1
    return sign * (abs(recovered) * rate_percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_EVEN)


# -- placement -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What placement rules look at in a collection case."""

    debt_id: uuid.UUID
    dpd_bucket: str
    exposure: Decimal
    currency: str
    days_past_due: int
    region: str | None
    product: str | None


@dataclass(frozen=True)
class PlacementRule:
    """Which debts go to an agency (empty sets match anything), to which agencies, and for how long."""

    id: uuid.UUID
    priority: int
    buckets: frozenset[str]
    currency: str | None  # the exposure band's currency; a rule with a band takes only debts in it
    min_exposure: Decimal | None
    max_exposure: Decimal | None
    regions: frozenset[str]
    products: frozenset[str]
    agency_codes: tuple[str, ...]
    placement_days: int | None

    def matches(self, case: CaseFacts) -> bool:
        return ((not self.buckets or case.dpd_bucket in self.buckets)
                and (self.currency is None or case.currency == self.currency)
                and (self.min_exposure is None or case.exposure >= self.min_exposure)
                and (self.max_exposure is None or case.exposure < self.max_exposure)
                and (not self.regions or case.region in self.regions)
                and (not self.products or case.product in self.products))


@dataclass
class AgencyStanding:
    """An active agency as allocation sees it: room left under its cap, and its recovery rate so far."""

    code: str
    spare: int
    recovery_rate: Decimal


@dataclass(frozen=True)
class Allocation:
    case: CaseFacts
    rule: PlacementRule
    agency_code: str


def first_matching(rules: Sequence[PlacementRule], case: CaseFacts) -> PlacementRule | None:
    return next((rule for rule in sorted(rules, key=lambda rule: (rule.priority, str(rule.id)))
                 if rule.matches(case)), None)


def pick_agency(rule: PlacementRule, agencies: dict[str, AgencyStanding]) -> AgencyStanding | None:
    """Among the rule's agencies (all active ones when it names none) with room left: the best recovery rate,
    then the most room, then the code (so the same inputs always give the same answer)."""
    named = rule.agency_codes or tuple(agencies)
    candidates = [agencies[code] for code in named if code in agencies and agencies[code].spare > 0]
    if not candidates:
        return None
    return min(candidates, key=lambda agency: (-agency.recovery_rate, -agency.spare, agency.code))


def allocate(cases: Iterable[CaseFacts], rules: Sequence[PlacementRule],
             agencies: dict[str, AgencyStanding]) -> list[Allocation]:
    """Place each case (largest exposure first: the agencies' room goes where the money is) by its first
    matching rule with the best agency that has room; a case no rule takes, or whose agencies are full, stays."""
    allocations = []
    for case in sorted(cases, key=lambda case: (-case.exposure, str(case.debt_id))):
        rule = first_matching(rules, case)
        agency = pick_agency(rule, agencies) if rule else None
        if rule is None or agency is None:
            continue
        agency.spare -= 1
        allocations.append(Allocation(case, rule, agency.code))
    return allocations


def in_term(paid_at: datetime, placed_at: datetime, ended_at: datetime) -> bool:
    """A payment counts for a placement when it was made during the placement's term."""
    return placed_at <= paid_at < ended_at


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole at four decimals (a rate), None when there is no whole to compare with."""
    if not whole:
        return None
    return (part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
