"""Every event classification consumes, as a real CloudEvent: what it does to the debt's classification."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from debtflow.common.events import CloudEvent
from support.classification import (
    LENDER,
    SUPERVISOR,
    TODAY,
    circumstance,
    classification,
    classified_events,
    contact_restricted,
    days,
    debt,
    dims,
    dispute_opened,
    dispute_resolved,
    hardship_ended,
    hardship_granted,
    history_count,
    limitation,
    payment,
    publish_all,
    restructured,
    reversal,
    score,
    snapshot,
)
from support.harness import Harness, case_opened, escalated

D0 = TODAY - days(120)


async def test_a_registration_is_classified_on_its_as_of_date(shared: Harness) -> None:
    reg = debt(45, D0, principal="10000.00")
    await publish_all(shared, reg)
    current = await classification(shared, reg.debt_id, D0)
    assert (current["days_past_due"], current["priority_score"], current["exposure"]) == (45, "9750.00", "10000.00")
    assert dims(current) == ("M2", "special_mention", 2, False, "early_overdue", "P2")
    assert current["next_change_on"] == (D0 + days(16)).isoformat()  # 61 days: M3
    assert datetime.fromisoformat(current["registered_at"]) == reg.registered_at
    [event] = classified_events(shared, reg.debt_id)
    assert (event.as_of_date, event.days_past_due, event.dpd_bucket, event.five_tier_class, event.ifrs9_stage,
            event.default_flag, event.overdue_type, event.priority_tier, event.status) == (
        D0, 45, "M2", "special_mention", 2, False, "early_overdue", "P2", "open")
    assert (event.previous_dpd_bucket, event.previous_ifrs9_stage, event.previous_priority_tier) == (None, None, None)
    assert event.ruleset_version == current["ruleset_version"] == "builtin-2026.1"
    assert "dpd_over_0" in event.reason_codes


async def test_the_largest_debt_intake_accepts_is_classified_and_announced(shared: Harness) -> None:
    """Its urgency-weighted score would have 17 integer digits: it ranks at the ceiling instead of failing the
    DebtClassified event (which sent it to the dead-letter topic)."""
    reg = debt(10, D0, principal="9999999999999999.99")  # M1: recovery 0.85 x urgency 1.3
    await publish_all(shared, reg)
    current = await classification(shared, reg.debt_id, D0)
    assert (current["priority_score"], current["priority_tier"]) == ("9999999999999999.99", "P1")
    [event] = classified_events(shared, reg.debt_id)
    assert "priority_score_capped" in event.reason_codes


async def test_a_payment_of_the_oldest_instalment_counts_from_the_next_one(shared: Harness) -> None:
    reg = debt(100, D0)
    paid = payment(reg, version=2, first_unpaid_after=D0 - days(10), day=D0 + days(5))
    await publish_all(shared, reg, paid)
    current = await classification(shared, reg.debt_id, D0 + days(5))
    assert (current["days_past_due"], current["exposure"]) == (15, "900.00")
    # Better at once on every dimension but the IFRS 9 stage, which waits out its cure probation.
    assert dims(current)[:2] + dims(current)[3:5] == ("M1", "special_mention", False, "early_overdue")
    assert current["ifrs9_stage"] == 3
    first, second = classified_events(shared, reg.debt_id)
    assert (first.dpd_bucket, second.previous_dpd_bucket, second.dpd_bucket) == ("M4", "M4", "M1")
    assert (second.previous_default_flag, second.default_flag, second.as_of_date) == (True, False, D0 + days(5))


async def test_a_payment_that_cures_a_debt_makes_it_current_but_stage_3_stays_on_probation(shared: Harness) -> None:
    reg = debt(100, D0)
    cured_on = D0 + days(5)
    await publish_all(shared, reg, payment(reg, version=2, first_unpaid_after=None, day=cured_on, amount="500.00",
                                           total_after="500.00"))
    current = await classification(shared, reg.debt_id, cured_on)
    assert (current["days_past_due"], current["dpd_bucket"], current["five_tier_class"], current["default_flag"],
            current["overdue_type"]) == (0, "M0", "normal", False, "current")
    assert current["ifrs9_stage"] == 3
    assert "stage3_cure_probation" in current["reason_codes"]
    assert current["next_change_on"] == (cured_on + days(90)).isoformat()
    # Nothing unpaid: it stays current whatever the day.
    assert (await classification(shared, reg.debt_id, cured_on + days(60)))["days_past_due"] == 0


async def test_a_reversal_makes_a_cured_debt_overdue_again(shared: Harness) -> None:
    reg = debt(100, D0)
    paid = payment(reg, version=2, first_unpaid_after=None, day=D0 + days(5), total_after="0.00", amount="1000.00")
    await publish_all(shared, reg, paid, reversal(paid, version=3, first_unpaid_after=reg.first_unpaid_due_date,
                                                  day=D0 + days(8)))
    current = await classification(shared, reg.debt_id, D0 + days(8))
    assert (current["days_past_due"], current["exposure"]) == (108, "1000.00")
    assert dims(current) == ("M4", "substandard", 3, True, "default", "P4")
    events = classified_events(shared, reg.debt_id)
    assert [event.dpd_bucket for event in events] == ["M4", "M0", "M4"]
    assert (events[2].previous_dpd_bucket, events[2].previous_overdue_type) == ("M0", "current")


async def test_snapshots_apply_by_version_and_an_older_one_arriving_late_is_ignored(shared: Harness) -> None:
    reg = debt(10, D0)
    newer = snapshot(reg, version=3, first_unpaid=D0 - days(100), as_of=D0 + days(2))
    older = snapshot(reg, version=2, first_unpaid=None, as_of=D0 + days(1), total="0.00", status="settled")
    await publish_all(shared, reg, newer)
    before = await classification(shared, reg.debt_id, D0 + days(2))
    assert (before["days_past_due"], before["dpd_bucket"], before["status"]) == (102, "M4", "open")
    await publish_all(shared, older)
    assert await classification(shared, reg.debt_id, D0 + days(2)) == before
    assert len(classified_events(shared, reg.debt_id)) == 2
    assert await history_count(shared, reg.debt_id) == 2


async def test_a_payment_arriving_before_the_registration_is_applied_and_kept(shared: Harness) -> None:
    registered_at = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    reg = debt(100, D0, registered_at=registered_at)
    # Intake's later figures (version 2) overtake its registration (version 1) on another topic.
    await publish_all(shared, payment(reg, version=2, first_unpaid_after=D0 - days(20), day=D0 + days(5)))
    early = await classification(shared, reg.debt_id, D0 + days(5))
    assert (early["days_past_due"], early["dpd_bucket"], early["exposure"]) == (25, "M1", "900.00")
    assert early["registered_at"] is None

    await publish_all(shared, reg)
    current = await classification(shared, reg.debt_id, D0 + days(5))
    assert (current["days_past_due"], current["dpd_bucket"], current["exposure"]) == (25, "M1", "900.00")
    assert datetime.fromisoformat(current["registered_at"]) == registered_at  # kept for the SLA
    assert [event.dpd_bucket for event in classified_events(shared, reg.debt_id)] == ["M1"]


async def test_duplicate_deliveries_change_nothing(shared: Harness) -> None:
    reg = debt(100, D0)
    opened = dispute_opened(reg, D0 + days(1))
    envelopes = [CloudEvent.new(reg, source_service="intake"),
                 CloudEvent.new(payment(reg, version=2, first_unpaid_after=None, day=D0 + days(3)),
                                source_service="intake", time=datetime.combine(D0 + days(3), datetime.min.time(), UTC)),
                 CloudEvent.new(opened, source_service="crm")]
    for envelope in envelopes:
        for _ in range(3):
            await shared.deliver(envelope)
        await shared.settled()
    assert len(classified_events(shared, reg.debt_id)) == 3
    assert await history_count(shared, reg.debt_id) == 3
    current = await classification(shared, reg.debt_id, D0 + days(3))
    assert (current["dpd_bucket"], current["overdue_type"]) == ("M0", "disputed")


async def test_a_dispute_stops_the_clock_until_it_is_resolved(shared: Harness) -> None:
    reg = debt(20, D0)
    opened = dispute_opened(reg, D0)
    await publish_all(shared, reg, opened)
    paused = await classification(shared, reg.debt_id, D0)
    assert (paused["overdue_type"], paused["ifrs9_stage"], paused["next_change_on"]) == ("disputed", 2, None)
    assert (await classification(shared, reg.debt_id, D0 + days(25)))["days_past_due"] == 20

    await publish_all(shared, dispute_resolved(opened, D0 + days(30)))
    resumed = await classification(shared, reg.debt_id, D0)
    assert resumed["overdue_type"] == "early_overdue"
    assert resumed["next_change_on"] == (D0 + days(41)).isoformat()  # 20 counted before, 11 more after the dispute
    on_day_40 = await classification(shared, reg.debt_id, D0 + days(40))
    on_day_41 = await classification(shared, reg.debt_id, D0 + days(41))
    assert (on_day_40["days_past_due"], on_day_40["dpd_bucket"]) == (30, "M1")
    assert (on_day_41["days_past_due"], on_day_41["dpd_bucket"]) == (31, "M2")


async def test_a_hardship_arrangement_stops_the_clock_like_a_dispute(shared: Harness) -> None:
    reg = debt(20, D0)
    granted = hardship_granted(reg, D0)
    await publish_all(shared, reg, granted)
    during = await classification(shared, reg.debt_id, D0 + days(50))
    assert (during["days_past_due"], during["ifrs9_stage"], during["next_change_on"]) == (20, 2, None)
    await publish_all(shared, hardship_ended(granted, D0 + days(10)))
    assert (await classification(shared, reg.debt_id, D0 + days(20)))["days_past_due"] == 30
    assert (await classification(shared, reg.debt_id, D0 + days(21)))["dpd_bucket"] == "M2"


async def test_a_hardship_with_a_known_end_counts_again_from_that_day(shared: Harness) -> None:
    reg = debt(20, D0)
    await publish_all(shared, reg, hardship_granted(reg, D0, D0 + days(10)))
    current = await classification(shared, reg.debt_id, D0 + days(21))
    assert (current["days_past_due"], current["dpd_bucket"]) == (31, "M2")


async def test_a_dispute_about_every_debt_of_a_borrower_pauses_each(shared: Harness) -> None:
    first = debt(20, D0)
    second = debt(50, D0, borrower_id=first.borrower_id)
    await publish_all(shared, first, second, dispute_opened(first, D0, whole_borrower=True))
    for reg, count in ((first, 20), (second, 50)):
        current = await classification(shared, reg.debt_id, D0 + days(30))
        assert (current["days_past_due"], current["overdue_type"]) == (count, "disputed")


async def test_a_death_makes_the_debt_a_loss_until_withdrawn(shared: Harness) -> None:
    reg = debt(10, D0)
    await publish_all(shared, reg, circumstance(reg.debt_id, reg.borrower_id, "deceased"))
    current = await classification(shared, reg.debt_id, D0)
    assert dims(current)[:5] == ("M1", "loss", 3, True, "deceased")
    assert {"flag_deceased", "unlikely_to_pay_deceased"} <= set(current["reason_codes"])
    await publish_all(shared, circumstance(reg.debt_id, reg.borrower_id, "deceased", active=False))
    withdrawn = await classification(shared, reg.debt_id, D0)
    assert dims(withdrawn)[:5] == ("M1", "special_mention", 3, False, "early_overdue")  # stage 3 on probation
    assert [event.five_tier_class for event in classified_events(shared, reg.debt_id)] == [
        "special_mention", "loss", "special_mention"]


async def test_an_uncontactable_borrower_is_stage_2_and_typed_so(shared: Harness) -> None:
    reg = debt(10, D0)
    await publish_all(shared, reg, contact_restricted(reg, "uncontactable"))
    current = await classification(shared, reg.debt_id, D0)
    assert dims(current)[:5] == ("M1", "special_mention", 2, False, "uncontactable")


async def test_a_cease_contact_request_changes_no_dimension_and_announces_nothing(shared: Harness) -> None:
    reg = debt(10, D0)
    await publish_all(shared, reg, contact_restricted(reg, "cease_contact"))
    assert dims(await classification(shared, reg.debt_id, D0))[:5] == (
        "M1", "special_mention", 1, False, "early_overdue")
    assert len(classified_events(shared, reg.debt_id)) == 1


async def test_a_restructured_debt_is_at_least_substandard_and_typed_restructured(shared: Harness) -> None:
    reg = debt(10, D0)
    await publish_all(shared, reg, restructured(reg, D0))
    current = await classification(shared, reg.debt_id, D0)
    assert (current["dpd_bucket"], current["five_tier_class"], current["overdue_type"]) == (
        "M1", "substandard", "restructured")
    assert "restructured_probation" in current["reason_codes"]


async def test_a_restructured_debt_is_unlikely_to_pay_so_in_default_and_ifrs9_stage_3(shared: Harness) -> None:
    """A distressed restructuring is an unlikely-to-pay indicator (Basel/EBA), the five-tier rules make it
    non-performing (at least substandard), so by default it is credit-impaired: stage 3."""
    reg = debt(10, D0)
    await publish_all(shared, reg, restructured(reg, D0))
    current = await classification(shared, reg.debt_id, D0)
    assert (current["ifrs9_stage"], current["default_flag"], current["five_tier_class"]) == (
        3, True, "substandard"), current["reason_codes"]
    assert "unlikely_to_pay_restructured" in current["reason_codes"]


async def test_a_collection_score_replaces_the_curve_in_the_priority(shared: Harness) -> None:
    reg = debt(45, D0, principal="10000.00")
    await publish_all(shared, reg, score(reg, "0.30"))
    current = await classification(shared, reg.debt_id, D0)
    assert (current["priority_score"], current["priority_tier"]) == ("4500.00", "P3")
    assert "collection_score" in current["reason_codes"]
    await publish_all(shared, score(reg, "0.31"))  # the tier stays: the score moves, nothing announced
    assert (await classification(shared, reg.debt_id, D0))["priority_score"] == "4650.00"
    events = classified_events(shared, reg.debt_id)
    assert [(event.previous_priority_tier, event.priority_tier) for event in events] == [(None, "P2"), ("P2", "P3")]


async def test_a_limitation_period_ending_soon_raises_the_priority(shared: Harness) -> None:
    soon, later = debt(45, D0, principal="4000.00"), debt(45, D0, principal="4000.00")
    await publish_all(shared, soon, later, limitation(soon, D0 + days(100)), limitation(later, D0 + days(400)))
    urgent = await classification(shared, soon.debt_id, D0)
    assert (urgent["priority_score"], urgent["priority_tier"]) == ("5200.00", "P2")
    assert "limitation_period_ending" in urgent["reason_codes"]
    calm = await classification(shared, later.debt_id, D0)
    assert (calm["priority_score"], calm["priority_tier"]) == ("3900.00", "P3")
    assert calm["next_change_on"] == (D0 + days(16)).isoformat()
    assert len(classified_events(shared, later.debt_id)) == 1


async def test_an_escalation_or_a_legal_case_puts_the_debt_in_stage_3(shared: Harness) -> None:
    by_collections, by_legal = debt(10, D0), debt(10, D0)
    await publish_all(shared, by_collections, by_legal,
                      escalated(by_collections.debt_id, borrower_id=by_collections.borrower_id),
                      case_opened(by_legal.debt_id, borrower_id=by_legal.borrower_id))
    for reg in (by_collections, by_legal):
        current = await classification(shared, reg.debt_id, D0)
        assert (current["ifrs9_stage"], current["dpd_bucket"], current["five_tier_class"]) == (
            3, "M1", "special_mention")
        assert [event.ifrs9_stage for event in classified_events(shared, reg.debt_id)] == [1, 3]


async def test_events_about_a_debt_not_registered_yet_wait_for_it(shared: Harness) -> None:
    reg = debt(30, D0, principal="10000.00")
    waiting = [circumstance(reg.debt_id, reg.borrower_id, "bankrupt"), dispute_opened(reg, D0),
               score(reg, "0.20"), escalated(reg.debt_id, borrower_id=reg.borrower_id)]
    await publish_all(shared, *waiting)
    assert classified_events(shared, reg.debt_id) == []
    assert (await shared.client.get(f"/v1/classifications/{reg.debt_id}", headers=SUPERVISOR)).status_code == 404

    await publish_all(shared, reg)
    current = await classification(shared, reg.debt_id, D0 + days(10))
    assert (current["days_past_due"], current["priority_score"]) == (30, "2600.00")  # paused since D0; 10000 x 0.20 x 1.3
    assert dims(current)[:5] == ("M1", "loss", 3, True, "bankrupt")
    assert len(classified_events(shared, reg.debt_id)) == 1


async def test_a_settled_or_sold_debt_is_closed(shared: Harness) -> None:
    settled, sold = debt(100, D0), debt(100, D0)
    await publish_all(shared, settled, sold,
                      snapshot(settled, version=2, first_unpaid=None, as_of=D0 + days(1), total="0.00",
                               status="settled"),
                      snapshot(sold, version=2, first_unpaid=D0 - days(100), as_of=D0 + days(1), status="sold",
                               cause="disposal"))
    for reg, kind in ((settled, "closed"), (sold, "post_disposal")):
        current = await classification(shared, reg.debt_id, D0 + days(1))
        assert (current["status"], current["days_past_due"], current["overdue_type"], current["priority_score"],
                current["priority_tier"], current["next_change_on"]) == (
            "settled" if kind == "closed" else "sold", 0, kind, "0.00", "P4", None)
        assert classified_events(shared, reg.debt_id)[-1].status == current["status"]


async def test_an_unknown_debt_is_not_found_and_reading_needs_a_staff_token(shared: Harness) -> None:
    unknown = f"/v1/classifications/{uuid.uuid4()}"
    assert (await shared.client.get(unknown, headers=SUPERVISOR)).status_code == 404
    assert (await shared.client.get(unknown)).status_code == 401
    assert (await shared.client.get(unknown, headers=LENDER)).status_code == 403
