"""Borrowers' personal data: encrypted at rest, masked without pii:read, searchable by keyed hash, never in events or logs."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from debtflow.common.events import BorrowerRegistered, BorrowerUpdated
from debtflow.common.pii import DEVELOPMENT_PII_KEYS, FieldCipher, PiiError
from debtflow.intake.borrowers.models import Borrower
from debtflow.intake.models import idempotency_keys
from support.harness import Harness, harness
from support.intake import (
    ADDRESS,
    EMAIL,
    ID_NUMBER,
    LENDER,
    NAME,
    OTHER_LENDER,
    OTHER_PHONE,
    PHONE,
    PII_READER,
    SUPERVISOR,
    borrower,
    default,
    full_default,
    get_borrower,
    register,
)
from support.problems import assert_problem

#: Every way the personal data of `borrower()` could leak as plain text.
PLAINTEXT = [PHONE, PHONE.removeprefix("+86"), EMAIL, EMAIL.upper(), NAME, ID_NUMBER, ID_NUMBER[:17], ADDRESS,
             "1949-12-31", OTHER_PHONE.removeprefix("+86")]
NEW_KEY_RING = DEVELOPMENT_PII_KEYS + ",k2:" + base64.b64encode(b"k" * 32).decode()



def leaks(blob: str) -> list[str]:
    return [value for value in PLAINTEXT if value in blob]


async def everything_stored(intake: Harness, database_url: str) -> str:
    """The whole database as text: the SQLite files' bytes, or every row of every PostgreSQL table."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split(":///", 1)[1])
        files = [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-journal"))]
        return "".join(file.read_bytes().decode("utf-8", "replace") for file in files if file.exists())
    async with intake.runtime.sessions() as session:
        tables = (await session.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))).scalars().all()
        assert "borrowers" in tables
        rows = []
        for table in tables:
            rows += (await session.execute(text(f'SELECT t::text FROM "{table}" t'))).scalars().all()
        columns = (await session.execute(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'borrowers' "
            "AND data_type IN ('text', 'character varying', 'json', 'jsonb')"))).scalars().all()
        for column in columns:
            rows += [value or "" for value in (await session.execute(
                text(f'SELECT "{column}"::text FROM borrowers'))).scalars().all()]
        return "\n".join(rows)


async def test_the_database_holds_no_personal_data_in_plain_text(intake: Harness, database_url: str) -> None:
    response = await intake.client.post("/v1/defaults", json=full_default(),
                                        headers={**LENDER, "Idempotency-Key": "first-registration"})
    assert response.status_code == 201, response.text
    await register(intake, full_default(as_of_date="2026-11-28", borrower=borrower(phones=[PHONE, OTHER_PHONE])),
                   expect=200)
    await intake.client.post("/v1/borrowers:search", json={"phone": PHONE}, headers=PII_READER)
    await intake.settled()
    assert await intake.count(idempotency_keys) == 1
    async with intake.runtime.sessions() as session:
        row = await session.scalar(select(Borrower))
    assert row is not None
    assert row.id_number_enc and row.id_number_enc.startswith("v1:dev1:")
    assert len(row.phones_enc) == 2 and all(token.startswith("v1:") for token in row.phones_enc)
    stored = await everything_stored(intake, database_url)
    assert "BR-1" in stored  # the dump does contain the data...
    assert leaks(stored) == []  # ...but none of it readable


async def test_a_supervisor_without_pii_read_sees_masked_data(intake: Harness) -> None:
    await register(intake, full_default())
    shown = await get_borrower(intake, headers=SUPERVISOR)
    assert {key: shown[key] for key in ("borrower_id", "source_system", "masked", "name", "id_type", "id_number",
                                        "phones", "emails", "address", "date_of_birth", "region", "timezone",
                                        "version")} == {
        "borrower_id": "BR-1", "source_system": "lending-core-a", "masked": True, "name": "张**",
        "id_type": "resident_id", "id_number": "110***********002X", "phones": ["+86138****8000"],
        "emails": ["z***@example.com"], "address": "北京市朝********", "date_of_birth": "1949-**-**",
        "region": "Beijing", "timezone": "Asia/Shanghai", "version": 1,
    }


async def test_pii_read_shows_the_plain_data(intake: Harness) -> None:
    await register(intake, full_default(borrower=borrower(id_number="11010519491231002x",
                                                          phones=["+86 138-0013-8000"])))
    shown = await get_borrower(intake, headers=PII_READER)
    assert {key: shown[key] for key in ("masked", "name", "id_number", "phones", "emails", "address",
                                        "date_of_birth")} == {
        "masked": False, "name": NAME, "id_number": ID_NUMBER, "phones": [PHONE], "emails": [EMAIL],
        "address": ADDRESS, "date_of_birth": "1949-12-31",
    }


