"""Interactions, vulnerability and satisfaction on SQLite and PostgreSQL: contacts logged with notes screened and
put on the timeline; vulnerable borrowers routed to a specialist team; CSAT scored once per contact and reported
per collector, agency, strategy and month."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from debtflow.common.clock import utcnow
from debtflow.common.events import InteractionLogged, SatisfactionRecorded, VulnerabilityRecorded
from support import token
from support.crm import (
    AUDITOR,
    COLLECTOR,
    OTHER_COLLECTOR,
    SUPERVISOR,
    TENANT,
    business_today,
    known_borrower,
)
from support.harness import harness
from support.problems import assert_problem

RISK = token("risk", subject="risk-1")


def a_call(**overrides: object) -> dict[str, object]:
    return {"channel": "call", "direction": "outbound", "outcome": "reached", "duration_seconds": 180,
            "recording_ref": "REC-1", "note": "Agreed to pay on Friday.", **overrides}


async def test_an_interaction_is_logged_announced_and_on_the_timeline(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        path = "/v1/borrowers/BR-1/interactions"
        logged = await crm.client.post(path, headers=COLLECTOR, json=a_call(
            debt_id=str(debt_id), outcome="promise_to_pay", agency="AG-NORTH", strategy_code="early-call"))
        assert logged.status_code == 201, logged.text
        assert (logged.json()["agent"], logged.json()["tenant"]) == ("collector-1", TENANT)
        inbound = await crm.client.post(path, headers=OTHER_COLLECTOR, json=a_call(
            direction="inbound", outcome="callback_requested", party="third_party", note=None,
            occurred_at=(utcnow() - timedelta(hours=1)).isoformat()))
        assert inbound.status_code == 201, inbound.text
        page = await crm.get_json(f"{path}?limit=1", AUDITOR)
        assert [item["id"] for item in page["items"]] == [logged.json()["id"]] and page["next_cursor"]
        rest = await crm.get_json(f"{path}?limit=1&after={page['next_cursor']}", AUDITOR)
        assert [item["id"] for item in rest["items"]] == [inbound.json()["id"]] and rest["next_cursor"] is None
        await crm.settled()
        events = crm.emitted(InteractionLogged)
        # Keyed by debt and by borrower: two partitions, so compared without their order.
        assert {(event.data.outcome, event.data.agent, event.data.debt_id) for event in events} == {
            ("promise_to_pay", "collector-1", debt_id), ("callback_requested", "collector-2", None)}
        assert all("Friday" not in event.to_json() for event in events)  # notes stay in crm
        timeline = await crm.get_json("/v1/borrowers/BR-1/timeline", AUDITOR)
        summaries = {entry["summary"] for entry in timeline["items"]}
        assert {"Outbound call: promise to pay", "Inbound call with a third party: callback requested"} <= summaries


async def test_interaction_notes_cannot_carry_personal_data(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        path = "/v1/borrowers/BR-1/interactions"
        for note in ("New number 13900139000", "Email him at zhang@example.com", "ID 11010519491231002X",
                     "Card 6222 0212 3456 7894 was declined"):
            problem = assert_problem(await crm.client.post(path, headers=COLLECTOR, json=a_call(note=note)), 422,
                                     fields={"note"})
            assert problem["errors"][0]["rule"] == "no_personal_data"
        future = (utcnow() + timedelta(hours=1)).isoformat()
        assert_problem(await crm.client.post(path, headers=COLLECTOR, json=a_call(occurred_at=future)), 422,
                       fields={"occurred_at"})
        assert_problem(await crm.client.post(path, headers=COLLECTOR, json=a_call(outcome="yelled")), 422,
                       fields={"outcome"})
        await crm.settled()
        assert crm.emitted(InteractionLogged) == []


async def test_a_vulnerable_borrower_goes_to_the_specialist_team(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        path = "/v1/borrowers/BR-1/vulnerabilities"
        flagged = await crm.client.post(path, headers=COLLECTOR, json={"kind": "bereavement",
                                                                       "notes": "Husband died last month."})
        assert flagged.status_code == 201, flagged.text
        assert flagged.json()["specialist_team"] == "bereavement-care"
        other = await crm.client.post(path, headers=COLLECTOR, json={"kind": "health"})
        assert other.json()["specialist_team"] == "specialist-care"  # the default team
        assert_problem(await crm.client.post(path, headers=COLLECTOR, json={"kind": "bereavement"}), 409,
                       "vulnerability-already-flagged")
        remove = f"/v1/vulnerabilities/{flagged.json()['id']}:remove"
        assert_problem(await crm.client.post(remove, headers=COLLECTOR, json={"reason": "x"}), 403)
        assert (await crm.client.post(remove, headers=SUPERVISOR, json={"reason": "Reviewed."})).status_code == 200
        assert_problem(await crm.client.post(remove, headers=SUPERVISOR, json={"reason": "x"}), 409,
                       "invalid-transition")
        await crm.settled()
        assert [(event.data.kind, event.data.active) for event in crm.emitted(VulnerabilityRecorded)] == [
            ("bereavement", True), ("health", True), ("bereavement", False)]
        listed = await crm.get_json(path, AUDITOR)
        assert {(item["kind"], item["status"]) for item in listed} == {("bereavement", "removed"),
                                                                       ("health", "active")}


async def test_satisfaction_is_scored_once_per_contact_and_reported_per_group(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        await known_borrower(crm, "BR-2")
        path = "/v1/borrowers/BR-1/interactions"
        mine = (await crm.client.post(path, headers=COLLECTOR, json=a_call(agency="AG-1"))).json()
        theirs = (await crm.client.post(path, headers=OTHER_COLLECTOR, json=a_call(strategy_code="early-call"))).json()
        again = (await crm.client.post(path, headers=COLLECTOR, json=a_call(agency="AG-1"))).json()
        survey = "/v1/borrowers/BR-1/satisfaction"
        for interaction, score in ((mine, 5), (theirs, 2), (again, 4)):
            answered = await crm.client.post(survey, headers=COLLECTOR,
                                             json={"interaction_id": interaction["id"], "score": score})
            assert answered.status_code == 201, answered.text
        assert_problem(await crm.client.post(survey, headers=COLLECTOR, json={"interaction_id": mine["id"],
                                                                              "score": 1}), 409, "already-answered")
        # Another borrower cannot score BR-1's contact, and scores are 1-5.
        assert_problem(await crm.client.post("/v1/borrowers/BR-2/satisfaction", headers=COLLECTOR,
                                             json={"interaction_id": mine["id"], "score": 3}), 422,
                       fields={"interaction_id"})
        assert_problem(await crm.client.post(survey, headers=COLLECTOR, json={"interaction_id": mine["id"],
                                                                              "score": 6}), 422, fields={"score"})
        by_collector = await crm.get_json("/v1/satisfaction?group_by=collector", SUPERVISOR)
        assert [(row["group"], row["answers"], Decimal(row["average"]), Decimal(row["csat_percent"]))
                for row in by_collector["scores"]] == [
            ("collector-1", 2, Decimal("4.50"), Decimal("100.0")), ("collector-2", 1, Decimal("2.00"), Decimal("0.0"))]
        by_agency = await crm.get_json("/v1/satisfaction?group_by=agency", RISK)
        assert [(row["group"], row["distribution"]["5"]) for row in by_agency["scores"]] == [("AG-1", 1), (None, 0)]
        month = f"{business_today():%Y-%m}"
        by_month = await crm.get_json(f"/v1/satisfaction?month_from={month}&month_to={month}", AUDITOR)
        assert [(row["group"], row["answers"], Decimal(row["average"])) for row in by_month["scores"]] == [
            (month, 3, Decimal("3.67"))]
        assert_problem(await crm.client.get("/v1/satisfaction", headers=COLLECTOR), 403)
        assert_problem(await crm.client.get("/v1/satisfaction?month_from=2026-13", headers=AUDITOR), 422,
                       fields={"month_from"})
        await crm.settled()
        assert sorted(event.data.score for event in crm.emitted(SatisfactionRecorded)) == [2, 4, 5]
