"""A case's life on SQLite and PostgreSQL: opened on classification with its first step planned, closed when the
debt is paid off, sold or written off (nothing more is planned or sent), reopened when it is overdue again;
strategies written and activated with four eyes; a dry run; champion/challenger arms."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from debtflow.collections.schedule.models import PlannedAction
from debtflow.common.events import (
    CollectionCaseClosed,
    CollectionCaseReopened,
    DebtSold,
    DebtUpdated,
    StrategyAssigned,
    VulnerabilityRecorded,
)
from debtflow.common.events.intake import BalanceSnapshot
from support import token
from support.agents import paid
from support.harness import NOW, Harness, classified, registered

STAFF = token("supervisor", subject="supervisor-1")
CHECKER = token("supervisor", subject="supervisor-2")
ZERO = Decimal("0.00")


def _mine(service: Harness, event_type: type, debt_id: uuid.UUID) -> list[Any]:
    return [event for event in service.emitted(event_type) if event.data.debt_id == debt_id]


async def _actions(service: Harness, debt_id: uuid.UUID) -> list[dict[str, Any]]:
    return await service.get_json(f"/v1/cases/{debt_id}/actions", STAFF)


async def _open_case(service: Harness, bucket: str = "M1") -> uuid.UUID:
    debt_id = uuid.uuid4()
    await service.publish(classified(debt_id, borrower_id=f"BR-{debt_id.hex[:8]}", dpd_bucket=bucket,
                                     overdue_type="early_overdue"))
    await service.settled()
    return debt_id


async def test_a_classified_debt_gets_its_strategy_and_first_step_planned(shared: Harness) -> None:
    debt_id = await _open_case(shared, "M1")
    case = await shared.get_json(f"/v1/cases/{debt_id}", STAFF)
    assert (case["status"], case["strategy_code"], case["strategy_version"], case["step_index"]) == (
        "active", "early-reminder", 0, 0)
    [action] = await _actions(shared, debt_id)
    assert (action["channel"], action["template_code"], action["status"]) == ("sms", "default.reminder", "scheduled")
    assert action["due_at"] == case["next_action_at"]
    [assigned] = _mine(shared, StrategyAssigned, debt_id)
    assert assigned.data.first_action.channel == "sms"


async def test_a_debt_paid_in_full_closes_its_case_and_cancels_what_was_planned(shared: Harness) -> None:
    debt_id = await _open_case(shared, "M1")
    await shared.publish(classified(debt_id, borrower_id=f"BR-{debt_id.hex[:8]}", dpd_bucket="M0", days_past_due=0,
                                    overdue_type="closed", status="settled"))
    await shared.settled()

    case = await shared.get_json(f"/v1/cases/{debt_id}", STAFF)
    assert (case["status"], case["close_reason"], case["next_action_at"]) == ("closed", "settled", None)
    assert [(a["status"], a["rule"]) for a in await _actions(shared, debt_id)] == [("cancelled", "case_closed")]
    [closed] = _mine(shared, CollectionCaseClosed, debt_id)
    assert (closed.data.reason, closed.data.cancelled_actions) == ("settled", 1)
    # Nothing is due for it any more: the dispatcher finds no scheduled step of this debt.
    assert await shared.count(PlannedAction, PlannedAction.debt_id == debt_id,
                              PlannedAction.status == "scheduled") == 0


async def test_intakes_settlement_and_legals_sale_close_the_case_too(shared: Harness) -> None:
    settled_debt, sold_debt = await _open_case(shared, "M2"), await _open_case(shared, "M6+")
    balances = BalanceSnapshot(principal=ZERO, interest=ZERO, penalty_interest=ZERO, fees=ZERO, total=ZERO)
    await shared.publish(DebtUpdated(debt_id=settled_debt, borrower_id="BR-x", cause="snapshot", version=3,
                                     currency="CNY", balances=balances, first_unpaid_due_date=None,
                                     as_of_date=NOW.date(), status="settled", updated_at=NOW))
    await shared.publish(DebtSold(debt_id=sold_debt, borrower_id="BR-y", buyer_ref="buyer-1",
                                  sale_price=Decimal("100.00"), currency="CNY", sold_on=NOW.date(), sold_at=NOW))
    await shared.settled()
    for debt_id, reason in ((settled_debt, "settled"), (sold_debt, "sold")):
        case = await shared.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert (case["status"], case["close_reason"]) == ("closed", reason)
        assert {a["status"] for a in await _actions(shared, debt_id)} == {"cancelled"}


async def test_a_cured_case_reopens_when_the_debt_is_overdue_again(shared: Harness) -> None:
    debt_id = await _open_case(shared, "M1")
    borrower = f"BR-{debt_id.hex[:8]}"
    await shared.publish(classified(debt_id, borrower_id=borrower, dpd_bucket="M0", days_past_due=0,
                                    overdue_type="current", as_of=NOW.date()))
    await shared.settled()
    assert (await shared.get_json(f"/v1/cases/{debt_id}", STAFF))["close_reason"] == "cured"

    # A reversed payment: overdue again, classified a day later.
    await shared.publish(classified(debt_id, borrower_id=borrower, dpd_bucket="M1", days_past_due=31,
                                    overdue_type="early_overdue", as_of=NOW.date() + timedelta(days=1)))
    await shared.settled()
    case = await shared.get_json(f"/v1/cases/{debt_id}", STAFF)
    assert (case["status"], case["close_reason"], case["strategy_code"], case["step_index"]) == (
        "active", None, "early-reminder", 0)
    assert [a["status"] for a in await _actions(shared, debt_id)] == ["scheduled", "cancelled"]
    assert len(_mine(shared, CollectionCaseReopened, debt_id)) == 1


def _definition(rank: int = 50) -> dict[str, Any]:
    return {"name": "Email first", "rank": rank, "segment": {"buckets": ["M1"], "products": ["test-email-first"]},
            "steps": [{"day": 0, "channel": "email", "template": "default.reminder", "tone": "reminder"},
                      {"day": 5, "channel": "sms", "template": "default.reminder", "tone": "reminder"}]}


async def test_a_strategy_version_needs_a_second_supervisor_and_then_takes_its_segment(shared: Harness) -> None:
    code = f"email-first-{uuid.uuid4().hex[:6]}"
    written = await shared.client.post("/v1/strategies", json={"code": code, "definition": _definition()},
                                       headers=STAFF)
    assert written.status_code == 201, written.text
    assert (written.json()["version"], written.json()["status"]) == (1, "draft")

    by_author = await shared.client.post(f"/v1/strategies/{code}/versions/1:activate", headers=STAFF)
    assert by_author.status_code == 409, by_author.text
    assert by_author.json()["type"].endswith("four-eyes")
    activated = await shared.client.post(f"/v1/strategies/{code}/versions/1:activate", headers=CHECKER)
    assert activated.status_code == 200, activated.text
    assert (activated.json()["status"], activated.json()["activated_by"]) == ("active", "supervisor-2")

    # The product comes with intake's registration, before the case opens; another product keeps the built-in.
    debts = {}
    for product in ("test-email-first", "cash-loan"):
        debt_id = uuid.uuid4()
        await shared.publish(registered(debt_id, borrower_id="BR-ef1").model_copy(update={"product": product}))
        debts[product] = debt_id
    await shared.settled()  # intake's topic and classification's are two: registered first, as in production
    for debt_id in debts.values():
        await shared.publish(classified(debt_id, borrower_id="BR-ef1", dpd_bucket="M1", overdue_type="early_overdue"))
    await shared.settled()
    taken = await shared.get_json(f"/v1/cases/{debts['test-email-first']}", STAFF)
    assert (taken["strategy_code"], taken["strategy_version"], taken["next_action_channel"]) == (code, 1, "email")
    other = await shared.get_json(f"/v1/cases/{debts['cash-loan']}", STAFF)
    assert other["strategy_code"] == "early-reminder"

    again = await shared.client.post(f"/v1/strategies/{code}/versions/1:activate", headers=CHECKER)
    assert again.status_code == 409 and again.json()["current_state"] == "active"


async def test_a_dry_run_counts_what_would_change_and_writes_nothing(shared: Harness) -> None:
    await _open_case(shared, "M1")
    definition = _definition(rank=1) | {"segment": {"buckets": ["M1"]}}
    response = await shared.client.post("/v1/strategies:dry-run", json={"code": "all-m1-by-email",
                                                                        "definition": definition}, headers=STAFF)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["would_change"] == body["by_strategy_proposed"]["all-m1-by-email"] >= 1
    assert body["by_strategy_now"].get("all-m1-by-email") is None
    assert sum(body["by_strategy_now"].values()) == sum(body["by_strategy_proposed"].values()) == body["cases"]
    listed = await shared.get_json("/v1/strategies/versions?code=all-m1-by-email", STAFF)
    assert listed == []


async def test_bad_strategy_input_is_a_problem_naming_the_field(shared: Harness) -> None:
    bad = _definition() | {"steps": [{"day": 0, "channel": "pigeon", "template": "default.reminder", "tone": "reminder"}]}
    response = await shared.client.post("/v1/strategies", json={"code": "x", "definition": bad}, headers=STAFF)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any("channel" in error["field"] for error in response.json()["errors"])
    collector = await shared.client.post("/v1/strategies", json={"code": "x", "definition": _definition()},
                                         headers=token("collector"))
    assert collector.status_code == 403


async def test_an_experiment_splits_the_champions_new_cases_between_arms(shared: Harness) -> None:
    experiment = f"m4-{uuid.uuid4().hex[:6]}"
    body = {"id": experiment, "champion_code": "formal-demand", "description": "letter vs calls first",
            "arms": [{"strategy_code": "formal-demand", "percent": 50},
                     {"strategy_code": "intensive-call", "percent": 50}]}
    created = await shared.client.post("/v1/experiments", json=body, headers=STAFF)
    assert created.status_code == 201, created.text
    assert (await shared.client.post(f"/v1/experiments/{experiment}:start", headers=STAFF)).status_code == 409
    started = await shared.client.post(f"/v1/experiments/{experiment}:start", headers=CHECKER)
    assert started.status_code == 200 and started.json()["status"] == "running"

    debts = [uuid.uuid4() for _ in range(16)]
    for debt_id in debts:
        await shared.publish(classified(debt_id, borrower_id=f"BR-{debt_id.hex[:8]}", dpd_bucket="M4"))
    await shared.settled()
    cases = [await shared.get_json(f"/v1/cases/{debt_id}", STAFF) for debt_id in debts]
    assert {case["experiment_id"] for case in cases} == {experiment}
    assert {case["arm"] for case in cases} == {"formal-demand", "intensive-call"}
    assert all(case["strategy_code"] == case["arm"] for case in cases)

    # A payment on one debt of each arm: the results count it against that arm's exposure at entry.
    for case in cases[:1] + [c for c in cases if c["arm"] != cases[0]["arm"]][:1]:
        await shared.publish(paid(uuid.UUID(case["debt_id"]), "250.00", borrower_id=case["borrower_id"]))
    await shared.settled()
    results = await shared.get_json(f"/v1/experiments/{experiment}/results", STAFF)
    arms = {arm["strategy_code"]: arm for arm in results["arms"]}
    assert [arm["strategy_code"] for arm in results["arms"]][0] == "formal-demand"  # the champion first
    assert sum(arm["debts"] for arm in arms.values()) == 16
    for arm in arms.values():
        assert Decimal(arm["recovered"]) == Decimal("250.00")
        assert arm["recovery_rate"]["value"] == pytest.approx(250 / (1000 * arm["debts"]))
    [comparisons] = results["comparisons"].values()
    assert {c["measure"] for c in comparisons} >= {"recovery rate", "cure rate"}
    assert all(not c["significant"] and "fewer than 30" in c["statement"] for c in comparisons)
    assert "Wilson" in results["method"]

    stopped = await shared.client.post(f"/v1/experiments/{experiment}:stop", headers=STAFF)
    assert stopped.status_code == 200


async def test_promoting_a_challenger_takes_two_supervisors_and_gives_the_champion_its_path(shared: Harness) -> None:
    experiment = f"m2-{uuid.uuid4().hex[:6]}"
    body = {"id": experiment, "champion_code": "early-call",
            "arms": [{"strategy_code": "early-call", "percent": 60}, {"strategy_code": "intensive-call", "percent": 40}]}
    assert (await shared.client.post("/v1/experiments", json=body, headers=STAFF)).status_code == 201
    assert (await shared.client.post(f"/v1/experiments/{experiment}:start", headers=CHECKER)).status_code == 200

    path = f"/v1/experiments/{experiment}:promote"
    asked = await shared.client.post(path, json={"strategy_code": "intensive-call"}, headers=STAFF)
    assert (asked.status_code, asked.json()["promotion_requested_by"]) == (200, "supervisor-1")
    again = await shared.client.post(path, json={"strategy_code": "intensive-call"}, headers=STAFF)
    assert again.status_code == 409 and again.json()["type"].endswith("four-eyes")
    not_an_arm = await shared.client.post(path, json={"strategy_code": "pre-legal"}, headers=CHECKER)
    assert not_an_arm.status_code == 422
    approved = await shared.client.post(path, json={"strategy_code": "intensive-call"}, headers=CHECKER)
    assert (approved.status_code, approved.json()["status"]) == (200, "promoted")

    in_force = {s["code"]: s for s in await shared.get_json("/v1/strategies", STAFF)}
    champion = in_force["early-call"]
    assert champion["version"] >= 1 and champion["status"] == "active"
    assert champion["definition"]["segment"]["buckets"] == ["M2"]  # the champion's segment stays
    assert [step["channel"] for step in champion["definition"]["steps"]] == [
        step["channel"] for step in in_force["intensive-call"]["definition"]["steps"]]


async def test_a_vulnerability_recorded_later_gives_the_open_case_the_care_strategy(shared: Harness) -> None:
    debt_id = await _open_case(shared, "M4")
    borrower_id = f"BR-{debt_id.hex[:8]}"
    await shared.publish(VulnerabilityRecorded(borrower_id=borrower_id, vulnerability_id=uuid.uuid4(),
                                               kind="bereavement", specialist_team="care", active=True,
                                               recorded_at=NOW))
    await shared.settled()
    await shared.publish(classified(debt_id, borrower_id=borrower_id, dpd_bucket="M4", overdue_type="default",
                                    as_of=NOW.date() + timedelta(days=1)))
    await shared.settled()
    assert (await shared.get_json(f"/v1/cases/{debt_id}", STAFF))["strategy_code"] == "vulnerable-care"
