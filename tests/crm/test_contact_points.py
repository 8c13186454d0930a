"""crm's contact points on SQLite and PostgreSQL: the lending core's kept current (dropped ones retired, never
deleted), agents' added and corrected as revisions with their reasons, do-not-use marks that survive, every change
an event with the value encrypted, and no value in plain text in events or logs."""

from __future__ import annotations

import json
import uuid

import pytest

from debtflow.common.events import ContactPointChanged, events_topic
from debtflow.crm.contact_points.models import ContactPoint, ContactPointRevision
from support.crm import AUDITOR, COLLECTOR, LENDER, PII_READER, SUPERVISOR, publish_borrower
from support.crm import add_contact_point as _add
from support.crm import added_contact_point as _added
from support.crm import by_value as _by_value
from support.crm import contact_point_history as _history
from support.crm import contact_points as _points
from support.crm import correct_contact_point as _patch
from support.harness import Harness, harness
from support.intake import ADDRESS, EMAIL, ID_NUMBER, NAME, OTHER_PHONE, PHONE
from support.problems import assert_problem

AGENT_PHONE = "+8613700137000"
FRIEND_EMAIL = "wang.wu@example.net"


@pytest.fixture
async def crm(database_url: str):  # type: ignore[no-untyped-def]
    async with harness("crm", database_url) as service:
        await publish_borrower(service)
        await service.settled()
        yield service


async def test_contact_points_the_lending_core_drops_are_retired_never_deleted(crm: Harness) -> None:
    before = _by_value(await _points(crm))
    assert set(before) == {PHONE, EMAIL, ADDRESS}
    await publish_borrower(crm, version=2, phones=[OTHER_PHONE], address=None)
    await crm.settled()
    after = _by_value(await _points(crm))
    assert {value: point["status"] for value, point in after.items()} == {
        PHONE: "retired", ADDRESS: "retired", EMAIL: "active", OTHER_PHONE: "active"}
    assert after[EMAIL]["contact_point_id"] == before[EMAIL]["contact_point_id"]  # kept, not replaced
    assert set(_by_value(await _points(crm, status="retired"))) == {PHONE, ADDRESS}
    assert set(_by_value(await _points(crm, status="active", kind="phone"))) == {OTHER_PHONE}
    profile = (await crm.client.get("/v1/borrowers/BR-1", headers=PII_READER)).json()
    assert {point["value"] for point in profile["contact_points"]} == {EMAIL, OTHER_PHONE}
    history = await _history(crm, before[PHONE]["contact_point_id"])
    assert [(entry["revision"], entry["changes"], entry["status"], entry["changed_by"]) for entry in history] == [
        (1, ["added"], "active", "lending_core"), (2, ["retired"], "retired", "lending_core")]
    assert await crm.count(ContactPoint) == 4
    # Listed again: the same contact point comes back.
    await publish_borrower(crm, version=3, phones=[PHONE, OTHER_PHONE], address=None)
    await crm.settled()
    again = _by_value(await _points(crm))
    assert (again[PHONE]["status"], again[PHONE]["revision"]) == ("active", 3)
    assert await crm.count(ContactPoint) == 4


async def test_every_change_is_an_event_with_the_value_encrypted(crm: Harness) -> None:
    await publish_borrower(crm, version=2, phones=[OTHER_PHONE])
    await crm.settled()
    events = crm.emitted(ContactPointChanged)
    assert sorted((event.data.kind, event.data.changes) for event in events) == [
        ("address", ("added",)), ("email", ("added",)), ("phone", ("added",)), ("phone", ("added",)),
        ("phone", ("retired",))]
    cipher = crm.runtime.settings.field_cipher
    for event in events:
        assert (event.tenant, event.subject, event.data.borrower_id) == ("lending-core-a", "BR-1", "BR-1")
        assert event.data.value.startswith("v1:")
        assert cipher.decrypt(event.data.value, context=f"event.contact_point.{event.data.kind}") in {
            PHONE, OTHER_PHONE, EMAIL, ADDRESS}
    retired = next(event for event in events if event.data.changes == ("retired",))
    assert (retired.data.status, retired.data.revision, retired.data.source) == ("retired", 2, "lending_core")
    # Caused by intake's event: the chain can be followed.
    assert all(event.causationid is not None for event in events)


