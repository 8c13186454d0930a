"""crm's data-subject requests on SQLite and PostgreSQL, with intake served over real HTTP on a local port (one
in-memory broker between them): the export holds every section unmasked, from crm and from intake, is recorded and
logged without values, is for supervisors with pii:read only, and is never given partly when intake fails;
correction requests are recorded with ids and field names only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from structlog.testing import capture_logs

from debtflow.common.embedded import free_port
from debtflow.common.messaging import InMemoryBroker, InMemoryBus
from debtflow.common.web import create_app
from debtflow.crm.data_requests.models import DataSubjectRequest
from support import eventually, fresh_database, running_service, token
from support.crm import COLLECTOR, SUPERVISOR, TENANT
from support.harness import Harness, service_definition
from support.intake import ADDRESS, EMAIL, ID_NUMBER, LENDER, NAME, OTHER_PHONE, PHONE, full_default, payment
from support.problems import assert_problem

#: A supervisor who may see personal data: the only caller an export is for.
EXPORTER = token("supervisor", subject="dpo-1", permissions=["pii:read"])
#: pii:read without the role, and the role without pii:read.
COLLECTOR_WITH_PII = token("collector", subject="collector-9", permissions=["pii:read"])
REPRESENTATIVE = "王律师"
REPRESENTATIVE_CONTACT = "+8613500135000"
EXPORT = "/v1/borrowers/BR-1:export"
SECTIONS = {"profile", "contact_points", "preferences", "preference_changes", "consents", "interactions",
            "disputes", "hardship_requests", "restrictions", "circumstances", "vulnerabilities",
            "satisfaction_answers", "complaints", "timeline", "data_subject_requests"}


@dataclass
class Pair:
    crm: Harness
    intake: httpx.AsyncClient  # real HTTP to intake's port
    intake_url: str


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """An ASGI app under uvicorn on a free local port, in this event loop; its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_config=None,
                                           access_log=False))
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: asyncio.sleep(0, result=server.started or task.done()), what="intake to listen")
        assert not task.done(), "intake's server stopped at start-up"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def pair(db_kind: str, database_url: str, tmp_path: Path) -> AsyncIterator[Pair]:
    broker = InMemoryBroker(partitions=4)
    async with fresh_database(db_kind, tmp_path) as intake_database:
        intake_app = create_app(service_definition("intake", intake_database), bus=InMemoryBus(broker))
        async with served(intake_app) as intake_url, httpx.AsyncClient(base_url=intake_url, timeout=10) as client:
            definition = service_definition("crm", database_url, intake_url=intake_url)
            async with running_service(definition, bus=InMemoryBus(broker)) as crm:
                yield Pair(Harness("crm", broker, crm), client, intake_url)


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _borrower_with_history(pair: Pair) -> dict[str, Any]:
    """A default with the borrower's personal data and a payment in intake; in crm a dispute, an interaction, a
    consent, a representative-only restriction and a corrected phone. Returns the corrected contact point."""
    debt = await _ok(await pair.intake.post("/v1/defaults", json=full_default(), headers=LENDER), 201)
    await _ok(await pair.intake.post("/v1/payments", json=payment(), headers=LENDER), 201)
    crm = pair.crm
    await eventually(lambda: crm.get_json(f"/v1/borrowers/BR-1/timeline?tenant={TENANT}", SUPERVISOR),
                     what="crm to hear of intake's borrower and debt")
    await crm.settled()
    client = crm.client
    await _ok(await client.post("/v1/disputes", headers=COLLECTOR, json={
        "borrower_id": "BR-1", "debt_id": debt["id"], "kind": "amount", "reason_code": "interest_miscalculated",
        "channel": "call"}), 201)
    await _ok(await client.post("/v1/borrowers/BR-1/interactions", headers=COLLECTOR, json={
        "debt_id": debt["id"], "channel": "call", "direction": "inbound", "outcome": "dispute_raised",
        "note": "says the interest is wrong"}), 201)
    await _ok(await client.post("/v1/borrowers/BR-1/consents", headers=COLLECTOR, json={
        "purpose": "call_recording", "action": "give", "channel": "call"}), 201)
    await _ok(await client.post("/v1/borrowers/BR-1/restrictions", headers=COLLECTOR, json={
        "kind": "representative_only", "representative": {
            "kind": "lawyer", "name": REPRESENTATIVE, "contact": REPRESENTATIVE_CONTACT}}), 201)
    points = (await _ok(await client.get("/v1/borrowers/BR-1/contact-points?kind=phone", headers=EXPORTER)))["items"]
    [phone] = [point for point in points if point["value"] == PHONE]
    corrected = await _ok(await client.patch(f"/v1/contact-points/{phone['contact_point_id']}", headers=EXPORTER,
                                             json={"value": OTHER_PHONE, "reason": "the borrower wrote with it"}))
    assert corrected["revision"] == 2
    return corrected  # type: ignore[no-any-return]


