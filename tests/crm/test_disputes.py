"""Disputes on SQLite and PostgreSQL: opened and resolved over the API, announced for classification and
collections, on the timeline; notes screened; every disallowed move refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

from debtflow.common.events import DisputeOpened, DisputeResolved
from support.crm import AUDITOR, COLLECTOR, LEGAL, LENDER, SUPERVISOR, TENANT, business_today, known_borrower
from support.harness import harness
from support.problems import assert_problem


def a_dispute(debt_id: uuid.UUID | None, **overrides: object) -> dict[str, object]:
    return {"borrower_id": "BR-1", "debt_id": str(debt_id) if debt_id else None, "kind": "amount",
            "reason_code": "interest_miscalculated", "channel": "call", **overrides}


async def test_a_dispute_is_opened_announced_and_resolved(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        raised_on = business_today() - timedelta(days=3)
        opened = await crm.client.post("/v1/disputes", headers=COLLECTOR, json=a_dispute(
            debt_id, raised_on=raised_on.isoformat(), evidence_refs=["DOC-2026-0001"],
            description="Says the penalty interest was charged twice in October."))
        assert opened.status_code == 201, opened.text
        dispute = opened.json()
        assert (dispute["status"], dispute["tenant"], dispute["opened_by"], dispute["raised_on"]) == (
            "open", TENANT, "collector-1", raised_on.isoformat())
        await crm.settled()
        (event,) = crm.emitted(DisputeOpened)
        assert (event.data.debt_id, event.data.dispute_id, event.data.kind, event.data.opened_on, event.tenant) == (
            debt_id, uuid.UUID(dispute["id"]), "amount", raised_on, TENANT)

        resolved = await crm.client.post(f"/v1/disputes/{dispute['id']}:resolve", headers=SUPERVISOR,
                                         json={"outcome": "partly_upheld", "reason": "Penalty charged twice."})
        assert resolved.status_code == 200, resolved.text
        assert (resolved.json()["status"], resolved.json()["outcome"], resolved.json()["resolved_by"]) == (
            "resolved", "partly_upheld", "supervisor-1")
        await crm.settled()
        (event,) = crm.emitted(DisputeResolved)
        assert (event.data.outcome, event.data.resolved_on, event.tenant) == ("partly_upheld", business_today(), TENANT)

        timeline = await crm.get_json("/v1/borrowers/BR-1/timeline", AUDITOR)
        assert [entry["event_type"] for entry in timeline["items"][:2]] == [
            "debtflow.borrower.dispute_resolved.v1", "debtflow.borrower.dispute_opened.v1"]
        listed = await crm.get_json("/v1/disputes?borrower_id=BR-1&status=resolved", AUDITOR)
        assert [item["id"] for item in listed["items"]] == [dispute["id"]]


async def test_disallowed_dispute_moves_are_refused(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        dispute = (await crm.client.post("/v1/disputes", headers=COLLECTOR, json=a_dispute(debt_id))).json()
        second = await crm.client.post("/v1/disputes", headers=COLLECTOR, json=a_dispute(debt_id, kind="ownership"))
        assert_problem(second, 409, "dispute-already-open")
        path = f"/v1/disputes/{dispute['id']}:resolve"
        # A collector opens disputes; deciding them is a supervisor's or legal's.
        assert_problem(await crm.client.post(path, headers=COLLECTOR, json={"outcome": "rejected", "reason": "x"}),
                       403)
        assert (await crm.client.post(path, headers=LEGAL, json={"outcome": "rejected", "reason": "No error."})
                ).status_code == 200
        again = await crm.client.post(path, headers=SUPERVISOR, json={"outcome": "upheld", "reason": "Changed mind."})
        problem = assert_problem(again, 409, "invalid-transition")
        assert problem["current_state"] == "resolved"
        # Resolved, the debt may be disputed again.
        assert (await crm.client.post("/v1/disputes", headers=COLLECTOR, json=a_dispute(debt_id))).status_code == 201
        await crm.settled()
        assert len(crm.emitted(DisputeOpened)) == 2 and len(crm.emitted(DisputeResolved)) == 1


async def test_bad_dispute_input_names_the_field(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        await known_borrower(crm, "BR-2")
        post = crm.client.post
        assert_problem(await post("/v1/disputes", headers=COLLECTOR, json=a_dispute(debt_id, kind="vibes")), 422,
                       "validation-error", fields={"kind"})
        future = (business_today() + timedelta(days=1)).isoformat()
        assert_problem(await post("/v1/disputes", headers=COLLECTOR, json=a_dispute(debt_id, raised_on=future)),
                       422, fields={"raised_on"})
        # Another borrower's debt is refused: a typo must not stop the clock of someone else's debt.
        assert_problem(await post("/v1/disputes", headers=COLLECTOR, json=a_dispute(debt_id, borrower_id="BR-2")),
                       422, fields={"debt_id"})
        assert_problem(await post("/v1/disputes", headers=COLLECTOR, json=a_dispute(None, borrower_id="BR-NONE")),
                       404, "not-found")
        leak = a_dispute(debt_id, description="Call her back on 138 0013 8000 or card 4111111111111111.")
        problem = assert_problem(await post("/v1/disputes", headers=COLLECTOR, json=leak), 422,
                                 fields={"description"})
        assert "138" not in str(problem) and "4111" not in str(problem)
        assert_problem(await post("/v1/disputes", headers=LENDER, json=a_dispute(debt_id)), 403)
        assert_problem(await post(f"/v1/disputes/{uuid.uuid4()}:resolve", headers=SUPERVISOR,
                                  json={"outcome": "upheld", "reason": "x"}), 404)
        await crm.settled()
        assert crm.emitted(DisputeOpened) == []


async def test_notes_are_masked_when_the_setting_says_so(database_url: str) -> None:
    async with harness("crm", database_url, notes_personal_data="mask") as crm:
        (debt_id,) = await known_borrower(crm)
        opened = await crm.client.post("/v1/disputes", headers=COLLECTOR, json=a_dispute(
            debt_id, description="Her new number is 13800138000, id 11010519491231002X."))
        assert opened.status_code == 201, opened.text
        assert opened.json()["description"] == (
            "Her new number is [phone number removed], id [identity number removed].")


async def test_a_borrower_wide_dispute_covers_every_debt(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm, debts=2)
        opened = await crm.client.post("/v1/disputes", headers=COLLECTOR,
                                       json=a_dispute(None, kind="identity", reason_code="never_borrowed"))
        assert opened.status_code == 201, opened.text
        await crm.settled()
        (event,) = crm.emitted(DisputeOpened)
        assert (event.data.debt_id, event.subject, event.data.kind) == (None, "BR-1", "identity")
