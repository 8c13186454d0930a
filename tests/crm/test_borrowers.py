"""crm's borrower profiles on SQLite and PostgreSQL: built from intake's borrower events (decrypted from transport,
encrypted at rest), safe against late and repeated versions, read masked without `pii:read`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from debtflow.common.events import ContactPointChanged, dead_letter_topic, events_topic
from debtflow.crm.borrowers.models import BorrowerProfile
from debtflow.crm.contact_points.models import ContactPoint
from support.crm import AUDITOR, COLLECTOR, LENDER, PII_READER, SUPERVISOR, TENANT, publish_borrower
from support.harness import Harness, harness
from support.intake import ADDRESS, EMAIL, ID_NUMBER, NAME, OTHER_PHONE, PHONE
from support.problems import assert_problem


@pytest.fixture
async def crm(database_url: str):  # type: ignore[no-untyped-def]
    async with harness("crm", database_url) as service:
        yield service


async def _profile(crm: Harness, borrower_id: str = "BR-1", headers: dict[str, str] = PII_READER,
                   **params: str) -> dict:
    response = await crm.client.get(f"/v1/borrowers/{borrower_id}", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_registered_borrower_has_a_profile_with_the_lending_cores_contact_points(crm: Harness) -> None:
    await publish_borrower(crm)
    await crm.settled()
    shown = await _profile(crm)
    assert (shown["borrower_id"], shown["tenant"], shown["masked"]) == ("BR-1", TENANT, False)
    assert (shown["name"], shown["id_number"], shown["date_of_birth"]) == (NAME, ID_NUMBER, "1949-12-31")
    assert (shown["id_type"], shown["region"], shown["timezone"], shown["intake_version"]) == (
        "resident_id", "Beijing", "Asia/Shanghai", 1)
    assert sorted((point["kind"], point["value"], point["source"]) for point in shown["contact_points"]) == [
        ("address", ADDRESS, "lending_core"), ("email", EMAIL, "lending_core"), ("phone", PHONE, "lending_core")]
    # At rest under crm's own contexts: intake's transport tokens are not what crm keeps.
    cipher = crm.runtime.settings.field_cipher
    async with crm.runtime.sessions() as session:
        profile = await session.scalar(select(BorrowerProfile))
    assert profile is not None and NAME not in (profile.name_enc or "")
    assert cipher.decrypt(profile.name_enc, context="crm.borrower.name") == NAME
    assert cipher.decrypt(profile.id_number_enc, context="crm.borrower.id_number") == ID_NUMBER


async def test_an_update_changes_the_profile_and_a_late_or_repeated_version_changes_nothing(crm: Harness) -> None:
    await publish_borrower(crm, version=3, name="李四", phones=[OTHER_PHONE])  # the newest arrives first
    await publish_borrower(crm, version=1)  # the registration, late (another partition, a replay)
    await publish_borrower(crm, version=2, name="王五")
    await crm.settled()
    shown = await _profile(crm)
    assert (shown["name"], shown["intake_version"]) == ("李四", 3)
    assert [point["value"] for point in shown["contact_points"] if point["kind"] == "phone"] == [OTHER_PHONE]
    announced = len(crm.emitted(ContactPointChanged))
    await publish_borrower(crm, version=3, name="李四", phones=[OTHER_PHONE])  # redelivered under a new id
    await publish_borrower(crm, version=4, name="赵六", phones=[OTHER_PHONE])
    await crm.settled()
    shown = await _profile(crm)
    assert (shown["name"], shown["intake_version"]) == ("赵六", 4)
    assert len(crm.emitted(ContactPointChanged)) == announced  # same contact data: no contact point changed
    assert await crm.count(BorrowerProfile) == 1


async def test_without_pii_read_the_profile_is_masked(crm: Harness) -> None:
    await publish_borrower(crm)
    await crm.settled()
    for caller in (SUPERVISOR, COLLECTOR, AUDITOR):
        shown = await _profile(crm, headers=caller)
        assert shown["masked"] is True
        assert (shown["name"], shown["id_number"], shown["date_of_birth"]) == ("张**", "110***********002X",
                                                                               "1949-**-**")
        values = {point["kind"]: point["value"] for point in shown["contact_points"]}
        assert values == {"phone": "+86138****8000", "email": "z***@example.com", "address": "北京市朝********"}
        assert all(point["masked"] for point in shown["contact_points"])


async def test_an_unmasked_read_is_logged_with_who_and_whom_never_the_values(
        database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    async with harness("crm", database_url) as crm:
        await publish_borrower(crm)
        await crm.settled()
        await _profile(crm, headers=PII_READER)
        await _profile(crm, headers=SUPERVISOR)
    output = capsys.readouterr()
    logged = output.err + output.out
    disclosures = [line for line in logged.splitlines() if "personal data disclosed" in line]
    assert len(disclosures) == 1, logged  # the masked read disclosed nothing
    assert "supervisor-2" in disclosures[0] and "BR-1" in disclosures[0] and TENANT in disclosures[0]
    for value in (NAME, ID_NUMBER, PHONE, PHONE.removeprefix("+86"), EMAIL, ADDRESS, "1949-12-31"):
        assert value not in logged


async def test_the_same_borrower_id_of_two_tenants_must_be_named(crm: Harness) -> None:
    await publish_borrower(crm, tenant="lender-a")
    await publish_borrower(crm, tenant="lender-b", name="王五")
    await crm.settled()
    problem = assert_problem(await crm.client.get("/v1/borrowers/BR-1", headers=PII_READER), 409,
                             "ambiguous-tenant")
    assert problem["tenants"] == ["lender-a", "lender-b"]
    assert (await _profile(crm, tenant="lender-b"))["name"] == "王五"
    assert (await _profile(crm, tenant="lender-a"))["name"] == NAME


async def test_unknown_borrowers_bad_ids_and_lending_cores(crm: Harness) -> None:
    await publish_borrower(crm)
    await crm.settled()
    assert_problem(await crm.client.get("/v1/borrowers/BR-NOBODY", headers=SUPERVISOR), 404, "not-found")
    assert_problem(await crm.client.get("/v1/borrowers/BR-1", headers=SUPERVISOR, params={"tenant": "other"}),
                   404, "not-found")
    assert_problem(await crm.client.get("/v1/borrowers/BR-1", headers=LENDER), 403, "forbidden")
    assert_problem(await crm.client.get("/v1/borrowers/BR-1", headers=SUPERVISOR, params={"tenant": "a b"}),
                   422, "validation-error", fields={"tenant"})
    assert_problem(await crm.client.get("/v1/borrowers/+86 13800138000", headers=SUPERVISOR), 422,
                   "validation-error", fields={"borrower_id"})


async def test_a_borrower_event_without_a_tenant_is_dead_lettered_not_dropped(crm: Harness) -> None:
    poison = await publish_borrower(crm, tenant=None, borrower_id="BR-NOWHERE")
    await publish_borrower(crm, borrower_id="BR-2")
    await crm.settled()
    [dead] = crm.broker.records(dead_letter_topic(events_topic("intake")))
    assert dead.header("ce_id") == poison.id
    assert "no tenant" in (dead.header("dlq_error_message") or "")
    assert await crm.count(BorrowerProfile, BorrowerProfile.borrower_id == "BR-NOWHERE") == 0
    assert await crm.count(ContactPoint, ContactPoint.borrower_id == "BR-NOWHERE") == 0
    assert (await _profile(crm, "BR-2"))["intake_version"] == 1  # the consumer moved on