async def test_an_agent_adds_a_contact_point_the_borrower_gave(crm: Harness) -> None:
    added = await _added(crm, {"kind": "phone", "value": "137 0013 7000", "source": "borrower",
                               "reason": "given on the phone call of 27 November"})
    assert (added["value"], added["source"], added["belongs_to"], added["verification"], added["revision"]) == (
        AGENT_PHONE, "borrower", "borrower", "unverified", 1)
    assert (added["created_by"], added["status"], added["do_not_use"]) == ("supervisor-2", "active", False)
    masked = await _added(crm, {"kind": "email", "value": FRIEND_EMAIL, "belongs_to": "third_party",
                                "relationship": "employer"}, headers=COLLECTOR)
    assert (masked["value"], masked["masked"], masked["source"], masked["relationship"]) == (
        "w***@example.net", True, "agent", "employer")
    [history] = await _history(crm, added["contact_point_id"])
    assert (history["changes"], history["changed_by"], history["reason"], history["value"]) == (
        ["added"], "supervisor-2", "given on the phone call of 27 November", AGENT_PHONE)
    await crm.settled()
    [event] = [event for event in crm.emitted(ContactPointChanged)
               if str(event.data.contact_point_id) == added["contact_point_id"]]
    assert (event.data.source, event.data.changes, event.tenant) == ("borrower", ("added",), "lending-core-a")
    # The same active number twice is a conflict naming the one there.
    problem = assert_problem(await _add(crm, {"kind": "phone", "value": AGENT_PHONE}), 409, "contact-point-exists")
    assert problem["contact_point_id"] == added["contact_point_id"]


async def test_who_may_add_and_to_whom(crm: Harness) -> None:
    body = {"kind": "phone", "value": AGENT_PHONE}
    assert_problem(await _add(crm, body, headers=LENDER), 403, "forbidden")
    assert_problem(await _add(crm, body, headers=AUDITOR), 403, "forbidden")
    response = await crm.client.post("/v1/borrowers/BR-NOBODY/contact-points", json=body, headers=COLLECTOR)
    assert_problem(response, 404, "not-found")
    assert_problem(await crm.client.get("/v1/borrowers/BR-1/contact-points", headers=LENDER), 403, "forbidden")
    assert_problem(await crm.client.get("/v1/borrowers/BR-NOBODY/contact-points", headers=AUDITOR), 404)
    assert (await _add(crm, body, headers=SUPERVISOR)).status_code == 201


async def test_a_correction_is_a_new_revision_and_the_old_value_stays_in_the_history(crm: Harness) -> None:
    phone = _by_value(await _points(crm))[PHONE]
    verified = await _patch(crm, phone["contact_point_id"], {"verification": "verified",
                                                             "last_successful_contact_at": "2026-11-27T10:15:00+08:00",
                                                             "reason": "the borrower answered and confirmed"})
    assert verified.status_code == 200, verified.text
    assert (verified.json()["verification"], verified.json()["revision"]) == ("verified", 2)
    assert verified.json()["last_successful_contact_at"].startswith("2026-11-27T02:15:00")
    corrected = await _patch(crm, phone["contact_point_id"], {"value": "+86 139 0013 9000",
                                                              "reason": "the lending core had a typo"})
    assert corrected.status_code == 200, corrected.text
    shown = corrected.json()
    # The value is the agent's now, and what was verified was the old number.
    assert (shown["value"], shown["source"], shown["verification"], shown["revision"]) == (
        OTHER_PHONE, "agent", "unverified", 3)
    history = await _history(crm, phone["contact_point_id"])
    assert [(entry["revision"], entry["changes"], entry["value"], entry["reason"]) for entry in history] == [
        (1, ["added"], PHONE, "as the lending core lists it"),
        (2, ["verified", "contacted"], PHONE, "the borrower answered and confirmed"),
        (3, ["corrected", "unverified"], OTHER_PHONE, "the lending core had a typo")]
    assert {entry["changed_by"] for entry in history[1:]} == {"supervisor-2"}
    masked = await _history(crm, phone["contact_point_id"], headers=COLLECTOR)
    assert [entry["value"] for entry in masked] == ["+86138****8000", "+86138****8000", "+86139****9000"]
    assert await crm.count(ContactPointRevision) == 3 + 2  # the email's and the address's first revisions
    # The lending core still lists the old number: the corrected one is not its to retire, the old one returns.
    await publish_borrower(crm, version=2, name="张三丰")
    await crm.settled()
    statuses = {point["value"]: (point["status"], point["source"]) for point in await _points(crm)}
    assert statuses[OTHER_PHONE] == ("active", "agent")
    assert statuses[PHONE] == ("active", "lending_core")


