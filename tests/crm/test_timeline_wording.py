"""CRM timeline wording as pure functions: each event reads with its key facts and without personal data."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from debtflow.common.events import EventPayload, ScheduledAction, registry
from debtflow.crm.timeline.wording import DESCRIBERS, NOT_ON_TIMELINE, describe
from support.harness import case_opened, classified, escalated, registered, strategy_assigned

DEBT = uuid.UUID("5b0c6d0e-1f7a-4c55-9a53-0e4c7f1e2d3a")
BORROWER = "BR-88812"


@pytest.mark.parametrize(
    ("payload", "facts"),
    [
        pytest.param(
            registered(DEBT, borrower_id=BORROWER, loan_id="LN-2026-000123", principal="12000.00",
                       interest="350.40", fees="50.00", days_overdue=285, as_of=date(2026, 11, 27)),
            ["LN-2026-000123", "lending-core-a", "CNY 12400.40", "2026-02-15"],
            id="registered",
        ),
        pytest.param(
            classified(DEBT, borrower_id=BORROWER, dpd_bucket="M6+", five_tier_class="doubtful", days_past_due=285,
                       previous_dpd_bucket="M6", previous_five_tier_class="substandard"),
            ["bucket M6 → M6+", "285 days past due", "five-tier class substandard → doubtful"],
            id="reclassified",
        ),
        pytest.param(
            classified(DEBT, borrower_id=BORROWER, dpd_bucket="M2", five_tier_class="special_mention",
                       days_past_due=45),
            ["First classified", "bucket M2", "45 days past due", "special mention"],
            id="first-classification",
        ),
        pytest.param(
            strategy_assigned(DEBT, borrower_id=BORROWER, strategy_code="early-call", channel="call"),
            ["early-call", "call", "2026-11-27 10:30 UTC"],
            id="strategy-assigned",
        ),
        pytest.param(
            escalated(DEBT, borrower_id=BORROWER, reason_code="refuses_to_pay"),
            ["legal", "refuses to pay"],
            id="escalated",
        ),
        pytest.param(
            case_opened(DEBT, borrower_id=BORROWER, trigger="escalated_by_collections", five_tier_class=None),
            ["Legal case opened", "escalated by collections", "pre litigation"],
            id="legal-case-opened",
        ),
    ],
)
def test_each_event_reads_with_its_key_facts(payload: EventPayload, facts: list[str]) -> None:
    summary = describe(payload)
    for fact in facts:
        assert fact in summary
    assert len(summary) <= 500


def test_a_classification_in_the_same_bucket_does_not_claim_a_bucket_change() -> None:
    summary = describe(classified(DEBT, dpd_bucket="M4", previous_dpd_bucket="M4", previous_five_tier_class="substandard",
                                  ifrs9_stage=3, previous_ifrs9_stage=2))
    assert "bucket" not in summary and "five-tier" not in summary
    assert "IFRS 9 stage 2 → 3" in summary


def test_successive_reclassifications_in_one_bucket_say_which_dimension_changed() -> None:
    """The defect: a run of "Classified M6, 170 days past due" lines that all read the same."""
    same = {"dpd_bucket": "M6", "previous_dpd_bucket": "M6", "five_tier_class": "doubtful",
            "previous_five_tier_class": "doubtful", "days_past_due": 170}
    lines = [
        describe(classified(DEBT, **same, ifrs9_stage=3, previous_ifrs9_stage=2)),
        describe(classified(DEBT, **same, default_flag=True, previous_default_flag=False)),
        describe(classified(DEBT, **same, priority_tier="P1", previous_priority_tier="P2")),
        describe(classified(DEBT, **same, overdue_type="disputed", previous_overdue_type="default")),
    ]
    assert len(set(lines)) == len(lines), lines
    assert ["IFRS 9 stage 2 → 3" in lines[0], "not in default → in default" in lines[1],
            "priority P2 → P1" in lines[2], "overdue type default → disputed" in lines[3]] == [True] * 4


def test_a_reclassification_that_moves_no_shown_dimension_names_the_rule_set() -> None:
    summary = describe(classified(DEBT, dpd_bucket="M4", previous_dpd_bucket="M4",
                                  previous_five_tier_class="substandard"))
    assert "rule set builtin-2026.1" in summary and "M4 unchanged" in summary


@pytest.mark.parametrize(
    "payload",
    [
        registered(DEBT, borrower_id=BORROWER),
        classified(DEBT, borrower_id=BORROWER),
        strategy_assigned(DEBT, borrower_id=BORROWER),
        escalated(DEBT, borrower_id=BORROWER, escalated_by="zhang.wei@collections.example"),
        case_opened(DEBT, borrower_id=BORROWER),
    ],
    ids=lambda payload: type(payload).__name__,
)
def test_no_description_carries_the_borrower_or_a_person(payload: EventPayload) -> None:
    summary = describe(payload)
    assert BORROWER not in summary
    assert "zhang.wei" not in summary  # the collector who escalated is not named on the borrower's record


def test_every_registered_debt_event_type_has_a_description() -> None:
    debt_events = {model.event_type for model in registry.all()
                   if "debt_id" in model.model_fields and model not in NOT_ON_TIMELINE}
    described = {model.event_type for model in DESCRIBERS}
    assert debt_events <= described
    # Beyond events about debts, only crm's own borrower-wide records are on the timeline (consent, preferences,
    # vulnerability, satisfaction): a borrower's relationship, not a debt's.
    assert {model.producer for model in DESCRIBERS if model.event_type not in debt_events} == {"crm"}


def test_the_scheduled_time_is_shown_in_utc_whatever_offset_the_event_carries() -> None:
    # 08:00 in Shanghai is 00:00 UTC; the timeline labels the time UTC, so it must show 00:00.
    shanghai_morning = datetime(2026, 11, 28, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    payload = strategy_assigned(DEBT).model_copy(
        update={"first_action": ScheduledAction(channel="sms", scheduled_for=shanghai_morning)}
    )
    assert shanghai_morning.astimezone(UTC) == datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
    assert "2026-11-28 00:00 UTC" in describe(payload)
