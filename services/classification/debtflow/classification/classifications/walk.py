"""Walking a debt through its change days as a pure function: where it stands, each day something changes, and
whether that is news (a dimension other than the day count changed). No I/O: the event path and the daily
re-ageing both walk with it and only differ in how they read and write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from debtflow.classification.classifications.rules import Classification, DebtFacts, PriorState, classify
from debtflow.classification.rulesets.document import RuleSet

#: A late run steps through at most this many change days per debt (years of boundaries; a safety stop).
MAX_STEPS = 1000

#: The dimensions that make a reclassification news, and the status (a closed debt's last classification).
SNAPSHOT_FIELDS = ("dpd_bucket", "five_tier_class", "ifrs9_stage", "default_flag", "overdue_type", "priority_tier",
                   "status")


def snapshot_of(current: Any) -> dict[str, object]:
    """The news-making dimensions of a stored classification (a row or any object with those attributes)."""
    return {} if current is None else {name: getattr(current, name) for name in SNAPSHOT_FIELDS}


def result_snapshot(result: Classification, status: str) -> dict[str, object]:
    """What snapshot_of would read from a row that stored `result` (the row's status is the facts' status)."""
    return {"dpd_bucket": result.dpd_bucket, "five_tier_class": result.five_tier_class,
            "ifrs9_stage": result.ifrs9_stage, "default_flag": result.default_flag,
            "overdue_type": result.overdue_type, "priority_tier": result.priority_tier, "status": status}


@dataclass(frozen=True)
class Standing:
    """Where a debt's classification stands before it is advanced: what `walk` starts from."""

    as_of_date: date
    next_change_on: date | None
    ifrs9_stage: int
    stage_improving_since: date | None
    snapshot: dict[str, object]

    @classmethod
    def of(cls, current: Any) -> Standing:
        """From a stored classification (a row, or a plain row of the same columns)."""
        return cls(current.as_of_date, current.next_change_on, current.ifrs9_stage, current.stage_improving_since,
                   snapshot_of(current))


@dataclass(frozen=True)
class Step:
    """One change day of a walk: the classification on that day, and whether a dimension changed on it."""

    day: date
    result: Classification
    snapshot: dict[str, object]
    news: bool


def walk(facts: DebtFacts, status: str, standing: Standing, to_day: date, rules: RuleSet) -> list[Step]:
    """Every change day from where the debt stands up to `to_day`, and `to_day` itself.

    Each step is classified on the day it happened, from the step before (IFRS 9 cure probation depends on
    it), so a late run keeps every bucket a debt passed through.
    """
    steps: list[Step] = []
    as_of, due, snapshot = standing.as_of_date, standing.next_change_on, standing.snapshot
    prior = PriorState(standing.ifrs9_stage, standing.stage_improving_since)
    for _ in range(MAX_STEPS):
        day = max(as_of, to_day if due is None or due >= to_day else due)
        result = classify(facts, day, rules, prior)
        now_snapshot = result_snapshot(result, status)
        steps.append(Step(day, result, now_snapshot, now_snapshot != snapshot))
        if day >= to_day:
            break
        as_of, due, snapshot = day, result.next_change_on, now_snapshot
        prior = PriorState(result.ifrs9_stage, result.stage_improving_since)
    return steps
