"""Classification as pure functions of a debt's facts, a date and a rule set: no I/O, no clock, no database.

Besides every dimension, `classify` works out `next_change_on`: the first later day on which the
classification would change with no new facts (a bucket boundary reached, a probation ended). The daily
re-ageing touches only debts whose day has come, which is what lets it handle a million debts quickly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from debtflow.classification.rulesets.document import FIVE_TIER_ORDER, RuleSet
from debtflow.common.money import MAX_AMOUNT

CENT = Decimal("0.01")
OPEN = "open"


@dataclass(frozen=True)
class Pause:
    """Days the clock stops (a dispute or hardship plan): [start, end); an open pause has no end yet."""

    start: date
    end: date | None = None


@dataclass(frozen=True)
class DebtFacts:
    """What classification knows about a debt, from every service's events."""

    exposure: Decimal
    first_unpaid_due_date: date | None
    status: str = OPEN
    past_due_amount: Decimal | None = None  # None: unknown, the whole exposure is taken as past due
    flags: frozenset[str] = frozenset()
    restructured_on: date | None = None
    pauses: tuple[Pause, ...] = ()
    collection_score: Decimal | None = None  # probability of recovery, from the credit service
    limitation_expires_on: date | None = None
    borrower_nonperforming_share: Decimal | None = None  # for contagion


@dataclass(frozen=True)
class PriorState:
    """What a debt was classified as before, for the rules that depend on history (IFRS 9 cure probation)."""

    ifrs9_stage: int
    stage_improving_since: date | None = None


@dataclass(frozen=True)
class Classification:
    days_past_due: int
    dpd_bucket: str
    five_tier_class: str
    ifrs9_stage: int
    stage_improving_since: date | None
    default_flag: bool
    overdue_type: str
    priority_score: Decimal
    priority_tier: str
    reason_codes: tuple[str, ...]
    next_change_on: date | None = field(default=None, compare=False)

    def dimensions(self) -> tuple[object, ...]:
        """Everything but the day count: a change here is news (days past due grow every day)."""
        return (self.dpd_bucket, self.five_tier_class, self.ifrs9_stage, self.default_flag, self.overdue_type,
                self.priority_tier)


# -- days past due -----------------------------------------------------------------------------------


def _paused_days(pauses: Iterable[Pause], start: date, end: date) -> int:
    """Days of [start, end) covered by at least one pause (overlapping pauses count once)."""
    spans = sorted((max(pause.start, start), min(pause.end or end, end)) for pause in pauses)
    covered, reach = 0, start
    for first, last in spans:
        first = max(first, reach)
        if last > first:
            covered += (last - first).days
            reach = last
    return covered


def days_past_due(first_unpaid_due_date: date | None, as_of: date, *, grace_days: int = 0,
                  pauses: Iterable[Pause] = ()) -> int:
    """Whole days since the oldest unpaid instalment fell due, less paused days; 0 within the grace period
    (the grace counts the same unpaused days)."""
    if first_unpaid_due_date is None or as_of <= first_unpaid_due_date:
        return 0
    counted = (as_of - first_unpaid_due_date).days - _paused_days(pauses, first_unpaid_due_date, as_of)
    return counted if counted > grace_days else 0


def dpd_bucket(days: int, rules: RuleSet) -> str:
    for bucket in rules.buckets:
        if days >= bucket.min_days and (bucket.max_days is None or days <= bucket.max_days):
            return bucket.label
    raise ValueError(f"no bucket covers {days} days")  # a validated rule set always has one


# -- the dimensions ----------------------------------------------------------------------------------


def _worse(first: str, second: str) -> str:
    return first if FIVE_TIER_ORDER.index(first) >= FIVE_TIER_ORDER.index(second) else second  # type: ignore[arg-type]


def five_tier_class(days: int, facts: DebtFacts, as_of: date, rules: RuleSet) -> tuple[str, list[str]]:
    tiers = rules.five_tier
    tier, reasons = "normal", []
    for threshold, name in ((tiers.loss_after, "loss"), (tiers.doubtful_after, "doubtful"),
                            (tiers.substandard_after, "substandard"), (tiers.special_mention_after,
                                                                        "special_mention")):
        if days > threshold:
            tier = name
            reasons.append(f"dpd_over_{threshold}")
            break
    for flag in sorted(facts.flags & tiers.loss_flags):
        tier = "loss"
        reasons.append(f"flag_{flag}")
    if facts.restructured_on is not None and as_of < facts.restructured_on + timedelta(
            days=tiers.restructured_probation_days):
        if _worse(tiers.restructured_floor, tier) != tier:
            reasons.append("restructured_probation")
        tier = _worse(tier, tiers.restructured_floor)
    contagion = rules.contagion
    share = facts.borrower_nonperforming_share
    if contagion.enabled and share is not None and share >= contagion.nonperforming_share:
        if _worse(contagion.pulled_to, tier) != tier:
            reasons.append("borrower_contagion")
        tier = _worse(tier, contagion.pulled_to)
    return tier, reasons


