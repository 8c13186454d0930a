"""Contact restrictions and circumstances on SQLite and PostgreSQL: in force from the moment they are recorded,
announced, lifted or withdrawn by a supervisor; a representative's details masked by role."""

from __future__ import annotations

from datetime import timedelta

from debtflow.common.events import BorrowerCircumstanceRecorded, ContactRestricted
from support.crm import AUDITOR, COLLECTOR, PII_READER, SUPERVISOR, TENANT, business_today, known_borrower
from support.harness import harness
from support.problems import assert_problem


async def test_a_cease_contact_request_binds_at_once_and_is_lifted_by_a_supervisor(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        recorded = await crm.client.post("/v1/borrowers/BR-1/restrictions", headers=COLLECTOR,
                                         json={"kind": "cease_contact", "reason": "Asked in writing."})
        assert recorded.status_code == 201, recorded.text
        restriction = recorded.json()
        assert (restriction["status"], restriction["channels"], restriction["tenant"]) == ("active", None, TENANT)
        await crm.settled()
        (started,) = crm.emitted(ContactRestricted)
        assert (started.data.restriction, started.data.active, started.data.channels, started.data.debt_id,
                started.subject, started.tenant) == ("cease_contact", True, None, None, "BR-1", TENANT)
        lift = f"/v1/restrictions/{restriction['id']}:lift"
        assert_problem(await crm.client.post(lift, headers=COLLECTOR, json={"reason": "x"}), 403)
        lifted = await crm.client.post(lift, headers=SUPERVISOR, json={"reason": "Borrower withdrew the request."})
        assert lifted.status_code == 200 and lifted.json()["status"] == "lifted", lifted.text
        assert_problem(await crm.client.post(lift, headers=SUPERVISOR, json={"reason": "x"}), 409,
                       "invalid-transition")
        await crm.settled()
        assert [event.data.active for event in crm.emitted(ContactRestricted)] == [True, False]
        active = await crm.get_json("/v1/borrowers/BR-1/restrictions?status=active", AUDITOR)
        assert active == []


async def test_restriction_details_follow_the_kind(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        path = "/v1/borrowers/BR-1/restrictions"
        post = crm.client.post
        assert_problem(await post(path, headers=COLLECTOR, json={"kind": "representative_only"}), 422)
        assert_problem(await post(path, headers=COLLECTOR, json={"kind": "stated_times_only"}), 422)
        assert_problem(await post(path, headers=COLLECTOR, json={"kind": "stated_times_only", "allowed_times": [
            {"weekdays": [8], "start": "09:00", "end": "12:00"}]}), 422, fields={"allowed_times.0.weekdays.0"})
        assert_problem(await post(path, headers=COLLECTOR, json={"kind": "no_third_party", "channels": ["sms"]}), 422)
        per_channel = await post(path, headers=COLLECTOR, json={"kind": "cease_contact", "channels": ["call"]})
        times = await post(path, headers=COLLECTOR, json={"kind": "stated_times_only", "allowed_times": [
            {"weekdays": [1, 2, 3, 4, 5], "start": "18:00", "end": "20:00"}]})
        adviser = await post(path, headers=COLLECTOR, json={"kind": "representative_only", "representative": {
            "kind": "debt_adviser", "name": "李明律师", "contact": "+8613700137000"}})
        assert {per_channel.status_code, times.status_code, adviser.status_code} == {201}, adviser.text
        # The representative's name and number are personal data: masked without pii:read, and never in events.
        masked = adviser.json()["representative"]
        assert masked["kind"] == "debt_adviser" and "李明" not in masked["name"] and "13700137000" not in masked["contact"]
        unmasked = await crm.get_json(f"/v1/restrictions/{adviser.json()['id']}", PII_READER)
        assert unmasked["representative"]["contact"] == "+8613700137000" and unmasked["masked"] is False
        await crm.settled()
        events = crm.emitted(ContactRestricted)
        assert [(event.data.restriction, event.data.channels) for event in events] == [
            ("cease_contact", ("call",)), ("stated_times_only", None), ("representative_only", None)]
        assert events[1].data.allowed_times[0].start == "18:00"
        assert all("13700137000" not in event.to_json() and "李明" not in event.to_json() for event in events)


async def test_a_circumstance_is_recorded_with_its_proof_and_withdrawn(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        path = "/v1/borrowers/BR-1/circumstances"
        yesterday = (business_today() - timedelta(days=1)).isoformat()
        body = {"circumstance": "deceased", "effective_on": yesterday, "document_ref": "DEATH-CERT-2026-17"}
        recorded = await crm.client.post(path, headers=COLLECTOR, json=body)
        assert recorded.status_code == 201, recorded.text
        assert_problem(await crm.client.post(path, headers=COLLECTOR, json=body), 409,
                       "circumstance-already-recorded")
        assert_problem(await crm.client.post(path, headers=COLLECTOR, json=body | {"document_ref": ""}), 422,
                       fields={"document_ref"})
        assert_problem(await crm.client.post(path, headers=COLLECTOR, json=body | {"circumstance": "abroad"}), 422,
                       fields={"circumstance"})
        withdraw = f"/v1/circumstances/{recorded.json()['id']}:withdraw"
        assert_problem(await crm.client.post(withdraw, headers=COLLECTOR, json={"reason": "x"}), 403)
        withdrawn = await crm.client.post(withdraw, headers=SUPERVISOR, json={"reason": "Recorded for the wrong BR."})
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn", withdrawn.text
        assert_problem(await crm.client.post(withdraw, headers=SUPERVISOR, json={"reason": "x"}), 409)
        await crm.settled()
        events = crm.emitted(BorrowerCircumstanceRecorded)
        assert [(event.data.circumstance, event.data.active) for event in events] == [
            ("deceased", True), ("deceased", False)]
        assert events[0].data.effective_on.isoformat() == yesterday
        listed = await crm.get_json("/v1/borrowers/BR-1/circumstances", AUDITOR)
        assert [item["status"] for item in listed] == ["withdrawn"]