async def test_an_export_holds_everything_unmasked_from_crm_and_intake_and_is_recorded_without_values(
        pair: Pair) -> None:
    corrected = await _borrower_with_history(pair)
    with capture_logs() as logged:  # what the export logs, as structured entries
        response = await pair.crm.client.get(EXPORT, headers=EXPORTER, params={
            "tenant": TENANT, "channel": "letter", "reference": "DSR-2026-1"})
    document = await _ok(response)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == 'attachment; filename="borrower-BR-1-export.json"'
    assert document["format"] == "debtflow.data-subject-export.v1"
    assert (document["tenant"], document["borrower_id"]) == (TENANT, "BR-1")
    assert document["generated_at"].endswith("Z") or document["generated_at"].endswith("+00:00")

    records = document["crm"]
    assert set(records) == SECTIONS
    profile = records["profile"]
    assert (profile["name"], profile["id_number"], profile["date_of_birth"]) == (NAME, ID_NUMBER, "1949-12-31")
    by_value = {point["value"]: point for point in records["contact_points"]}
    assert {PHONE, OTHER_PHONE, EMAIL, ADDRESS} <= set(by_value) or {OTHER_PHONE, EMAIL, ADDRESS} <= set(by_value)
    [point] = [p for p in records["contact_points"] if p["contact_point_id"] == corrected["contact_point_id"]]
    assert point["value"] == OTHER_PHONE and not point["masked"]
    assert [(revision["revision"], revision["value"]) for revision in point["revisions"]] == [
        (1, PHONE), (2, OTHER_PHONE)]  # the history holds what was known before the correction
    assert [row["reason_code"] for row in records["disputes"]] == ["interest_miscalculated"]
    assert [row["note"] for row in records["interactions"]] == ["says the interest is wrong"]
    assert [(row["purpose"], row["status"]) for row in records["consents"]] == [("call_recording", "given")]
    [restriction] = records["restrictions"]
    assert restriction["representative"] == {"kind": "lawyer", "name": REPRESENTATIVE,
                                             "contact": REPRESENTATIVE_CONTACT}
    assert {entry["event_type"] for entry in records["timeline"]} >= {"debtflow.debt.registered.v1"}
    for empty in ("hardship_requests", "circumstances", "vulnerabilities", "satisfaction_answers", "complaints",
                  "preference_changes", "data_subject_requests"):
        assert records[empty] == [], empty
    assert records["preferences"] is None

    intake = document["intake"]
    assert (intake["borrower"]["name"], intake["borrower"]["id_number"]) == (NAME, ID_NUMBER)
    assert PHONE in intake["borrower"]["phones"]
    [debt] = intake["debts"]
    assert debt["debt"]["borrower_id"] == "BR-1"
    assert debt["history"] and [row["payment_id"] for row in debt["payments"]] == ["PAY-1"]
    assert intake["erasures"] == []

    [row] = (await _ok(await pair.crm.client.get("/v1/borrowers/BR-1/data-subject-requests",
                                                 headers=SUPERVISOR)))["items"]
    assert (row["id"], row["kind"], row["status"], row["requested_by"], row["channel"], row["reference"]) == (
        document["request_id"], "export", "completed", "dpo-1", "letter", "DSR-2026-1")
    assert row["detail"]["records"]["crm.contact_points"] == len(records["contact_points"])
    assert row["detail"]["records"]["intake.debts"] == 1
    [entry] = [entry for entry in logged if entry["event"] == "personal data exported"]
    assert {key: entry[key] for key in ("actor", "borrower_id", "tenant", "request_id")} == {
        "actor": "dpo-1", "borrower_id": "BR-1", "tenant": TENANT, "request_id": document["request_id"]}
    lines, stored = json.dumps(logged, ensure_ascii=False, default=str), json.dumps(row, ensure_ascii=False)
    for value in (NAME, ID_NUMBER, PHONE, PHONE.removeprefix("+86"), OTHER_PHONE, EMAIL, ADDRESS, "1949-12-31",
                  REPRESENTATIVE, REPRESENTATIVE_CONTACT):
        assert value not in lines, value
        assert value not in stored, value