def default_flag(days: int, facts: DebtFacts, rules: RuleSet) -> tuple[bool, list[str]]:
    rule = rules.default
    reasons = [f"unlikely_to_pay_{flag}" for flag in sorted(facts.flags & rule.unlikely_to_pay_flags)]
    past_due = facts.exposure if facts.past_due_amount is None else facts.past_due_amount
    material = past_due >= rule.materiality_absolute and (
        facts.exposure == 0 or past_due >= rule.materiality_relative * facts.exposure)
    if days > rule.days and material:
        reasons.append(f"default_dpd_over_{rule.days}")
    return bool(reasons), reasons


def ifrs9_stage(days: int, facts: DebtFacts, defaulted: bool, as_of: date, rules: RuleSet,
                prior: PriorState | None) -> tuple[int, date | None, list[str]]:
    """Stage by days and flags; a better stage only after the cure probation (the stage returned, since when)."""
    rule = rules.ifrs9
    if days > rule.stage3_after_days or defaulted or facts.flags & rule.stage3_flags:
        target, reason = 3, "stage3_credit_impaired"
    elif days > rule.stage2_after_days or facts.flags & rule.stage2_flags:
        target, reason = 2, "stage2_significant_increase"
    else:
        target, reason = 1, "stage1_performing"
    if prior is None or target >= prior.ifrs9_stage:
        return target, None, [reason]
    improving_since = prior.stage_improving_since or as_of
    if (as_of - improving_since).days >= rule.cure_probation_days:
        return target, None, [reason, "cure_probation_completed"]
    return prior.ifrs9_stage, improving_since, [f"stage{prior.ifrs9_stage}_cure_probation"]


def overdue_type(days: int, facts: DebtFacts, defaulted: bool) -> str:
    if facts.status in ("sold", "written_off"):
        return "post_disposal"
    for flag, kind in (("deceased", "deceased"), ("bankrupt", "bankrupt"), ("fraud", "suspected_fraud"),
                       ("disputed", "disputed"), ("restructured", "restructured"),
                       ("uncontactable", "uncontactable")):
        if flag in facts.flags:
            return kind
    if facts.status != OPEN:
        return "closed"
    if defaulted:
        return "default"
    return "early_overdue" if days > 0 else "current"


#: The largest score a Money column and event field hold (16 integer digits, two decimals).
HIGHEST_PRIORITY_SCORE = MAX_AMOUNT - CENT


def priority(bucket: str, facts: DebtFacts, as_of: date, rules: RuleSet) -> tuple[Decimal, str, list[str]]:
    """Expected recoverable value (exposure x probability of recovery) weighted for urgency, and its tier."""
    rule = rules.priority
    if facts.status != OPEN:
        return Decimal("0.00"), "P4", ["not_open"]
    reasons = []
    if facts.collection_score is not None:
        probability = facts.collection_score
        reasons.append("collection_score")
    else:
        probability = rule.recovery_curve.get(bucket, min(rule.recovery_curve.values(), default=Decimal("0")))
        reasons.append("bucket_recovery_curve")
    urgency = Decimal(1) + rule.roll_risk.get(bucket, Decimal(0))
    if _limitation_urgent(facts, as_of, rules):
        urgency += rule.limitation_weight
        reasons.append("limitation_period_ending")
    score = (facts.exposure * probability * urgency).quantize(CENT)
    if score > HIGHEST_PRIORITY_SCORE:
        # Exposure may be as large as a Money holds, and urgency scales it up past what the score column and
        # DebtClassified's amount carry; such a debt is top priority anyway, so it ranks at the ceiling.
        score = HIGHEST_PRIORITY_SCORE
        reasons.append("priority_score_capped")
    tier = next((f"P{index}" for index, floor in enumerate(rule.tiers, start=1) if score >= floor), "P4")
    return score, tier, reasons


