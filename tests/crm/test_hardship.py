"""Hardship on SQLite and PostgreSQL: requested by a collector, decided by another person, ended; each move an
event; the terms checked; every disallowed move refused."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from debtflow.common.events import HardshipDeclined, HardshipEnded, HardshipGranted, HardshipRequested
from support.crm import (
    AUDITOR,
    COLLECTOR,
    OTHER_SUPERVISOR,
    SUPERVISOR,
    TENANT,
    business_today,
    known_borrower,
)
from support.harness import Harness, harness
from support.problems import assert_problem

A_REQUEST = {"borrower_id": "BR-1", "reasons": ["job_loss"], "channel": "call", "currency": "CNY",
             "monthly_income": "3000.00", "monthly_expenses": "2800.50",
             "circumstances": "Lost her job in October; looking for work."}


def terms(**overrides: object) -> dict[str, object]:
    today = business_today()
    return {"decision": "grant", "reason": "Income below expenses.", "arrangement": "payment_pause",
            "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=60)).isoformat(),
            "review_on": (today + timedelta(days=30)).isoformat(), **overrides}


async def test_a_hardship_request_is_granted_and_ended(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        (debt_id,) = await known_borrower(crm)
        requested = await crm.client.post("/v1/hardship-requests", headers=COLLECTOR,
                                          json=A_REQUEST | {"debt_id": str(debt_id)})
        assert requested.status_code == 201, requested.text
        hardship = requested.json()
        assert (hardship["status"], Decimal(hardship["monthly_expenses"])) == ("requested", Decimal("2800.50"))
        path = f"/v1/hardship-requests/{hardship['id']}"
        granted = await crm.client.post(f"{path}:decide", headers=SUPERVISOR, json=terms())
        assert granted.status_code == 200, granted.text
        assert (granted.json()["status"], granted.json()["arrangement"]) == ("granted", "payment_pause")
        ended = await crm.client.post(f"{path}:end", headers=SUPERVISOR, json={"reason": "Found work."})
        assert ended.status_code == 200, ended.text
        assert (ended.json()["status"], ended.json()["ended_on"]) == ("ended", business_today().isoformat())
        await crm.settled()
        (asked,) = crm.emitted(HardshipRequested)
        (grant,) = crm.emitted(HardshipGranted)
        (end,) = crm.emitted(HardshipEnded)
        assert asked.data.reasons == ("job_loss",) and asked.tenant == TENANT
        assert (grant.data.debt_id, grant.data.arrangement, grant.data.review_on, grant.tenant) == (
            debt_id, "payment_pause", business_today() + timedelta(days=30), TENANT)
        assert end.data.hardship_id == uuid.UUID(hardship["id"])
        timeline = await crm.get_json("/v1/borrowers/BR-1/timeline", AUDITOR)
        assert [entry["event_type"] for entry in timeline["items"][:3]] == [
            "debtflow.borrower.hardship_ended.v1", "debtflow.borrower.hardship_granted.v1",
            "debtflow.borrower.hardship_requested.v1"]


async def test_a_declined_request_is_announced_and_final(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        hardship = (await crm.client.post("/v1/hardship-requests", headers=COLLECTOR, json=A_REQUEST)).json()
        path = f"/v1/hardship-requests/{hardship['id']}"
        declined = await crm.client.post(f"{path}:decide", headers=SUPERVISOR,
                                         json={"decision": "decline", "reason": "Income covers the instalment."})
        assert declined.status_code == 200 and declined.json()["status"] == "declined", declined.text
        for move, body in ((":decide", terms()), (":end", {"reason": "x"})):
            problem = assert_problem(await crm.client.post(path + move, headers=OTHER_SUPERVISOR, json=body), 409,
                                     "invalid-transition")
            assert problem["current_state"] == "declined"
        await crm.settled()
        assert len(crm.emitted(HardshipDeclined)) == 1 and crm.emitted(HardshipGranted) == []


async def test_who_decides_and_what_a_grant_needs(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        mine = (await crm.client.post("/v1/hardship-requests", headers=SUPERVISOR, json=A_REQUEST)).json()
        decide = f"/v1/hardship-requests/{mine['id']}:decide"
        assert_problem(await crm.client.post(decide, headers=COLLECTOR, json=terms()), 403)
        # Four eyes: the supervisor who recorded it does not decide it.
        assert_problem(await crm.client.post(decide, headers=SUPERVISOR, json=terms()), 403, "four-eyes")
        incomplete = terms(arrangement="reduced_payments", review_on=None,
                           ends_on=(business_today() - timedelta(days=1)).isoformat())
        assert_problem(await crm.client.post(decide, headers=OTHER_SUPERVISOR, json=incomplete), 422,
                       fields={"review_on", "reduced_payment", "ends_on"})
        reduced = await crm.client.post(decide, headers=OTHER_SUPERVISOR,
                                        json=terms(arrangement="reduced_payments", reduced_payment="500.00"))
        assert reduced.status_code == 200 and Decimal(reduced.json()["reduced_payment"]) == Decimal("500.00")
        # Ending before it started is refused; ending twice is a 409.
        end = f"/v1/hardship-requests/{mine['id']}:end"
        too_early = (business_today() - timedelta(days=1)).isoformat()
        assert_problem(await crm.client.post(end, headers=SUPERVISOR, json={"reason": "x", "ended_on": too_early}),
                       422, fields={"ended_on"})
        assert (await crm.client.post(end, headers=SUPERVISOR, json={"reason": "Paid up."})).status_code == 200
        assert_problem(await crm.client.post(end, headers=SUPERVISOR, json={"reason": "x"}), 409)


@pytest.mark.parametrize("change, field", [
    ({"reasons": []}, "reasons"), ({"reasons": ["bored"]}, "reasons.0"), ({"monthly_income": "-1.00"},
                                                                           "monthly_income"),
    ({"currency": None}, "body"), ({"circumstances": "Her card is 4111 1111 1111 1111."}, "circumstances"),
])
async def test_bad_hardship_requests_name_the_field(shared: Harness, change: dict[str, object],
                                                    field: str) -> None:
    borrower_id = f"BR-BAD-{uuid.uuid4().hex[:8]}"
    await known_borrower(shared, borrower_id)
    answer = await shared.client.post("/v1/hardship-requests", headers=COLLECTOR,
                                      json=A_REQUEST | {"borrower_id": borrower_id} | change)
    assert_problem(answer, 422, fields={field} if field != "body" else ())
    await shared.settled()
    assert [e for e in shared.emitted(HardshipRequested) if e.data.borrower_id == borrower_id] == []


async def test_arrangements_due_for_review_are_listed(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        await known_borrower(crm)
        hardship = (await crm.client.post("/v1/hardship-requests", headers=COLLECTOR, json=A_REQUEST)).json()
        await crm.client.post(f"/v1/hardship-requests/{hardship['id']}:decide", headers=SUPERVISOR, json=terms())
        review_on = business_today() + timedelta(days=30)
        due = await crm.get_json(f"/v1/hardship-requests?review_due_by={review_on}", AUDITOR)
        assert [item["id"] for item in due["items"]] == [hardship["id"]]
        not_yet = await crm.get_json(f"/v1/hardship-requests?review_due_by={review_on - timedelta(days=1)}", AUDITOR)
        assert not_yet["items"] == []