async def test_an_export_is_for_a_supervisor_with_pii_read_only(pair: Pair) -> None:
    await _borrower_with_history(pair)
    client, params = pair.crm.client, {"tenant": TENANT, "channel": "letter"}
    refused = await client.get(EXPORT, headers=SUPERVISOR, params=params)
    assert_problem(refused, 403, "pii-read-required")
    assert "unmasked" in refused.json()["detail"]
    assert_problem(await client.get(EXPORT, headers=COLLECTOR_WITH_PII, params=params), 403, "forbidden")
    assert_problem(await client.get(EXPORT, params=params), 401, "unauthenticated")
    assert_problem(await client.get("/v1/borrowers/BR-404:export", headers=EXPORTER, params=params), 404)
    assert_problem(await client.get(EXPORT, headers=EXPORTER, params={"tenant": TENANT}), 422, "validation-error",
                   fields={"channel"})
    assert await pair.crm.count(DataSubjectRequest) == 0  # nothing was exported, so nothing is recorded
    # The route is not mistaken for the profile of a borrower called "BR-1:export".
    assert (await client.get("/v1/borrowers/BR-1", headers=EXPORTER)).json()["borrower_id"] == "BR-1"


async def test_intake_down_or_refusing_gives_a_502_never_a_partial_export(pair: Pair) -> None:
    await _borrower_with_history(pair)
    params = {"tenant": TENANT, "channel": "email"}
    crm = pair.crm
    crm.runtime.settings.intake_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    down = await crm.client.get(EXPORT, headers=EXPORTER, params=params)
    assert_problem(down, 502, "intake-unavailable")
    assert down.json()["failed"] == "GET /v1/borrowers/BR-1"
    # An error answer (here intake's 404 for a path it does not have) fails the export the same way.
    crm.runtime.settings.intake_url = f"{pair.intake_url}/elsewhere"
    refused = await crm.client.get(EXPORT, headers=EXPORTER, params=params)
    problem = assert_problem(refused, 502, "intake-unavailable")
    assert (problem["failed"], problem["intake_status"]) == ("GET /v1/borrowers/BR-1", 404)
    assert "crm" not in problem and "intake" not in problem
    assert await crm.count(DataSubjectRequest) == 0


async def test_a_correction_request_is_recorded_with_ids_and_field_names_only(pair: Pair) -> None:
    corrected = await _borrower_with_history(pair)
    client = pair.crm.client
    path = "/v1/borrowers/BR-1/data-subject-requests"
    revision = {"contact_point_id": corrected["contact_point_id"], "revision": 2}
    recorded = await _ok(await client.post(path, headers=SUPERVISOR, json={
        "channel": "letter", "reference": "DSR-2026-2", "outcome": "corrected", "fields": ["phone"],
        "contact_point_revisions": [revision]}), 201)
    assert (recorded["kind"], recorded["status"], recorded["requested_by"]) == ("correction", "completed",
                                                                               "supervisor-1")
    assert recorded["detail"] == {"fields": ["phone"], "contact_point_revisions": [revision], "records": []}
    refused = await _ok(await client.post(path, headers=SUPERVISOR, json={
        "channel": "call", "outcome": "refused", "reason": "the name is as on the identity card"}), 201)
    assert (refused["status"], refused["reason"]) == ("refused", "the name is as on the identity card")
    listed = (await _ok(await client.get(path, headers=COLLECTOR)))["items"]
    assert [row["id"] for row in listed] == [refused["id"], recorded["id"]]  # newest first

    unknown = {"contact_point_id": corrected["contact_point_id"], "revision": 9}
    assert_problem(await client.post(path, headers=SUPERVISOR, json={
        "channel": "letter", "outcome": "corrected", "contact_point_revisions": [unknown]}), 422,
        "validation-error", fields={"contact_point_revisions.0"})
    assert_problem(await client.post(path, headers=SUPERVISOR, json={
        "channel": "letter", "outcome": "corrected", "records": [
            {"kind": "dispute", "id": corrected["contact_point_id"]}]}), 422, "validation-error",
        fields={"records.0"})
    assert_problem(await client.post(path, headers=SUPERVISOR, json={"channel": "letter", "outcome": "refused"}),
                   422, "validation-error")
    assert_problem(await client.post(path, headers=SUPERVISOR, json={
        "channel": "letter", "outcome": "corrected", "fields": ["phone"], "value": OTHER_PHONE}), 422,
        "validation-error", fields={"value"})  # a value has no place in the record
    assert_problem(await client.post(path, headers=COLLECTOR, json={
        "channel": "letter", "outcome": "refused", "reason": "not the borrower's"}), 403, "forbidden")
    assert await pair.crm.count(DataSubjectRequest) == 2
