"""After a workload that touches every personal-data path, no borrower's data is readable anywhere it must not be:
not in any service's log, not on any topic (events and dead letters, unless encrypted) and not in any database
column in plain text.

The six services run as real processes on the embedded broker and PostgreSQL; the sweep reads their log files,
every record of every topic from the beginning and every row of every table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from debtflow.common.embedded import EmbeddedBroker
from debtflow.common.services import service_names
from support.intake import (
    ADDRESS,
    EMAIL,
    ID_NUMBER,
    LENDER,
    NAME,
    PHONE,
    PII_READER,
    SUPERVISOR,
    full_default,
)
from support.stack import Stack, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

OTHER_NAME = "李四光"
OTHER_EMAIL = "li.siguang@example.org"
OTHER_ADDRESS = "上海市浦东新区世纪大道100号"
OTHER_PHONE = "+8613900139000"
LATER_PHONE = "+8613700137000"
AGENT_PHONE = "+8613600136000"
AGENT_EMAIL = "wang.wu@example.net"
REPRESENTATIVE_NAME = "赵律师"
REPRESENTATIVE_PHONE = "+8613500135000"
DATE_OF_BIRTH = "1949-12-31"

#: Every value a borrower gave, in every form it could leak in: as sent, as a national number, JSON-escaped
#: (a log or an event written with ensure_ascii) and hex-encoded (a bytea column or a hex dump).
SECRETS = [NAME, ID_NUMBER, PHONE, PHONE.removeprefix("+86"), EMAIL, ADDRESS, DATE_OF_BIRTH,
           OTHER_NAME, OTHER_EMAIL, OTHER_ADDRESS, OTHER_PHONE, OTHER_PHONE.removeprefix("+86"), LATER_PHONE,
           AGENT_PHONE, AGENT_PHONE.removeprefix("+86"), AGENT_EMAIL, REPRESENTATIVE_NAME, REPRESENTATIVE_PHONE,
           REPRESENTATIVE_PHONE.removeprefix("+86")]


def forms(secret: str) -> set[str]:
    return {secret, json.dumps(secret)[1:-1], secret.encode().hex()}


def leaks(text: str, where: str) -> list[str]:
    return [f"{where}: {secret!r}" for secret in SECRETS for form in forms(secret) if form in text]


@pytest.fixture(scope="module")
async def stack(broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    directory: Path = tmp_path_factory.mktemp("pii-sweep")
    async with running_stack(broker, directory, topic_prefix=f"pii{uuid.uuid4().hex[:8]}.") as running:
        yield running


async def _workload(stack: Stack) -> None:
    """Every way personal data enters or leaves: JSON and CSV intake, an update, searches, an unmasked read and
    refused requests that carry personal data."""
    registered = await stack.post("intake", "/v1/defaults", headers=LENDER,
                                  body=full_default("PII-1", borrower_id="BR-PII-1"))
    assert registered.status_code == 201, registered.text
    csv_body = ("loan_id,borrower_id,principal_outstanding,first_unpaid_due_date,as_of_date,borrower_name,"
                "borrower_phones,borrower_emails,borrower_address\n"
                f"PII-2,BR-PII-2,800.00,2026-08-15,2026-11-27,{OTHER_NAME},{OTHER_PHONE},{OTHER_EMAIL},"
                f"{OTHER_ADDRESS}\n")
    batch = await stack.client.post(stack.url("intake", "/v1/defaults:batch"), content=csv_body.encode(),
                                    headers={**LENDER, "Content-Type": "text/csv"})
    assert batch.status_code == 200 and batch.json()["outcomes"] == {"created": 1}, batch.text
    newer = full_default("PII-1", borrower_id="BR-PII-1", as_of_date="2026-11-28")
    newer["borrower"]["phones"] = [LATER_PHONE]
    updated = await stack.post("intake", "/v1/defaults", headers=LENDER, body=newer)
    assert updated.status_code == 200, updated.text
    for query in ({"phone": LATER_PHONE}, {"id_number": ID_NUMBER}, {"email": OTHER_EMAIL}):
        found = await stack.post("intake", "/v1/borrowers:search", headers=SUPERVISOR, body=query)
        assert found.status_code == 200 and found.json()["items"], (query, found.text)
    unmasked = await stack.get("intake", "/v1/borrowers/BR-PII-1", headers=PII_READER)
    assert unmasked.status_code == 200 and unmasked.json()["name"] == NAME, unmasked.text
    refused = full_default("PII-3", borrower_id="BR-PII-3")
    refused["borrower"]["emails"] = [EMAIL, "not an address"]
    rejected = await stack.post("intake", "/v1/defaults", headers=LENDER, body=refused)
    assert rejected.status_code == 422, rejected.text
    unauthenticated = await stack.post("intake", "/v1/defaults", headers={"Authorization": "Bearer not-a-token"},
                                       body=full_default("PII-4"))
    assert unauthenticated.status_code == 401, unauthenticated.text
    await stack.eventually_found("crm", "/v1/borrowers/BR-PII-1/timeline")
    # crm keeps the borrower's profile and contact points too: read unmasked, added to and corrected by an agent.
    profile = await stack.eventually_found("crm", "/v1/borrowers/BR-PII-1")
    shown = await stack.get("crm", "/v1/borrowers/BR-PII-1", headers=PII_READER)
    assert shown.status_code == 200 and shown.json()["name"] == NAME, (profile, shown.text)
    added = await stack.post("crm", "/v1/borrowers/BR-PII-1/contact-points", headers=PII_READER,
                             body={"kind": "email", "value": AGENT_EMAIL, "belongs_to": "third_party",
                                   "relationship": "family"})
    assert added.status_code == 201 and added.json()["value"] == AGENT_EMAIL, added.text
    phone = await stack.post("crm", "/v1/borrowers/BR-PII-1/contact-points", headers=SUPERVISOR,
                             body={"kind": "phone", "value": LATER_PHONE.removeprefix("+86"), "source": "borrower"})
    assert phone.status_code in (201, 409), phone.text  # 409 once intake's update has listed it
    corrected = await stack.client.patch(
        stack.url("crm", f"/v1/contact-points/{added.json()['contact_point_id']}"), headers=SUPERVISOR,
        json={"kind": "phone", "value": AGENT_PHONE, "reason": "typed into the wrong field"})
    assert corrected.status_code == 422, corrected.text  # refused, carrying personal data
    history = await stack.get("crm", f"/v1/contact-points/{added.json()['contact_point_id']}/history",
                              headers=PII_READER)
    assert history.status_code == 200 and history.json()["items"], history.text
    # A representative's name and number are personal data too; a note carrying a number is refused.
    restricted = await stack.post("crm", "/v1/borrowers/BR-PII-1/restrictions", headers=SUPERVISOR, body={
        "kind": "representative_only", "representative": {
            "kind": "lawyer", "name": REPRESENTATIVE_NAME, "contact": REPRESENTATIVE_PHONE}})
    assert restricted.status_code == 201, restricted.text
    shown = await stack.get("crm", f"/v1/restrictions/{restricted.json()['id']}", headers=PII_READER)
    assert shown.json()["representative"]["name"] == REPRESENTATIVE_NAME, shown.text
    note = await stack.post("crm", "/v1/borrowers/BR-PII-1/interactions", headers=SUPERVISOR, body={
        "channel": "call", "direction": "inbound", "outcome": "reached",
        "note": f"Call her lawyer on {REPRESENTATIVE_PHONE.removeprefix('+86')}"})
    assert note.status_code == 422, note.text
    # A data-subject export discloses everything (crm's and intake's) to a supervisor with pii:read, and is
    # refused without it; either way nothing of it may reach a log, a topic or a plain column.
    export = "/v1/borrowers/BR-PII-1:export?channel=letter&reference=DSR-PII-1"
    exported = await stack.get("crm", export, headers=PII_READER)
    assert exported.status_code == 200 and exported.json()["intake"]["borrower"]["name"] == NAME, exported.text
    assert exported.json()["crm"]["profile"]["name"] == NAME, exported.text
    refused_export = await stack.get("crm", export, headers=SUPERVISOR)
    assert refused_export.status_code == 403 and NAME not in refused_export.text, refused_export.text
    await stack.wait_settled()


async def _table_rows(database_url: str) -> AsyncIterator[tuple[str, str]]:
    """(table, the row as PostgreSQL's text form of the whole record) for every row of every table."""
    connection = await asyncpg.connect(make_url(database_url).set(drivername="postgresql").render_as_string(
        hide_password=False))
    try:
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")
        for table in tables:
            name = table["table_name"]
            for row in await connection.fetch(f'SELECT CAST(t AS text) AS line FROM "{name}" t'):
                yield name, row["line"]
    finally:
        await connection.close()


def _log_leaks(stack: Stack) -> Iterable[str]:
    for name, service in stack.services.items():
        for number, line in enumerate(service.log_path.read_text(errors="replace").splitlines(), start=1):
            yield from leaks(line, f"{name} log line {number}")


async def test_no_personal_data_in_logs_topics_or_plain_columns(stack: Stack) -> None:
    await _workload(stack)
    found = list(_log_leaks(stack))

    topics = await stack.read_topics(stack.event_topics + stack.dead_letter_topics)
    records = [record for topic_records in topics.values() for record in topic_records]
    assert any(record.value and b"borrower.registered" in record.value for record in records), "no borrower events"
    for record in records:
        raw = (record.value or b"") + b"".join(value or b"" for _, value in record.headers)
        found += leaks(raw.decode(errors="replace"), f"{record.topic}@{record.offset}")

    rows = 0
    for name in service_names():
        async for table, line in _table_rows(stack.services[name].database_url):
            rows += 1
            found += leaks(line, f"{name}.{table}")
    assert rows > 0
    assert not found, "personal data in plain text:\n" + "\n".join(sorted(set(found)))
