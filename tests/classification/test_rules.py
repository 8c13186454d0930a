"""Pure classification rules (no database): days past due, buckets, five-tier, IFRS 9, default flag, type, priority."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import TypeAdapter

from debtflow.classification.classifications.rules import (
    HIGHEST_PRIORITY_SCORE,
    DebtFacts,
    Pause,
    PriorState,
    classify,
    days_past_due,
    default_flag,
    dpd_bucket,
    five_tier_class,
    ifrs9_stage,
    priority,
)
from debtflow.classification.rulesets.document import RuleSet
from debtflow.common.money import NonNegativeMoney

RULES = RuleSet()
DUE = date(2026, 3, 2)
AS_OF = date(2026, 9, 1)


def d(offset: int) -> date:
    return DUE + timedelta(days=offset)


def facts(days: int = 0, *, exposure: str = "1000.00", flags: tuple[str, ...] = (), status: str = "open",
          as_of: date = AS_OF, **more: object) -> DebtFacts:
    """Facts of a debt `days` past due on `as_of` (no grace, no pauses)."""
    return DebtFacts(exposure=Decimal(exposure), first_unpaid_due_date=as_of - timedelta(days=days), status=status,
                     flags=frozenset(flags), **more)  # type: ignore[arg-type]


# -- days past due ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("due", "as_of", "expected"), [
    pytest.param(DUE, DUE, 0, id="on-the-due-date"),
    pytest.param(DUE, d(-3), 0, id="before-the-due-date"),
    pytest.param(None, AS_OF, 0, id="nothing-unpaid"),
    pytest.param(DUE, d(1), 1, id="the-day-after"),
    pytest.param(DUE, d(365), 365, id="a-year"),
    pytest.param(date(2028, 2, 28), date(2028, 3, 1), 2, id="across-leap-day"),
    pytest.param(date(2027, 2, 28), date(2027, 3, 1), 1, id="across-a-non-leap-february"),
    pytest.param(date(2028, 2, 29), date(2028, 3, 29), 29, id="due-on-leap-day"),
    pytest.param(date(2028, 2, 29), date(2029, 2, 28), 365, id="leap-day-to-next-february"),
    pytest.param(date(2028, 1, 31), date(2028, 2, 29), 29, id="january-end-to-leap-day"),
    pytest.param(date(2028, 1, 31), date(2028, 3, 1), 30, id="january-end-to-march-in-a-leap-year"),
    pytest.param(date(2027, 1, 31), date(2027, 3, 1), 29, id="january-end-to-march-in-a-common-year"),
    pytest.param(date(2026, 12, 31), date(2027, 1, 31), 31, id="across-the-year-end"),
    pytest.param(date(2026, 4, 30), date(2026, 5, 31), 31, id="month-end-to-month-end"),
])
def test_days_past_due_count_calendar_days_from_the_first_unpaid_due_date(due: date | None, as_of: date,
                                                                         expected: int) -> None:
    assert days_past_due(due, as_of) == expected


def test_the_oldest_unpaid_instalment_counts_not_the_newest() -> None:
    """Facts hold the oldest unpaid due date; three instalments due 30 days apart, none paid: 70 days, not 10."""
    instalments = [d(0), d(30), d(60)]
    assert days_past_due(min(instalments), d(70)) == 70
    assert classify(DebtFacts(exposure=Decimal("900.00"), first_unpaid_due_date=min(instalments)), d(70),
                    RULES).dpd_bucket == "M3"


@pytest.mark.parametrize(("grace", "offset", "expected"), [
    (5, 1, 0), (5, 5, 0), (5, 6, 6), (5, 40, 40), (0, 1, 1), (30, 30, 0), (30, 31, 31),
])
def test_grace_days_keep_a_debt_current_then_it_counts_from_the_due_date(grace: int, offset: int,
                                                                        expected: int) -> None:
    assert days_past_due(DUE, d(offset), grace_days=grace) == expected
    bucket = classify(DebtFacts(exposure=Decimal("1000.00"), first_unpaid_due_date=DUE), d(offset),
                      RuleSet(grace_days=grace)).dpd_bucket
    assert bucket == ("M0" if expected == 0 else dpd_bucket(expected, RULES))


@pytest.mark.parametrize(("pauses", "expected"), [
    pytest.param((), 30, id="none"),
    pytest.param((Pause(d(10), d(20)),), 20, id="closed-inside"),
    pytest.param((Pause(d(10)),), 10, id="open-since-day-10"),
    pytest.param((Pause(d(-20), d(-5)),), 30, id="entirely-before-the-due-date"),
    pytest.param((Pause(d(-5), d(5)),), 25, id="straddling-the-due-date"),
    pytest.param((Pause(d(-5)),), 0, id="open-since-before-the-due-date"),
    pytest.param((Pause(d(10), d(20)), Pause(d(15), d(25))), 15, id="overlapping"),
    pytest.param((Pause(d(10), d(20)), Pause(d(10), d(20))), 20, id="the-same-pause-twice"),
    pytest.param((Pause(d(5), d(8)), Pause(d(12), d(15))), 24, id="two-apart"),
    pytest.param((Pause(d(30), d(40)),), 30, id="starting-on-the-day"),
    pytest.param((Pause(d(45)),), 30, id="in-the-future"),
    pytest.param((Pause(d(20), d(30)),), 20, id="ending-on-the-day"),
])
def test_paused_days_are_not_counted(pauses: tuple[Pause, ...], expected: int) -> None:
    assert days_past_due(DUE, d(30), pauses=pauses) == expected


def test_an_open_pause_stops_the_count_until_it_ends() -> None:
    counts = {offset: days_past_due(DUE, d(offset), pauses=(Pause(d(10)),)) for offset in (10, 11, 50, 400)}
    assert counts == {10: 10, 11: 10, 50: 10, 400: 10}
    assert days_past_due(DUE, d(60), pauses=(Pause(d(10), d(50)),)) == 20


def test_the_count_does_not_grow_while_a_pause_that_began_in_the_grace_period_is_open() -> None:
    """Grace 5 days, the borrower disputes on day 3: the clock is stopped, so the debt must stay current."""
    pauses = (Pause(d(3)),)
    counts = [days_past_due(DUE, d(offset), grace_days=5, pauses=pauses) for offset in range(3, 12)]
    assert counts == [0] * 9


# -- DPD buckets -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "bucket"), [
    (0, "M0"), (1, "M1"), (30, "M1"), (31, "M2"), (60, "M2"), (61, "M3"), (90, "M3"), (91, "M4"), (120, "M4"),
    (121, "M5"), (150, "M5"), (151, "M6"), (180, "M6"), (181, "M6+"), (5000, "M6+"),
])
def test_default_bucket_boundaries(days: int, bucket: str) -> None:
    assert dpd_bucket(days, RULES) == bucket
    assert classify(facts(days), AS_OF, RULES).dpd_bucket == bucket


def test_configured_buckets_are_used() -> None:
    rules = RuleSet.model_validate({"buckets": [
        {"label": "C", "min_days": 0, "max_days": 0}, {"label": "X1", "min_days": 1, "max_days": 59},
        {"label": "X2", "min_days": 60, "max_days": None}]})
    assert [dpd_bucket(days, rules) for days in (0, 1, 59, 60, 999)] == ["C", "X1", "X1", "X2", "X2"]


# -- five-tier ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "tier"), [
    (0, "normal"), (1, "special_mention"), (90, "special_mention"), (91, "substandard"), (270, "substandard"),
    (271, "doubtful"), (360, "doubtful"), (361, "loss"), (2000, "loss"),
])
def test_five_tier_boundaries(days: int, tier: str) -> None:
    assert five_tier_class(days, facts(days), AS_OF, RULES)[0] == tier


@pytest.mark.parametrize("flag", ["fraud", "deceased", "bankrupt"])
@pytest.mark.parametrize("days", [0, 45, 300])
def test_fraud_death_and_bankruptcy_make_a_debt_a_loss(flag: str, days: int) -> None:
    tier, reasons = five_tier_class(days, facts(days, flags=(flag,)), AS_OF, RULES)
    assert (tier, f"flag_{flag}" in reasons) == ("loss", True)


@pytest.mark.parametrize("flag", ["disputed", "hardship", "uncontactable", "cease_contact", "legal_action"])
def test_other_flags_do_not_change_the_five_tier_class(flag: str) -> None:
    assert five_tier_class(10, facts(10, flags=(flag,)), AS_OF, RULES)[0] == "special_mention"


@pytest.mark.parametrize(("since", "days", "tier"), [
    pytest.param(0, 0, "substandard", id="on-the-day"),
    pytest.param(179, 0, "substandard", id="last-day-of-probation"),
    pytest.param(180, 0, "normal", id="probation-over"),
    pytest.param(180, 10, "special_mention", id="probation-over-overdue"),
    pytest.param(10, 300, "doubtful", id="the-floor-never-lowers"),
])
def test_a_restructured_debt_is_at_least_substandard_during_its_probation(since: int, days: int,
                                                                          tier: str) -> None:
    restructured = facts(days, restructured_on=AS_OF - timedelta(days=since), flags=("restructured",))
    found, reasons = five_tier_class(days, restructured, AS_OF, RULES)
    assert found == tier
    assert ("restructured_probation" in reasons) == (tier == "substandard")


@pytest.mark.parametrize(("enabled", "share", "tier"), [
    pytest.param(True, "0.20", "substandard", id="at-the-threshold"),
    pytest.param(True, "0.75", "substandard", id="above"),
    pytest.param(True, "0.19", "normal", id="below"),
    pytest.param(True, None, "normal", id="unknown-share"),
    pytest.param(False, "1.00", "normal", id="disabled"),
])
def test_borrower_contagion_pulls_a_performing_debt_down_when_enabled(enabled: bool, share: str | None,
                                                                      tier: str) -> None:
    rules = RuleSet.model_validate({"contagion": {"enabled": enabled, "nonperforming_share": "0.20"}})
    found, reasons = five_tier_class(0, facts(0, borrower_nonperforming_share=Decimal(share) if share else None),
                                     AS_OF, rules)
    assert (found, "borrower_contagion" in reasons) == (tier, tier != "normal")


def test_contagion_never_improves_a_worse_debt() -> None:
    rules = RuleSet.model_validate({"contagion": {"enabled": True, "pulled_to": "doubtful"}})
    assert five_tier_class(0, facts(0, borrower_nonperforming_share=Decimal("0.5")), AS_OF, rules)[0] == "doubtful"
    assert five_tier_class(400, facts(400, borrower_nonperforming_share=Decimal("0.5")), AS_OF, rules)[0] == "loss"


# -- IFRS 9 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "stage"), [(0, 1), (1, 1), (30, 1), (31, 2), (90, 2), (91, 3), (400, 3)])
def test_ifrs9_stage_by_days_past_due(days: int, stage: int) -> None:
    assert classify(facts(days, exposure="100000.00"), AS_OF, RULES).ifrs9_stage == stage


@pytest.mark.parametrize(("flag", "stage"), [
    ("disputed", 2), ("hardship", 2), ("uncontactable", 2), ("cease_contact", 1),
    ("fraud", 3), ("deceased", 3), ("bankrupt", 3), ("legal_action", 3),
])
def test_ifrs9_stage_by_flags(flag: str, stage: int) -> None:
    assert classify(facts(5, flags=(flag,)), AS_OF, RULES).ifrs9_stage == stage


def test_a_restructured_debt_is_stage_2_when_a_rule_set_makes_restructuring_a_significant_increase_only() -> None:
    rules = RuleSet.model_validate({"default": {"unlikely_to_pay_flags": ["fraud", "deceased", "bankrupt"]},
                                    "ifrs9": {"stage2_flags": ["disputed", "hardship", "restructured"]}})
    result = classify(facts(0, flags=("restructured",), restructured_on=AS_OF), AS_OF, rules)
    assert (result.ifrs9_stage, result.default_flag, result.five_tier_class) == (2, False, "substandard")
    builtin = classify(facts(0, flags=("restructured",), restructured_on=AS_OF), AS_OF, RULES)
    assert (builtin.ifrs9_stage, builtin.default_flag) == (3, True)  # built in: restructuring is unlikely-to-pay


def test_a_default_is_stage_3_whatever_the_days() -> None:
    assert classify(facts(0, flags=("bankrupt",)), AS_OF, RULES).ifrs9_stage == 3


@pytest.mark.parametrize(("elapsed", "stage", "improving"), [
    (0, 3, True), (1, 3, True), (89, 3, True), (90, 1, False), (200, 1, False),
])
def test_a_cured_stage_3_debt_waits_out_the_cure_probation(elapsed: int, stage: int, improving: bool) -> None:
    cured_on = AS_OF
    cured = DebtFacts(exposure=Decimal("1000.00"), first_unpaid_due_date=None)
    first = classify(cured, cured_on, RULES, PriorState(3))
    assert (first.ifrs9_stage, first.stage_improving_since) == (3, cured_on)
    assert "stage3_cure_probation" in first.reason_codes
    later = classify(cured, cured_on + timedelta(days=elapsed), RULES, PriorState(3, first.stage_improving_since))
    assert (later.ifrs9_stage, later.stage_improving_since is not None) == (stage, improving)
    if stage == 1:
        assert "cure_probation_completed" in later.reason_codes


def test_cure_probation_length_is_configurable_and_a_partial_cure_lands_on_the_better_stage() -> None:
    rules = RuleSet.model_validate({"ifrs9": {"cure_probation_days": 30}})
    partly = facts(40)  # stage 2 by days
    stage, since, _ = ifrs9_stage(40, partly, False, AS_OF, rules, PriorState(3))
    assert (stage, since) == (3, AS_OF)
    stage, since, _ = ifrs9_stage(70, partly, False, AS_OF + timedelta(days=30), rules, PriorState(3, AS_OF))
    assert (stage, since) == (2, None)


def test_a_relapse_during_probation_ends_it_and_a_worsening_is_immediate() -> None:
    stage, since, _ = ifrs9_stage(95, facts(95), True, AS_OF, RULES, PriorState(3, AS_OF - timedelta(days=50)))
    assert (stage, since) == (3, None)
    stage, since, _ = ifrs9_stage(31, facts(31), False, AS_OF, RULES, PriorState(1))
    assert (stage, since) == (2, None)


# -- default flag ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "exposure", "past_due", "flag"), [
    pytest.param(91, "1000.00", None, True, id="over-90-whole-exposure"),
    pytest.param(90, "1000.00", None, False, id="exactly-90"),
    pytest.param(91, "1000.00", "500.00", True, id="at-the-absolute-threshold"),
    pytest.param(91, "1000.00", "499.99", False, id="below-the-absolute-threshold"),
    pytest.param(91, "100000.00", "999.99", False, id="below-the-relative-threshold"),
    pytest.param(91, "100000.00", "1000.00", True, id="at-the-relative-threshold"),
    pytest.param(91, "400.00", None, False, id="small-debt"),
    pytest.param(91, "0.00", None, False, id="nothing-owed"),
])
def test_default_needs_more_than_90_days_on_a_material_amount(days: int, exposure: str, past_due: str | None,
                                                             flag: bool) -> None:
    debt = facts(days, exposure=exposure, past_due_amount=Decimal(past_due) if past_due else None)
    assert default_flag(days, debt, RULES)[0] is flag


def test_materiality_thresholds_are_configurable() -> None:
    rules = RuleSet.model_validate({"default": {"materiality_absolute": "0", "materiality_relative": "0",
                                                "days": 60}})
    assert default_flag(61, facts(61, exposure="10.00"), rules) == (True, ["default_dpd_over_60"])
    assert default_flag(60, facts(60, exposure="10.00"), rules)[0] is False


@pytest.mark.parametrize(("flag", "defaulted"), [
    ("fraud", True), ("deceased", True), ("bankrupt", True), ("restructured", True),
    ("disputed", False), ("hardship", False), ("uncontactable", False), ("legal_action", False),
])
def test_unlikely_to_pay_flags_default_a_debt_at_any_age(flag: str, defaulted: bool) -> None:
    found, reasons = default_flag(0, facts(0, exposure="10.00", flags=(flag,)), RULES)
    assert (found, f"unlikely_to_pay_{flag}" in reasons) == (defaulted, defaulted)


# -- overdue type --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "flags", "status", "expected"), [
    (0, (), "open", "current"),
    (10, (), "open", "early_overdue"),
    (90, (), "open", "early_overdue"),
    (91, (), "open", "default"),
    (10, ("disputed",), "open", "disputed"),
    (10, ("fraud",), "open", "suspected_fraud"),
    (10, ("deceased",), "open", "deceased"),
    (10, ("bankrupt",), "open", "bankrupt"),
    (10, ("uncontactable",), "open", "uncontactable"),
    (10, ("restructured",), "open", "restructured"),
    (10, ("deceased", "fraud", "disputed"), "open", "deceased"),
    (10, ("cease_contact",), "open", "early_overdue"),
    (10, ("legal_action",), "open", "early_overdue"),
    (200, (), "sold", "post_disposal"),
    (200, (), "written_off", "post_disposal"),
    (200, (), "settled", "closed"),
])
def test_overdue_type(days: int, flags: tuple[str, ...], status: str, expected: str) -> None:
    assert classify(facts(days, flags=flags, status=status), AS_OF, RULES).overdue_type == expected


def test_a_closed_debt_is_not_ageing() -> None:
    result = classify(facts(200, status="settled"), AS_OF, RULES)
    assert (result.days_past_due, result.dpd_bucket, result.default_flag, result.priority_score,
            result.priority_tier, result.next_change_on) == (0, "M0", False, Decimal("0.00"), "P4", None)


# -- priority -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "exposure", "expected_score", "tier"), [
    pytest.param(0, "10000.00", "9500.00", "P2", id="M0-0.95"),
    pytest.param(10, "10000.00", "11050.00", "P2", id="M1-0.85-roll-0.30"),
    pytest.param(45, "10000.00", "9750.00", "P2", id="M2-0.65-roll-0.50"),
    pytest.param(75, "10000.00", "8000.00", "P2", id="M3-0.50-roll-0.60"),
    pytest.param(100, "10000.00", "3800.00", "P3", id="M4-0.38"),
    pytest.param(130, "10000.00", "3000.00", "P3", id="M5-0.30"),
    pytest.param(160, "10000.00", "2400.00", "P3", id="M6-0.24"),
    pytest.param(400, "10000.00", "1200.00", "P3", id="M6+-0.12"),
    pytest.param(100, "100000.00", "38000.00", "P1", id="large"),
    pytest.param(400, "8333.33", "1000.00", "P3", id="at-the-P3-floor"),
    pytest.param(400, "8333.25", "999.99", "P4", id="just-below-P3"),
    pytest.param(400, "500.00", "60.00", "P4", id="small"),
])
def test_priority_follows_the_bucket_recovery_curve_and_roll_risk(days: int, exposure: str, expected_score: str,
                                                                 tier: str) -> None:
    debt = facts(days, exposure=exposure)
    score, found_tier, reasons = priority(dpd_bucket(days, RULES), debt, AS_OF, RULES)
    assert (score, found_tier) == (Decimal(expected_score), tier)
    assert reasons == ["bucket_recovery_curve"]


@pytest.mark.parametrize(("days", "probability", "expected_score", "tier"), [
    (100, "0.50", "5000.00", "P2"), (100, "0.10", "1000.00", "P3"), (10, "0.10", "1300.00", "P3"),
    (400, "0.90", "9000.00", "P2"), (400, "0.00", "0.00", "P4"),
])
def test_a_collection_score_replaces_the_curve(days: int, probability: str, expected_score: str, tier: str) -> None:
    debt = facts(days, exposure="10000.00", collection_score=Decimal(probability))
    score, found_tier, reasons = priority(dpd_bucket(days, RULES), debt, AS_OF, RULES)
    assert (score, found_tier, reasons) == (Decimal(expected_score), tier, ["collection_score"])


@pytest.mark.parametrize(("expires_in", "urgent"), [(-1, False), (0, True), (100, True), (180, True), (181, False)])
def test_a_limitation_period_ending_soon_raises_priority(expires_in: int, urgent: bool) -> None:
    debt = facts(100, exposure="10000.00", limitation_expires_on=AS_OF + timedelta(days=expires_in))
    score, tier, reasons = priority("M4", debt, AS_OF, RULES)
    assert (score, tier) == ((Decimal("5700.00"), "P2") if urgent else (Decimal("3800.00"), "P3"))
    assert ("limitation_period_ending" in reasons) is urgent


def test_a_score_past_what_money_holds_ranks_at_the_ceiling() -> None:
    """Urgency scales the exposure up: the largest debt intake accepts would otherwise score 17 integer digits, which
    the score column and DebtClassified cannot hold (its event went to the dead-letter topic)."""
    debt = facts(400, exposure="9999999999999999.99", collection_score=Decimal("1"),
                 limitation_expires_on=AS_OF + timedelta(days=10))
    score, tier, reasons = priority(dpd_bucket(400, RULES), debt, AS_OF, RULES)
    assert (score, tier) == (HIGHEST_PRIORITY_SCORE, "P1")
    assert reasons[-1] == "priority_score_capped"
    assert TypeAdapter(NonNegativeMoney).validate_python(score) == score  # what DebtClassified carries


def test_configured_tiers_and_weights_are_used() -> None:
    rules = RuleSet.model_validate({"priority": {"tiers": ["100", "50", "10"], "roll_risk": {},
                                                 "recovery_curve": {"M0": "1", "M1": "0.5"}}})
    assert priority("M1", facts(5, exposure="100.00"), AS_OF, rules)[:2] == (Decimal("50.00"), "P2")
    # A bucket missing from the curve takes the lowest probability in it.
    assert priority("M4", facts(100, exposure="100.00"), AS_OF, rules)[:2] == (Decimal("50.00"), "P2")


def test_classify_brings_every_dimension_together_with_reasons() -> None:
    result = classify(facts(285, exposure="12400.40"), AS_OF, RULES)
    assert (result.days_past_due, result.dpd_bucket, result.five_tier_class, result.ifrs9_stage, result.default_flag,
            result.overdue_type, result.priority_score, result.priority_tier) == (
        285, "M6+", "doubtful", 3, True, "default", Decimal("1488.05"), "P3")
    assert result.reason_codes == ("dpd_over_270", "default_dpd_over_90", "stage3_credit_impaired",
                                   "bucket_recovery_curve")