def _limitation_urgent(facts: DebtFacts, as_of: date, rules: RuleSet) -> bool:
    expires = facts.limitation_expires_on
    return expires is not None and 0 <= (expires - as_of).days <= rules.priority.limitation_urgent_within_days


# -- all together ------------------------------------------------------------------------------------


def classify(facts: DebtFacts, as_of: date, rules: RuleSet, prior: PriorState | None = None) -> Classification:
    """Every dimension of one debt as of one day."""
    if facts.status == OPEN:
        days = days_past_due(facts.first_unpaid_due_date, as_of, grace_days=rules.grace_days, pauses=facts.pauses)
    else:
        days = 0  # a settled, sold or written-off debt is no longer ageing here
    bucket = dpd_bucket(days, rules)
    tier, tier_reasons = five_tier_class(days, facts, as_of, rules)
    defaulted, default_reasons = default_flag(days, facts, rules) if facts.status == OPEN else (False, [])
    stage, improving_since, stage_reasons = ifrs9_stage(days, facts, defaulted, as_of, rules, prior)
    score, priority_tier, priority_reasons = priority(bucket, facts, as_of, rules)
    return Classification(
        days_past_due=days, dpd_bucket=bucket, five_tier_class=tier, ifrs9_stage=stage,
        stage_improving_since=improving_since, default_flag=defaulted,
        overdue_type=overdue_type(days, facts, defaulted), priority_score=score, priority_tier=priority_tier,
        reason_codes=tuple(tier_reasons + default_reasons + stage_reasons + priority_reasons),
        next_change_on=next_change_on(facts, as_of, rules, days, improving_since),
    )


def next_change_on(facts: DebtFacts, as_of: date, rules: RuleSet, days: int,
                   improving_since: date | None) -> date | None:
    """The first day after `as_of` on which the classification can change without new facts."""
    if facts.status != OPEN:
        return None
    candidates: list[date] = []
    clock = _clock_restarts(facts, as_of, rules)
    if clock is not None:
        restart_day, days_then = clock
        for threshold in _day_thresholds(rules):
            if threshold > days:
                candidates.append(max(restart_day + timedelta(days=max(threshold - days_then, 0)),
                                      as_of + timedelta(days=1)))
    if facts.restructured_on is not None:
        candidates.append(facts.restructured_on + timedelta(days=rules.five_tier.restructured_probation_days))
    if improving_since is not None:
        candidates.append(improving_since + timedelta(days=rules.ifrs9.cure_probation_days))
    if facts.limitation_expires_on is not None:
        candidates.append(facts.limitation_expires_on - timedelta(days=rules.priority.limitation_urgent_within_days))
        candidates.append(facts.limitation_expires_on + timedelta(days=1))
    later = [day for day in candidates if day > as_of]
    return min(later) if later else None


def _clock_restarts(facts: DebtFacts, as_of: date, rules: RuleSet) -> tuple[date, int] | None:
    """The first day from `as_of` on which days past due are counting (past grace, no pause), and the count
    then; None if an open-ended pause stops the clock (its end arrives as an event).

    Pauses that start later are ignored: that only makes `next_change_on` early, and an early day costs a
    look that changes nothing, where a late one would miss a change.
    """
    due = facts.first_unpaid_due_date
    if due is None:
        return None
    day = max(as_of, due + timedelta(days=1))
    for _ in range(36_500):
        covering = [pause for pause in facts.pauses if pause.start <= day and (pause.end is None or pause.end > day)]
        if any(pause.end is None for pause in covering):
            return None
        if covering:
            day = max(pause.end for pause in covering if pause.end is not None)
            continue
        count = days_past_due(due, day, grace_days=rules.grace_days, pauses=facts.pauses)
        if count > 0:
            return day, count
        day += timedelta(days=max(1, rules.grace_days + 1 - ((day - due).days
                                                            - _paused_days(facts.pauses, due, day))))
    return None


def _day_thresholds(rules: RuleSet) -> set[int]:
    """Day counts at which some dimension steps: bucket starts, and one past each 'more than N days' rule."""
    tiers, stages = rules.five_tier, rules.ifrs9
    thresholds = {bucket.min_days for bucket in rules.buckets}
    thresholds |= {value + 1 for value in (tiers.special_mention_after, tiers.substandard_after, tiers.doubtful_after,
                                           tiers.loss_after, stages.stage2_after_days, stages.stage3_after_days,
                                           rules.default.days)}
    return thresholds