async def test_a_lending_core_sees_its_own_borrowers_masked_and_no_one_elses(intake: Harness) -> None:
    await register(intake, full_default())
    ours = await get_borrower(intake, headers=LENDER)
    assert (ours["masked"], ours["phones"]) == (True, ["+86138****8000"])
    response = await intake.client.get("/v1/borrowers/BR-1", headers=OTHER_LENDER)
    assert_problem(response, 404)
    # Another lending core (another tenant: no DEBTFLOW_TENANTS here) using the same customer id has a customer of
    # its own, and still never sees ours.
    await register(intake, default("LN-B"), headers=OTHER_LENDER)
    theirs = await get_borrower(intake, headers=OTHER_LENDER)
    assert (theirs["tenant"], theirs["source_system"], theirs["id_number"]) == (
        "lending-core-b", "lending-core-b", None)
    assert (await get_borrower(intake, headers=LENDER))["id_number"] == "110***********002X"


async def test_an_unknown_borrower_is_404(intake: Harness) -> None:
    assert_problem(await intake.client.get("/v1/borrowers/BR-NOPE", headers=SUPERVISOR), 404)


async def search(intake: Harness, body: dict[str, Any], headers: dict[str, str] = PII_READER) -> list[str]:
    response = await intake.client.post("/v1/borrowers:search", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return [found["borrower_id"] for found in response.json()["items"]]


async def test_borrowers_are_found_by_identity_number_phone_or_email(intake: Harness) -> None:
    await register(intake, full_default())
    await register(intake, default("LN-2", borrower_id="BR-2", borrower=borrower(
        id_number="440524188001010014", phones=[OTHER_PHONE], emails=["li.si@example.com"])))
    assert await search(intake, {"id_number": ID_NUMBER}) == ["BR-1"]
    assert await search(intake, {"id_number": ID_NUMBER.lower()}) == ["BR-1"]
    assert await search(intake, {"phone": "+86 138 0013 8000"}) == ["BR-1"]
    assert await search(intake, {"phone": "+86-139-0013-9000"}) == ["BR-2"]
    assert await search(intake, {"email": EMAIL.upper()}) == ["BR-1"]
    assert await search(intake, {"email": " li.si@example.com "}) == ["BR-2"]
    assert await search(intake, {"phone": "+8613700137000"}) == []


async def test_search_results_are_masked_without_pii_read(intake: Harness) -> None:
    await register(intake, full_default())
    response = await intake.client.post("/v1/borrowers:search", json={"phone": PHONE}, headers=SUPERVISOR)
    [found] = response.json()["items"]
    assert (found["masked"], found["phones"], found["id_number"]) == (True, ["+86138****8000"], "110***********002X")


async def test_a_search_gives_exactly_one_valid_key(intake: Harness) -> None:
    for body in ({"phone": PHONE, "email": EMAIL}, {}, {"phone": "+86 139 0013 900A"}, {"name": NAME}):
        response = await intake.client.post("/v1/borrowers:search", json=body, headers=PII_READER)
        assert_problem(response, 422, "validation-error")
        for value in body.values():  # what was searched for is not echoed
            assert value not in response.text and value.replace(" ", "") not in response.text


async def test_lending_cores_may_not_search_borrowers(intake: Harness) -> None:
    await register(intake, full_default())
    assert_problem(await intake.client.post("/v1/borrowers:search", json={"phone": PHONE}, headers=LENDER), 403)


async def test_borrower_registered_carries_only_tokens_for_key_holders(intake: Harness) -> None:
    await register(intake, full_default())
    await intake.settled()
    [event] = intake.emitted(BorrowerRegistered)
    assert (event.subject, event.data.borrower_id, event.data.version) == ("BR-1", "BR-1", 1)
    data = event.data.personal_data
    cipher: FieldCipher = intake.runtime.settings.field_cipher
    tokens = {"name": data.name, "id_number": data.id_number, "phone": data.phones[0], "email": data.emails[0],
              "address": data.address, "date_of_birth": data.date_of_birth}
    assert all(token and token.startswith("v1:dev1:") for token in tokens.values()), tokens
    assert {field: cipher.decrypt(token, context=f"event.borrower.{field}") for field, token in tokens.items()} == {
        "name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "email": EMAIL, "address": ADDRESS,
        "date_of_birth": "1949-12-31",
    }
    with pytest.raises(PiiError):  # an event token is not a stored value, and the reverse
        cipher.decrypt(data.phones[0], context="intake.borrower.phone")
    published = b"".join(record.value for record in intake.broker.records("debtflow.intake.events"))
    assert leaks(published.decode()) == []
    outbox = intake.runtime.definition.messaging.outbox
    async with intake.runtime.sessions() as session:
        envelopes = (await session.execute(select(outbox.c.envelope))).scalars().all()
    assert leaks("".join(envelopes)) == []


async def test_a_changed_borrower_is_announced_with_a_new_version(intake: Harness) -> None:
    await register(intake, full_default())
    await register(intake, full_default("LN-2", borrower=borrower(phones=[OTHER_PHONE])))
    await intake.settled()
    [updated] = intake.emitted(BorrowerUpdated)
    assert (updated.subject, updated.data.version) == ("BR-1", 2)
    cipher: FieldCipher = intake.runtime.settings.field_cipher
    assert [cipher.decrypt(token, context="event.borrower.phone") for token in updated.data.personal_data.phones] == [
        OTHER_PHONE]
    shown = await get_borrower(intake)
    assert (shown["phones"], shown["version"]) == ([OTHER_PHONE], 2)
    assert await search(intake, {"phone": PHONE}) == []
    assert await search(intake, {"phone": OTHER_PHONE}) == ["BR-1"]
    assert await search(intake, {"email": EMAIL}) == ["BR-1"]


async def test_an_unchanged_or_absent_borrower_announces_nothing(intake: Harness) -> None:
    await register(intake, full_default())
    await register(intake, full_default("LN-2"))
    await register(intake, default("LN-3"))  # no personal data: keep what intake holds
    await register(intake, full_default("LN-4", borrower=borrower(phones=["+86 138 0013 8000"],
                                                                 id_number=ID_NUMBER.lower())))
    await intake.settled()
    assert len(intake.emitted(BorrowerRegistered)) == 1
    assert intake.emitted(BorrowerUpdated) == []
    shown = await get_borrower(intake)
    assert (shown["version"], shown["phones"]) == (1, [PHONE])


async def test_a_borrower_changed_twice_in_one_batch(intake: Harness) -> None:
    items = [full_default("LN-1"), full_default("LN-2", borrower=borrower(phones=[OTHER_PHONE])),
             full_default("LN-3", borrower=borrower(emails=["new@example.com"]))]
    response = await intake.client.post("/v1/defaults:batch", json=items, headers=LENDER)
    assert response.json()["outcomes"] == {"created": 3}, response.text
    shown = await get_borrower(intake)
    assert (shown["version"], shown["phones"], shown["emails"]) == (3, [PHONE], ["new@example.com"])
    assert await search(intake, {"phone": OTHER_PHONE}) == []
    assert await search(intake, {"email": "new@example.com"}) == ["BR-1"]
    await intake.settled()
    assert [event.data.version for event in intake.emitted(BorrowerRegistered) + intake.emitted(BorrowerUpdated)] == [
        1, 2, 3]


async def test_logs_never_carry_personal_data(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    # The service starts inside the test, so its log goes to the captured stderr.
    async with harness("intake", database_url) as intake:
        await register(intake, full_default())
        await get_borrower(intake, headers=PII_READER)
        await search(intake, {"phone": PHONE})
        await search(intake, {"id_number": ID_NUMBER})
        await intake.client.post("/v1/defaults", headers=LENDER,
                                 json=full_default("LN-2", borrower=borrower(phones=["+86138001380009"])))
        await intake.client.post("/v1/borrowers:search", json={"phone": "+86 138 0013 80", "email": EMAIL},
                                 headers=PII_READER)
        await intake.settled()
    output = capsys.readouterr()
    logged = output.err + output.out
    assert "http request" in logged and "personal data disclosed" in logged  # the log was captured
    assert leaks(logged) == []
    assert "+86138001380009" not in logged


async def test_values_from_before_a_key_rotation_still_read_and_new_ones_use_the_new_key(database_url: str) -> None:
    async with harness("intake", database_url) as before:
        await register(before, full_default())
    async with harness("intake", database_url, pii_keys=NEW_KEY_RING, pii_active_key="k2") as after:
        shown = await get_borrower(after)
        assert (shown["id_number"], shown["phones"]) == (ID_NUMBER, [PHONE])
        assert await search(after, {"id_number": ID_NUMBER}) == ["BR-1"]  # lookup hashes do not rotate
        await register(after, default("LN-2", borrower_id="BR-2", borrower=borrower(phones=[OTHER_PHONE])))
        async with after.runtime.sessions() as session:
            rows = {row.external_id: row for row in await session.scalars(select(Borrower))}
        assert rows["BR-1"].phones_enc[0].startswith("v1:dev1:")
        assert rows["BR-2"].phones_enc[0].startswith("v1:k2:")
        assert (await get_borrower(after, "BR-2"))["phones"] == [OTHER_PHONE]
        await after.settled()
        [event] = [event for event in after.emitted(BorrowerRegistered) if event.data.borrower_id == "BR-2"]
        assert event.data.personal_data.phones[0].startswith("v1:k2:")


async def test_borrower_ids_in_urls_are_opaque_references(intake: Harness) -> None:
    # A borrower reference that looks like a phone number is refused, so personal data stays out of URLs.
    response = await intake.client.post("/v1/defaults", json=default(borrower_id="+86 13800138000"), headers=LENDER)
    assert "borrower_id" in {error["field"] for error in assert_problem(response, 422)["errors"]}
