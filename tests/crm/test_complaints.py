"""Complaints on SQLite and PostgreSQL: received with deadlines from the settings (business days, holidays),
acknowledged and closed over the API, each move announced and on the timeline; overdue ones escalated once per
missed deadline; conduct complaints pause collection as the setting says; every disallowed move refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from debtflow.common.events import (
    ComplaintAcknowledged,
    ComplaintEscalated,
    ComplaintReceived,
    ComplaintResolved,
)
from debtflow.crm.complaints.service import escalate_overdue
from support import eventually
from support.crm import AUDITOR, COLLECTOR, LENDER, OTHER_COLLECTOR, SUPERVISOR, TENANT, known_borrower
from support.harness import Harness, harness
from support.problems import assert_problem

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESOLUTION = {"outcome": "upheld", "root_cause": "agent_conduct",
              "resolution": "Calls after 21:00 confirmed from the dialler log; the agent was retrained."}


def a_complaint(debt_id: uuid.UUID | None, **overrides: object) -> dict[str, object]:
    return {"borrower_id": "BR-1", "debt_id": str(debt_id) if debt_id else None, "channel": "call",
            "category": "contact_outside_hours_or_too_often", "severity": "high", "subject_kind": "collector",
            "subject_ref": "collector-7", "description": "Says she was called four times after 21:00 last week.",
            **overrides}


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def end_of(day: str) -> datetime:
    """The last instant of a day in Shanghai, the default business time zone."""
    return datetime.fromisoformat(f"{day}T23:59:59.999999").replace(tzinfo=SHANGHAI)


async def receive(crm: Harness, body: dict[str, object], headers: dict[str, str] = COLLECTOR) -> dict[str, Any]:
    response = await crm.client.post("/v1/complaints", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_complaint_is_received_acknowledged_and_resolved(database_url: str) -> None:
    async with harness("crm", database_url, complaint_acknowledge_business_days=2, complaint_resolve_days=10) as crm:
        (debt_id,) = await known_borrower(crm)
        # A Friday evening letter: two business days is the end of Tuesday, ten calendar days the Monday after.
        complaint = await receive(crm, a_complaint(debt_id, channel="letter", received_at="2025-12-05T18:30:00+08:00"))
        assert (complaint["status"], complaint["tenant"], complaint["received_by"], complaint["pauses_collection"],
                complaint["escalation_level"], complaint["subject_ref"]) == (
            "received", TENANT, "collector-1", True, 0, "collector-7")
        assert instant(complaint["acknowledge_by"]) == end_of("2025-12-09")
        assert instant(complaint["resolve_by"]) == end_of("2025-12-15")
        await crm.settled()
        (event,) = crm.emitted(ComplaintReceived)
        assert (event.data.complaint_id, event.data.debt_id, event.data.category, event.data.pauses_collection,
                event.data.acknowledge_by, event.tenant) == (
            uuid.UUID(complaint["id"]), debt_id, "contact_outside_hours_or_too_often", True, end_of("2025-12-09"),
            TENANT)
        assert "21:00" not in event.to_json()  # no complaint text in events

        path = f"/v1/complaints/{complaint['id']}"
        acknowledged = await crm.client.post(f"{path}:acknowledge", headers=COLLECTOR)
        assert acknowledged.status_code == 200, acknowledged.text
        assert (acknowledged.json()["status"], acknowledged.json()["acknowledged_by"]) == ("acknowledged",
                                                                                           "collector-1")
        resolved = await crm.client.post(f"{path}:resolve", headers=SUPERVISOR, json=RESOLUTION)
        assert resolved.status_code == 200, resolved.text
        body = resolved.json()
        assert (body["status"], body["outcome"], body["root_cause"], body["resolved_by"]) == (
            "resolved", "upheld", "agent_conduct", "supervisor-1")
        await crm.settled()
        (acknowledgement,) = crm.emitted(ComplaintAcknowledged)
        assert acknowledgement.data.late is True  # acknowledged in 2026 at the earliest
        (resolution,) = crm.emitted(ComplaintResolved)
        assert (resolution.data.outcome, resolution.data.root_cause, resolution.data.collection_may_resume,
                resolution.tenant) == ("upheld", "agent_conduct", True, TENANT)

        async def on_timeline() -> list[str] | None:
            timeline = await crm.get_json("/v1/borrowers/BR-1/timeline", AUDITOR)
            types = [entry["event_type"] for entry in timeline["items"] if "complaint" in entry["event_type"]]
            return types if len(types) == 3 else None

        assert await eventually(on_timeline, what="the complaint's events on the timeline") == [
            "debtflow.borrower.complaint_resolved.v1", "debtflow.borrower.complaint_acknowledged.v1",
            "debtflow.borrower.complaint_received.v1"]
        read = await crm.get_json(path, AUDITOR)
        assert read["id"] == complaint["id"] and read["status"] == "resolved"
        listed = await crm.get_json("/v1/complaints?borrower_id=BR-1&status=resolved", AUDITOR)
        assert [item["id"] for item in listed["items"]] == [complaint["id"]]


async def test_overdue_complaints_are_escalated_once_per_missed_deadline(database_url: str) -> None:
    # New Year's Eve 2025, a Wednesday; 1 and 2 January are holidays: acknowledged by the end of Monday 5 January.
    async with harness("crm", database_url, business_holidays=["2026-01-01", "2026-01-02"]) as crm:
        (debt_id,) = await known_borrower(crm)
        complaint = await receive(crm, a_complaint(debt_id, received_at="2025-12-31T10:00:00+08:00"))
        acknowledge_by, resolve_by = instant(complaint["acknowledge_by"]), instant(complaint["resolve_by"])
        assert (acknowledge_by, resolve_by) == (end_of("2026-01-05"), end_of("2026-01-15"))

        assert await escalate_overdue(crm.runtime.uow, now=acknowledge_by) == 0  # in time to its last instant
        late = acknowledge_by + timedelta(hours=1)
        assert await escalate_overdue(crm.runtime.uow, now=late) == 1
        assert await escalate_overdue(crm.runtime.uow, now=late + timedelta(days=1)) == 0  # once only
        path = f"/v1/complaints/{complaint['id']}"
        escalated = await crm.get_json(path, AUDITOR)
        assert (escalated["status"], escalated["escalation_level"], instant(escalated["escalated_at"])) == (
            "escalated", 1, late)
        overdue = await crm.get_json("/v1/complaints?overdue=true", AUDITOR)
        assert [item["id"] for item in overdue["items"]] == [complaint["id"]]
        assert (await crm.get_json("/v1/complaints?overdue=false", AUDITOR))["items"] == []

        # Acknowledged late, it is still resolvable; acknowledging answers only the acknowledgement deadline.
        acknowledged = await crm.client.post(f"{path}:acknowledge", headers=SUPERVISOR)
        assert acknowledged.json()["status"] == "acknowledged", acknowledged.text
        assert await escalate_overdue(crm.runtime.uow, now=resolve_by) == 0
        assert await escalate_overdue(crm.runtime.uow, now=resolve_by + timedelta(seconds=1)) == 1
        assert await escalate_overdue(crm.runtime.uow, now=resolve_by + timedelta(days=30)) == 0
        again = await crm.client.post(f"{path}:acknowledge", headers=SUPERVISOR)
        assert assert_problem(again, 409, "invalid-transition")["current_state"] == "escalated"
        resolved = await crm.client.post(f"{path}:resolve", headers=SUPERVISOR, json=RESOLUTION)
        assert (resolved.json()["status"], resolved.json()["escalation_level"]) == ("resolved", 2), resolved.text
        assert await escalate_overdue(crm.runtime.uow, now=resolve_by + timedelta(days=60)) == 0

        await crm.settled()
        escalations = [event.data for event in crm.emitted(ComplaintEscalated)]
        assert [(event.missed, event.escalation_level, event.deadline) for event in escalations] == [
            ("acknowledgement", 1, acknowledge_by), ("resolution", 2, resolve_by)]
        assert crm.emitted(ComplaintResolved)[0].data.late is True


async def test_a_complaint_received_long_ago_misses_both_deadlines_at_once(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        complaint = await receive(crm, a_complaint(debt_id, received_at="2025-12-05T09:00:00+08:00"))
        assert await escalate_overdue(crm.runtime.uow, now=datetime(2026, 2, 1, tzinfo=UTC), chunk_size=1) == 2
        read = await crm.get_json(f"/v1/complaints/{complaint['id']}", AUDITOR)
        assert (read["status"], read["escalation_level"]) == ("escalated", 2)
        await crm.settled()
        assert [event.data.missed for event in crm.emitted(ComplaintEscalated)] == ["acknowledgement", "resolution"]


async def test_the_service_checks_for_overdue_complaints_by_itself(database_url: str) -> None:
    async with harness("crm", database_url, complaint_escalation_interval_seconds=0.05) as crm:
        (debt_id,) = await known_borrower(crm)
        await receive(crm, a_complaint(debt_id, received_at="2025-12-05T09:00:00+08:00"))

        async def escalated_twice() -> bool:
            await crm.settled()
            return len(crm.emitted(ComplaintEscalated)) >= 2

        await eventually(escalated_twice, what="the background check to escalate both missed deadlines")
        await crm.settled()
        assert await escalate_overdue(crm.runtime.uow, now=datetime.now(UTC)) == 0
        assert len(crm.emitted(ComplaintEscalated)) == 2  # many checks ran; each deadline escalated once


async def test_disallowed_complaint_moves_are_refused(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        complaint = await receive(crm, a_complaint(debt_id))
        path = f"/v1/complaints/{complaint['id']}"
        post = crm.client.post

        async def refused(response: Any, state: str) -> None:
            assert assert_problem(response, 409, "invalid-transition")["current_state"] == state

        # The borrower is told it is being handled before they are told the answer.
        await refused(await post(f"{path}:resolve", headers=SUPERVISOR, json=RESOLUTION), "received")
        assert (await post(f"{path}:acknowledge", headers=OTHER_COLLECTOR)).status_code == 200
        await refused(await post(f"{path}:acknowledge", headers=COLLECTOR), "acknowledged")
        # Collectors acknowledge; closing is a supervisor's.
        assert_problem(await post(f"{path}:resolve", headers=COLLECTOR, json=RESOLUTION), 403)
        assert (await post(f"{path}:resolve", headers=SUPERVISOR, json=RESOLUTION)).status_code == 200
        await refused(await post(f"{path}:resolve", headers=SUPERVISOR, json=RESOLUTION), "resolved")
        await refused(await post(f"{path}:acknowledge", headers=COLLECTOR), "resolved")
        assert_problem(await post(f"/v1/complaints/{uuid.uuid4()}:acknowledge", headers=COLLECTOR), 404, "not-found")

        # The collector complained about does not answer the complaint about them.
        about_me = await receive(crm, a_complaint(debt_id, subject_ref="Collector-1"), headers=SUPERVISOR)
        assert about_me["subject_ref"] == "collector-1"
        assert_problem(await post(f"/v1/complaints/{about_me['id']}:acknowledge", headers=COLLECTOR), 403,
                       "four-eyes")
        await crm.settled()
        assert len(crm.emitted(ComplaintAcknowledged)) == 1 and len(crm.emitted(ComplaintResolved)) == 1


async def test_conduct_complaints_pause_collection_as_the_setting_says(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        privacy = await receive(crm, a_complaint(debt_id, category="privacy", subject_kind="agency",
                                                 subject_ref="AGY-042"))
        amount = await receive(crm, a_complaint(debt_id, category="wrong_amount", subject_kind="system",
                                                subject_ref=None))
        assert (privacy["pauses_collection"], amount["pauses_collection"]) == (True, False)
        await crm.settled()
        assert [event.data.pauses_collection for event in crm.emitted(ComplaintReceived)] == [True, False]
    async with harness("crm", database_url, complaint_pauses_collection=False) as crm:
        (debt_id,) = await known_borrower(crm)
        threat = await receive(crm, a_complaint(debt_id, category="aggressive_collection", severity="critical"))
        assert threat["pauses_collection"] is False


async def test_bad_complaint_input_names_the_field(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        await known_borrower(crm, "BR-2")
        post = crm.client.post

        async def problem(body: dict[str, object], status: int, field: str | None = None) -> dict[str, Any]:
            return assert_problem(await post("/v1/complaints", headers=COLLECTOR, json=body), status,
                                  fields={field} if field else ())

        await problem(a_complaint(debt_id, category="rudeness"), 422, "category")
        await problem(a_complaint(debt_id, severity="urgent"), 422, "severity")
        await problem(a_complaint(debt_id, channel="pigeon"), 422, "channel")
        await problem(a_complaint(debt_id, subject_ref=None), 422, "subject_ref")
        await problem(a_complaint(debt_id, subject_ref="13800138000"), 422, "subject_ref")
        await problem(a_complaint(debt_id, mood="angry"), 422, "mood")
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        await problem(a_complaint(debt_id, received_at=future), 422, "received_at")
        await problem(a_complaint(debt_id, received_at="2025-12-05T09:00:00"), 422, "received_at")  # no offset
        await problem(a_complaint(debt_id, borrower_id="BR-2"), 422, "debt_id")
        await problem(a_complaint(None, borrower_id="BR-NONE"), 404)
        leak = await problem(a_complaint(debt_id, description="Call her back on 138 0013 8000 please."), 422,
                             "description")
        assert "138" not in str(leak)

        complaint = await receive(crm, a_complaint(debt_id))
        path = f"/v1/complaints/{complaint['id']}"
        assert (await post(f"{path}:acknowledge", headers=COLLECTOR)).status_code == 200
        contradiction = {**RESOLUTION, "root_cause": "no_fault"}
        assert_problem(await post(f"{path}:resolve", headers=SUPERVISOR, json=contradiction), 422,
                       fields={"root_cause"})
        assert_problem(await post(f"{path}:resolve", headers=SUPERVISOR, json={**RESOLUTION, "outcome": "maybe"}),
                       422, fields={"outcome"})
        assert_problem(await post(f"{path}:resolve", headers=SUPERVISOR, json={**RESOLUTION, "resolution": ""}),
                       422, fields={"resolution"})
        assert_problem(await crm.client.get("/v1/complaints?after=not-a-cursor", headers=AUDITOR), 422,
                       fields={"after"})
        await crm.settled()
        assert len(crm.emitted(ComplaintReceived)) == 1 and crm.emitted(ComplaintResolved) == []


async def test_lending_cores_have_no_access_and_the_auditor_reads(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        complaint = await receive(crm, a_complaint(debt_id))
        path = f"/v1/complaints/{complaint['id']}"
        assert_problem(await crm.client.post("/v1/complaints", headers=LENDER, json=a_complaint(debt_id)), 403)
        assert_problem(await crm.client.get(path, headers=LENDER), 403)
        assert_problem(await crm.client.get("/v1/complaints", headers=LENDER), 403)
        assert_problem(await crm.client.post("/v1/complaints", headers=AUDITOR, json=a_complaint(debt_id)), 403)
        assert_problem(await crm.client.post(f"{path}:acknowledge", headers=AUDITOR), 403)
        assert (await crm.get_json(path, AUDITOR))["id"] == complaint["id"]


async def test_complaints_are_listed_newest_first_in_keyset_pages(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        await known_borrower(crm, "BR-9", tenant="lending-core-b")
        days = ["2025-12-01", "2025-12-02", "2025-12-03"]
        ids = [(await receive(crm, a_complaint(debt_id, received_at=f"{day}T10:00:00+08:00")))["id"] for day in days]
        await receive(crm, a_complaint(None, borrower_id="BR-9", tenant="lending-core-b"))
        first = await crm.get_json(f"/v1/complaints?tenant={TENANT}&limit=2", AUDITOR)
        assert [item["id"] for item in first["items"]] == ids[:0:-1] and first["next_cursor"]
        second = await crm.get_json(f"/v1/complaints?tenant={TENANT}&limit=2&after={first['next_cursor']}", AUDITOR)
        assert [item["id"] for item in second["items"]] == ids[:1] and second["next_cursor"] is None
        other = await crm.get_json("/v1/complaints?borrower_id=BR-9", AUDITOR)
        assert [item["tenant"] for item in other["items"]] == ["lending-core-b"]
        assert (await crm.get_json("/v1/complaints?status=received", AUDITOR))["items"][0]["borrower_id"] == "BR-9"