async def test_do_not_use_is_marked_with_its_reason_and_survives_the_lending_core(crm: Harness) -> None:
    phone = _by_value(await _points(crm))[PHONE]
    marked = await _patch(crm, phone["contact_point_id"], {
        "do_not_use": True, "do_not_use_reason": "wrong_number", "verification": "failed",
        "reason": "the person answering is not the borrower"}, headers=COLLECTOR)
    assert marked.status_code == 200, marked.text
    assert (marked.json()["do_not_use"], marked.json()["do_not_use_reason"], marked.json()["value"]) == (
        True, "wrong_number", "+86138****8000")
    await crm.settled()
    [event] = [event for event in crm.emitted(ContactPointChanged) if event.data.revision == 2]
    assert (event.data.changes, event.data.do_not_use, event.data.do_not_use_reason) == (
        ("verification_failed", "marked_do_not_use"), True, "wrong_number")
    # Dropped and listed again by the core: the same contact point, still not to be used.
    await publish_borrower(crm, version=2, phones=[])
    await publish_borrower(crm, version=3)
    await crm.settled()
    again = _by_value(await _points(crm))[PHONE]
    assert (again["contact_point_id"], again["status"], again["do_not_use"], again["do_not_use_reason"]) == (
        phone["contact_point_id"], "active", True, "wrong_number")
    cleared = await _patch(crm, phone["contact_point_id"], {"do_not_use": False, "reason": "number confirmed again"})
    assert (cleared.json()["do_not_use"], cleared.json()["do_not_use_reason"]) == (False, None)
    # The same correction sent twice (a retry) is no new revision.
    revision = cleared.json()["revision"]
    repeat = await _patch(crm, phone["contact_point_id"], {"do_not_use": False, "reason": "number confirmed again"})
    assert repeat.json()["revision"] == revision


async def test_corrections_to_unknown_contact_points_and_by_other_roles(crm: Harness) -> None:
    phone = _by_value(await _points(crm))[PHONE]
    body = {"verification": "verified", "reason": "confirmed on a call"}
    assert_problem(await _patch(crm, str(uuid.uuid4()), body), 404, "not-found")
    assert_problem(await _patch(crm, "not-a-uuid", body), 422, "validation-error", fields={"contact_point_id"})
    assert_problem(await _patch(crm, phone["contact_point_id"], body, headers=LENDER), 403, "forbidden")
    assert_problem(await _patch(crm, phone["contact_point_id"], body, headers=AUDITOR), 403, "forbidden")
    response = await crm.client.get(f"/v1/contact-points/{uuid.uuid4()}/history", headers=AUDITOR)
    assert_problem(response, 404, "not-found")
    response = await crm.client.get(f"/v1/contact-points/{phone['contact_point_id']}/history", headers=LENDER)
    assert_problem(response, 403, "forbidden")


async def test_contact_points_page_through_every_one_once(crm: Harness) -> None:
    await _added(crm, {"kind": "phone", "value": AGENT_PHONE})
    seen, after = [], None
    while True:
        params = {"limit": 1, **({"after": after} if after else {})}
        page = (await crm.client.get("/v1/borrowers/BR-1/contact-points", headers=AUDITOR, params=params)).json()
        seen += [point["contact_point_id"] for point in page["items"]]
        after = page["next_cursor"]
        if after is None:
            break
    assert len(seen) == len(set(seen)) == 4
    response = await crm.client.get("/v1/borrowers/BR-1/contact-points", headers=AUDITOR, params={"after": "x"})
    assert_problem(response, 422, "validation-error", fields={"after"})
    response = await crm.client.get("/v1/borrowers/BR-1/contact-points", headers=AUDITOR, params={"status": "gone"})
    assert_problem(response, 422, "validation-error", fields={"status"})


async def test_no_personal_data_in_plain_text_in_crms_events_or_logs(
        database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Everything crm publishes (its own topic, raw records and headers) and everything it logs, after every path
    personal data takes through it."""
    async with harness("crm", database_url) as crm:
        await publish_borrower(crm)
        await publish_borrower(crm, version=2, phones=[OTHER_PHONE])
        await crm.settled()
        await crm.client.get("/v1/borrowers/BR-1", headers=PII_READER)
        await crm.client.get("/v1/borrowers/BR-1/contact-points", headers=PII_READER)
        added = await _added(crm, {"kind": "email", "value": FRIEND_EMAIL, "belongs_to": "third_party",
                                   "relationship": "family"})
        await _patch(crm, added["contact_point_id"], {"value": "wang.liu@example.net", "reason": "typo"})
        await _history(crm, added["contact_point_id"])
        await _add(crm, {"kind": "phone", "value": "+8613800138"})  # refused: not echoed either
        await crm.settled()
        records = crm.broker.records(events_topic("crm"))
    assert any(b"contact_point_changed" in record.value for record in records)
    published = "\n".join(record.value.decode() + repr(record.headers) for record in records)
    output = capsys.readouterr()
    logged = output.err + output.out
    assert "personal data disclosed" in logged  # the log was captured
    secrets = [NAME, ID_NUMBER, PHONE, PHONE.removeprefix("+86"), OTHER_PHONE, OTHER_PHONE.removeprefix("+86"),
               EMAIL, ADDRESS, FRIEND_EMAIL, "wang.liu@example.net", "+8613800138", "1949-12-31"]
    for secret in secrets:
        for form in (secret, json.dumps(secret)[1:-1]):
            assert form not in published, f"{secret!r} in crm's events"
            assert form not in logged, f"{secret!r} in crm's log"
