"""next_change_on: the exact next day time alone changes a classification, and nothing changes before it."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from debtflow.classification.classifications.rules import (
    Classification,
    DebtFacts,
    Pause,
    PriorState,
    classify,
)
from debtflow.classification.rulesets.document import RuleSet

RULES = RuleSet()
AS_OF = date(2026, 6, 15)


def later(days: int, start: date = AS_OF) -> date:
    return start + timedelta(days=days)


def overdue(days: int, **more: object) -> DebtFacts:
    return DebtFacts(exposure=Decimal("1000.00"), first_unpaid_due_date=AS_OF - timedelta(days=days),
                     **more)  # type: ignore[arg-type]


def chained(result: Classification) -> PriorState:
    """What the service stores after a classification and hands back for the next one."""
    return PriorState(result.ifrs9_stage, result.stage_improving_since)


@pytest.mark.parametrize(("days", "next_in", "changes"), [
    pytest.param(0, 1, "M0->M1, special mention", id="current"),
    pytest.param(1, 30, "M1->M2, stage 2", id="M1-start"),
    pytest.param(29, 2, "M1->M2, stage 2", id="dpd-29"),
    pytest.param(30, 1, "M1->M2, stage 2", id="dpd-30"),
    pytest.param(31, 30, "M2->M3", id="M2-start"),
    pytest.param(60, 1, "M2->M3", id="dpd-60"),
    pytest.param(90, 1, "M3->M4, substandard, stage 3, default", id="dpd-90"),
    pytest.param(95, 26, "M4->M5", id="dpd-95"),
    pytest.param(150, 1, "M5->M6", id="dpd-150"),
    pytest.param(180, 1, "M6->M6+", id="dpd-180"),
    pytest.param(200, 71, "doubtful", id="dpd-200"),
    pytest.param(300, 61, "loss", id="dpd-300"),
])
def test_the_next_change_is_the_next_boundary(days: int, next_in: int, changes: str) -> None:
    result = classify(overdue(days), AS_OF, RULES)
    assert result.next_change_on == later(next_in), changes
    before = classify(overdue(days), later(next_in - 1), RULES, chained(result))
    on_the_day = classify(overdue(days), later(next_in), RULES, chained(result))
    assert before.dimensions() == result.dimensions()
    assert on_the_day.dimensions() != result.dimensions()


def test_past_every_boundary_nothing_changes_with_time() -> None:
    assert classify(overdue(400), AS_OF, RULES).next_change_on is None


def test_across_leap_day() -> None:
    due = date(2028, 2, 29)
    facts = DebtFacts(exposure=Decimal("1000.00"), first_unpaid_due_date=due)
    result = classify(facts, date(2028, 3, 29), RULES)
    assert (result.days_past_due, result.next_change_on) == (29, date(2028, 3, 31))
    assert classify(facts, date(2028, 3, 31), RULES).dpd_bucket == "M2"
    assert classify(facts, date(2028, 2, 1), RULES).next_change_on == date(2028, 3, 1)


def test_grace_days_move_the_first_change() -> None:
    rules = RuleSet(grace_days=5)
    facts = overdue(0)
    result = classify(facts, AS_OF, rules)
    assert result.next_change_on == later(6)
    assert classify(facts, later(6), rules).days_past_due == 6
    assert classify(facts, later(6), rules).next_change_on == later(31)


@pytest.mark.parametrize("status", ["settled", "sold", "written_off"])
def test_closed_debts_never_change_with_time(status: str) -> None:
    assert classify(overdue(45, status=status), AS_OF, RULES).next_change_on is None


def test_nothing_changes_during_an_open_pause() -> None:
    assert classify(overdue(20, pauses=(Pause(later(-5)),)), AS_OF, RULES).next_change_on is None


def test_a_closed_pause_ahead_pushes_the_change_back() -> None:
    # Paused from 5 days ago until 10 days from now: 15 days were counted before it; 31 is reached 16 days after it.
    facts = overdue(20, pauses=(Pause(later(-5), later(10)),))
    result = classify(facts, AS_OF, RULES)
    assert (result.days_past_due, result.next_change_on) == (15, later(26))
    assert classify(facts, later(25), RULES).dpd_bucket == "M1"
    assert classify(facts, later(26), RULES).dpd_bucket == "M2"


def test_a_cured_debt_changes_only_when_its_probations_end() -> None:
    cured = DebtFacts(exposure=Decimal("500.00"), first_unpaid_due_date=None)
    assert classify(cured, AS_OF, RULES).next_change_on is None
    on_probation = classify(cured, AS_OF, RULES, PriorState(3))
    assert on_probation.next_change_on == later(90)
    assert classify(cured, later(90), RULES, chained(on_probation)).ifrs9_stage == 1


def test_the_restructuring_probation_end_is_a_change() -> None:
    facts = DebtFacts(exposure=Decimal("1000.00"), first_unpaid_due_date=None, flags=frozenset({"restructured"}),
                      restructured_on=later(-100))
    result = classify(facts, AS_OF, RULES)
    assert (result.five_tier_class, result.next_change_on) == ("substandard", later(80))
    assert classify(facts, later(80), RULES, chained(result)).five_tier_class == "normal"


@pytest.mark.parametrize(("expires_in", "next_in"), [(200, 20), (100, 101)])
def test_a_limitation_period_changes_priority_when_it_comes_close_and_after_it_ends(expires_in: int,
                                                                                    next_in: int) -> None:
    facts = DebtFacts(exposure=Decimal("1000.00"), first_unpaid_due_date=None,
                      limitation_expires_on=later(expires_in))
    assert classify(facts, AS_OF, RULES).next_change_on == later(next_in)


# -- the property re-ageing relies on ---------------------------------------------------------------------

FLAGS = ["fraud", "deceased", "bankrupt", "restructured", "disputed", "hardship", "uncontactable", "cease_contact",
         "legal_action"]


def _random_case(rng: random.Random, grace: bool) -> tuple[DebtFacts, date, RuleSet, PriorState | None]:
    day = date(2027, 1, 1) + timedelta(days=rng.randrange(0, 1200))
    due = None if rng.random() < 0.1 else day - timedelta(days=rng.randrange(-15, 420))
    anchor = due or day
    pauses = []
    for _ in range(rng.choice([0, 0, 1, 2])):
        start = anchor + timedelta(days=rng.randrange(-20, 150))
        pauses.append(Pause(start, None if rng.random() < 0.3 else start + timedelta(days=rng.randrange(1, 60))))
    facts = DebtFacts(
        exposure=Decimal(rng.choice(["0.00", "450.00", "1000.00", "9000.00", "60000.00"])),
        first_unpaid_due_date=due,
        past_due_amount=rng.choice([None, Decimal("100.00"), Decimal("700.00")]),
        flags=frozenset(rng.sample(FLAGS, rng.choice([0, 0, 0, 1, 2]))),
        restructured_on=rng.choice([None, None, day - timedelta(days=rng.randrange(0, 250))]),
        pauses=tuple(pauses),
        collection_score=rng.choice([None, None, Decimal("0.40"), Decimal("0.05")]),
        limitation_expires_on=rng.choice([None, day + timedelta(days=rng.randrange(-10, 400))]),
        borrower_nonperforming_share=rng.choice([None, Decimal("0.10"), Decimal("0.50")]),
    )
    rules = RuleSet.model_validate({"grace_days": rng.choice([3, 10]) if grace else 0,
                                    "contagion": {"enabled": rng.random() < 0.5}})
    prior = rng.choice([None, PriorState(rng.choice([1, 2, 3]),
                                         rng.choice([None, day - timedelta(days=rng.randrange(0, 100))]))])
    return facts, day, rules, prior


@pytest.mark.parametrize("grace", [False, True], ids=["no-grace", "with-grace"])
def test_nothing_changes_before_next_change_on(grace: bool) -> None:
    """For random open debts, every day from d to next_change_on - 1 classifies the same as d."""
    rng = random.Random(20261127 + grace)
    horizon = 240
    failures = []
    for case in range(400):
        facts, day, rules, prior = _random_case(rng, grace)
        result = classify(facts, day, rules, prior)
        until = result.next_change_on or day + timedelta(days=horizon)
        assert until > day
        for offset in range(1, min((until - day).days, horizon)):
            other = classify(facts, day + timedelta(days=offset), rules, chained(result))
            if other.dimensions() != result.dimensions():
                failures.append(f"case {case}: {facts} on {day} (grace {rules.grace_days}): next change "
                                f"{result.next_change_on} but {result.dimensions()} -> {other.dimensions()} on "
                                f"{day + timedelta(days=offset)}")
                break
    assert not failures, f"{len(failures)} of 400 cases changed early; first: {failures[0]}"
