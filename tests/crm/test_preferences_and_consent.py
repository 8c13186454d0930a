"""Preferences and consent on SQLite and PostgreSQL: preferences replaced with every change kept and announced;
consent given and withdrawn per purpose, append-only, with the moves that make no sense refused."""

from __future__ import annotations

from debtflow.common.events import BorrowerConsentChanged, ContactPreferencesChanged
from debtflow.crm.preferences.models import PreferenceChange
from support.crm import AUDITOR, COLLECTOR, LENDER, SUPERVISOR, TENANT, known_borrower
from support.harness import harness
from support.problems import assert_problem

EVENINGS = {"weekdays": [1, 2, 3, 4, 5], "start": "18:00", "end": "20:30"}


async def test_preferences_are_replaced_kept_and_announced(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        path = "/v1/borrowers/BR-1/preferences"
        assert_problem(await crm.client.get(path, headers=AUDITOR), 404)
        first = await crm.client.put(path, headers=COLLECTOR, json={
            "preferred_channel": "sms", "language": "zh-CN", "preferred_times": [EVENINGS],
            "opted_out_channels": ["call", "call"], "reason": "Works days; asked for texts."})
        assert first.status_code == 200, first.text
        assert (first.json()["version"], first.json()["opted_out_channels"]) == (1, ["call"])
        second = await crm.client.put(path, headers=SUPERVISOR, json={"language": "en"})
        assert second.status_code == 200, second.text
        # PUT is the whole state: what the second omitted is cleared.
        assert (second.json()["preferred_channel"], second.json()["preferred_times"], second.json()["version"]) == (
            None, [], 2)
        assert (await crm.get_json(path, AUDITOR))["language"] == "en"
        assert await crm.count(PreferenceChange) == 2
        await crm.settled()
        changes = crm.emitted(ContactPreferencesChanged)
        assert [(event.data.version, event.data.opted_out_channels, event.tenant) for event in changes] == [
            (1, ("call",), TENANT), (2, (), TENANT)]
        assert changes[0].data.preferred_times[0].start == "18:00"
        timeline = await crm.get_json("/v1/borrowers/BR-1/timeline", AUDITOR)
        assert "debtflow.borrower.contact_preferences_changed.v1" in {entry["event_type"] for entry in timeline["items"]}


async def test_bad_preferences_name_the_field(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        path = "/v1/borrowers/BR-1/preferences"
        for body, field in (({"preferred_channel": "pigeon"}, "preferred_channel"),
                            ({"language": "Klingon!"}, "language"),
                            ({"preferred_times": [EVENINGS | {"start": "25:00"}]}, "preferred_times.0.start"),
                            ({"reason": "Call 13800138000 instead"}, "reason")):
            assert_problem(await crm.client.put(path, headers=COLLECTOR, json=body), 422, fields={field})
        assert_problem(await crm.client.put(path, headers=LENDER, json={}), 403)
        assert_problem(await crm.client.put("/v1/borrowers/BR-NOBODY/preferences", headers=COLLECTOR, json={}), 404)


async def test_consent_is_given_and_withdrawn_per_purpose(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        path = "/v1/borrowers/BR-1/consents"
        give = {"purpose": "call_recording", "action": "give", "channel": "call", "evidence_ref": "REC-2026-11-27-17"}
        assert (await crm.client.post(path, headers=COLLECTOR, json=give)).status_code == 201
        assert_problem(await crm.client.post(path, headers=COLLECTOR, json=give), 409, "invalid-transition")
        contract = {"purpose": "collection_contact", "action": "give", "legal_basis": "contract", "channel": "web"}
        assert (await crm.client.post(path, headers=COLLECTOR, json=contract)).status_code == 201
        # Only what rests on consent can be withdrawn: the loan contract does not end with a withdrawal.
        refused = await crm.client.post(path, headers=COLLECTOR, json=contract | {"action": "withdraw"})
        assert "contract" in assert_problem(refused, 409, "invalid-transition")["detail"]
        withdrawn = await crm.client.post(path, headers=COLLECTOR, json=give | {"action": "withdraw"})
        assert withdrawn.status_code == 201 and withdrawn.json()["status"] == "withdrawn", withdrawn.text
        problem = assert_problem(await crm.client.post(path, headers=COLLECTOR, json=give | {"action": "withdraw"}),
                                 409)
        assert problem["current_state"] == "withdrawn"
        assert_problem(await crm.client.post(path, headers=COLLECTOR, json={
            "purpose": "marketing", "action": "withdraw", "channel": "sms"}), 409)
        consents = await crm.get_json(path, AUDITOR)
        assert {(item["purpose"], item["status"]) for item in consents["current"]} == {
            ("call_recording", "withdrawn"), ("collection_contact", "given")}
        assert [item["status"] for item in consents["history"] if item["purpose"] == "call_recording"] == [
            "withdrawn", "given"]
        await crm.settled()
        assert [(event.data.purpose, event.data.status) for event in crm.emitted(BorrowerConsentChanged)] == [
            ("call_recording", "given"), ("collection_contact", "given"), ("call_recording", "withdrawn")]
