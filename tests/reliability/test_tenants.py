"""Tenants: two lenders' borrowers, debts and events never mix, in intake, crm and classification; one lender's
later defaults merge into its borrower field by field and only an audited erasure clears; maker-checker compares
normalised identities."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from debtflow.classification.facts.models import DebtFactsRow
from debtflow.common.auth import Actor, TokenService, normalise_identity
from debtflow.common.events import (
    BorrowerRegistered,
    BorrowerUpdated,
    CloudEvent,
    DebtRegistered,
    PaymentReceived,
)
from debtflow.common.events.crm import BorrowerCircumstanceRecorded
from debtflow.common.problems import Forbidden
from debtflow.common.settings import DEVELOPMENT_AUTH_SECRET
from debtflow.common.tenants import TenantMap
from debtflow.intake.borrowers.models import BorrowerFieldErasure
from support.harness import Harness, classified, harness, registered
from support.intake import ADDRESS, EMAIL, ID_NUMBER, NAME, OTHER_PHONE, PHONE, borrower, default, payment
from support.problems import assert_problem

TENANTS = {"lender-a": ["core-a1", "core-a2"], "lender-b": ["core-b1"]}


def bearer(*roles: str, subject: str, permissions: tuple[str, ...] = (), tenant: str | None = None
           ) -> dict[str, str]:
    issued = TokenService(secret=DEVELOPMENT_AUTH_SECRET).issue(subject=subject, roles=roles, permissions=permissions,
                                                                tenant=tenant)
    return {"Authorization": f"Bearer {issued}"}


A1, A2, B1 = (bearer("lender", subject=core) for core in ("core-a1", "core-a2", "core-b1"))
STAFF = bearer("supervisor", subject="Supervisor-1", permissions=("pii:read",))
COLLECTOR = bearer("collector", subject="collector-1")
BORROWER_A = borrower()
BORROWER_B = {"name": "李四", "phones": [OTHER_PHONE]}


# -- pure: identities and the tenant map ----------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["SUPERVISOR-probe", " supervisor-probe ", "ｓｕｐｅｒｖｉｓｏｒ-probe",
                                      "super\u200bvisor-probe", "Supervisor-Probe\t"])
def test_spellings_of_one_subject_are_one_identity(spelling: str) -> None:
    assert normalise_identity(spelling) == normalise_identity("supervisor-probe") == "supervisor-probe"


def test_different_subjects_stay_different() -> None:
    assert normalise_identity("supervisor-1") != normalise_identity("supervisor-2")
    assert normalise_identity("STRASSE") == normalise_identity("straße")  # casefold, which lower() is not


@pytest.mark.parametrize("lookalike", [
    "supervis\u043er-probe",  # Cyrillic о
    "SUPERVIS\u041eR-PROBE",  # Cyrillic О, and capitals
    "\u0455upervisor-pr\u043ebe",  # Cyrillic ѕ and о
    "superv\u03b9sor-probe",  # Greek ι
])
def test_identities_drawn_alike_in_another_script_are_one_person(lookalike: str) -> None:
    assert normalise_identity(lookalike) == normalise_identity("supervisor-probe") == "supervisor-probe"


def test_other_letters_of_those_scripts_keep_identities_apart() -> None:
    assert normalise_identity("\u0438\u0432\u0430\u043d") != normalise_identity("\u0438\u0433\u043e\u0440\u044c")  # иван, игорь


def lender(subject: str, tenant: str | None = None) -> Actor:
    return Actor(subject=subject, roles=frozenset({"lender"}), tenant=tenant)


def test_the_map_names_each_cores_tenant_and_an_unlisted_core_is_its_own() -> None:
    tenants = TenantMap(TENANTS)
    assert [tenants.tenant_of(core) for core in ("core-a1", "core-a2", "core-b1", "core-c")] == [
        "lender-a", "lender-a", "lender-b", "core-c"]
    assert tenants.for_lender(lender("core-c", tenant="lender-c")) == "lender-c"


def test_a_core_listed_under_two_tenants_is_refused() -> None:
    with pytest.raises(ValueError, match="two tenants"):
        TenantMap({"lender-a": ["core-1"], "lender-b": ["core-1"]})


@pytest.mark.parametrize("actor", [lender("core-a1", tenant="lender-b"), lender("lender-a"),
                                   lender("core-x", tenant="lender-a")], ids=["contradicted", "named-like", "claimed"])
def test_a_token_cannot_walk_into_another_tenant(actor: Actor) -> None:
    with pytest.raises(Forbidden):
        TenantMap(TENANTS).for_lender(actor)


# -- maker-checker ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("checker", ["SUPERVISOR-probe", "ｓｕｐｅｒｖｉｓｏｒ-probe", "supervisor-probe\u200b"])
async def test_maker_checker_sees_through_spellings_of_the_author(database_url: str, checker: str) -> None:
    async with harness("classification", database_url) as service:
        body = {"version": f"2026.{uuid.uuid4().hex[:8]}", "rules": {"ifrs9": {"stage2_after_days": 15}}}
        draft = await service.client.post("/v1/rulesets", json=body,
                                          headers=bearer("supervisor", subject="supervisor-probe"))
        assert draft.status_code == 201, draft.text
        assert draft.json()["author"] == "supervisor-probe"
        response = await service.client.post(f"/v1/rulesets/{draft.json()['id']}:activate",
                                             headers=bearer("supervisor", subject=checker))
        assert_problem(response, 403, "maker-checker")
        other = await service.client.post(f"/v1/rulesets/{draft.json()['id']}:activate",
                                          headers=bearer("supervisor", subject="Supervisor-Two"))
        assert other.status_code == 202, other.text
        stored = await service.client.get(f"/v1/rulesets/{draft.json()['id']}", headers=COLLECTOR)
        assert stored.json()["activated_by"] == "supervisor-two"


# -- intake ---------------------------------------------------------------------------------------------------


@pytest.fixture
async def intake(database_url: str) -> AsyncIterator[Harness]:
    async with harness("intake", database_url, tenants=TENANTS) as running:
        yield running


async def post(intake: Harness, path: str, body: Any, headers: dict[str, str], expect: int = 201) -> Any:
    response = await intake.client.post(path, json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def get(intake: Harness, path: str, headers: dict[str, str], expect: int = 200) -> Any:
    response = await intake.client.get(path, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def two_lenders(intake: Harness) -> tuple[dict[str, Any], dict[str, Any]]:
    """Lender A registers BR-1 in full; lender B then registers its own customer BR-1, with other data."""
    ours = await post(intake, "/v1/defaults", default("LN-1", borrower=BORROWER_A), A1)
    theirs = await post(intake, "/v1/defaults", default("LN-1", borrower=BORROWER_B), B1)
    return ours, theirs


async def test_another_lenders_default_leaves_our_borrower_alone(intake: Harness) -> None:
    ours, theirs = await two_lenders(intake)
    assert (ours["tenant"], theirs["tenant"]) == ("lender-a", "lender-b")
    a = await get(intake, "/v1/borrowers/BR-1?tenant=lender-a", STAFF)
    assert (a["name"], a["id_number"], a["phones"], a["emails"], a["address"], a["version"]) == (
        NAME, ID_NUMBER, [PHONE], [EMAIL], ADDRESS, 1)
    b = await get(intake, "/v1/borrowers/BR-1?tenant=lender-b", STAFF)
    assert (b["name"], b["id_number"], b["phones"], b["version"]) == ("李四", None, [OTHER_PHONE], 1)
    # Each lender's own view is its own customer, never the other's data.
    assert (await get(intake, "/v1/borrowers/BR-1", B1))["phones"] == ["+86139****9000"]
    assert (await get(intake, "/v1/borrowers/BR-1", A2))["id_number"] == "110***********002X"
    await intake.settled()
    registrations = {event.tenant: event.data for event in intake.emitted(BorrowerRegistered)}
    assert set(registrations) == {"lender-a", "lender-b"} and not intake.emitted(BorrowerUpdated)
    assert {event.tenant for event in intake.emitted(DebtRegistered)} == {"lender-a", "lender-b"}


async def test_a_lender_reads_only_its_tenants_debts(intake: Harness) -> None:
    ours, theirs = await two_lenders(intake)
    for path in (f"/v1/debts/{ours['id']}", f"/v1/debts/{ours['id']}/history", f"/v1/payments?debt_id={ours['id']}"):
        assert_problem(await intake.client.get(path, headers=B1), 404)
        await get(intake, path, A2)  # the same lender's other lending core
        await get(intake, path, STAFF)
    assert [debt["id"] for debt in (await get(intake, "/v1/debts?borrower_id=BR-1", B1))["items"]] == [theirs["id"]]
    assert [debt["id"] for debt in (await get(intake, "/v1/debts", A1))["items"]] == [ours["id"]]
    assert_problem(await intake.client.get("/v1/debts?tenant=lender-a", headers=B1), 403, "wrong-tenant")
    assert_problem(await intake.client.get("/v1/borrowers/BR-1?tenant=lender-a", headers=B1), 403, "wrong-tenant")
    everyone = {debt["id"] for debt in (await get(intake, "/v1/debts?borrower_id=BR-1", STAFF))["items"]}
    assert everyone == {ours["id"], theirs["id"]}
    only_b = (await get(intake, "/v1/debts?tenant=lender-b", STAFF))["items"]
    assert [debt["id"] for debt in only_b] == [theirs["id"]]


async def test_a_lender_cannot_book_on_another_lenders_loans(intake: Harness) -> None:
    ours = await post(intake, "/v1/defaults", default("LN-A"), A1)
    assert_problem(await intake.client.post("/v1/payments", json=payment(loan_id="LN-A"), headers=B1), 404)
    await post(intake, "/v1/payments", payment(loan_id="LN-A"), A1)
    response = await intake.client.post("/v1/payments/PAY-1/reversal", json={"reason_code": "bounced"}, headers=B1)
    assert_problem(response, 404)
    assert (await get(intake, f"/v1/debts/{ours['id']}", STAFF))["total_outstanding"] == "1050.00"
    await intake.settled()
    assert [event.tenant for event in intake.emitted(PaymentReceived)] == ["lender-a"]
    batch = await post(intake, "/v1/snapshots:batch", [{"loan_id": "LN-A", "currency": "CNY", "as_of_date": "2026-11-28",
                                                         "principal_outstanding": "1.00", "interest_outstanding": "0",
                                                         "penalty_interest_outstanding": "0", "fees_outstanding": "0",
                                                         "first_unpaid_due_date": "2026-02-15"}], B1, expect=200)
    assert batch["outcomes"].get("created", 0) == 0


async def test_a_batch_from_another_lender_keeps_to_its_own_borrowers(intake: Harness) -> None:
    await post(intake, "/v1/defaults", default("LN-1", borrower=BORROWER_A), A1)
    body = [default("LN-9", borrower_id="BR-1", borrower={"name": "王五"})]
    result = await post(intake, "/v1/defaults:batch", body, B1, expect=200)
    assert result["outcomes"] == {"created": 1}
    assert (await get(intake, "/v1/borrowers/BR-1?tenant=lender-a", STAFF))["name"] == NAME
    assert (await get(intake, "/v1/borrowers/BR-1?tenant=lender-b", STAFF))["name"] == "王五"


async def test_staff_must_say_which_tenant_when_an_id_is_in_two(intake: Harness) -> None:
    await post(intake, "/v1/defaults", default("LN-1", borrower=BORROWER_A), A1)
    assert (await get(intake, "/v1/borrowers/BR-1", STAFF))["tenant"] == "lender-a"  # only one: no need yet
    await post(intake, "/v1/defaults", default("LN-1", borrower=borrower(name="李四")), B1)
    response = await intake.client.get("/v1/borrowers/BR-1", headers=STAFF)
    assert_problem(response, 409, "ambiguous-tenant")
    assert response.json()["tenants"] == ["lender-a", "lender-b"]
    found = (await post(intake, "/v1/borrowers:search", {"phone": PHONE}, STAFF, expect=200))["items"]
    assert [(item["borrower_id"], item["tenant"]) for item in found] == [("BR-1", "lender-a"), ("BR-1", "lender-b")]
    page = await post(intake, "/v1/borrowers:search?limit=1", {"phone": PHONE}, STAFF, expect=200)
    rest = await post(intake, f"/v1/borrowers:search?limit=1&after={page['next_cursor']}", {"phone": PHONE}, STAFF,
                      expect=200)
    assert [page["items"][0]["tenant"], rest["items"][0]["tenant"]] == ["lender-a", "lender-b"]
    only_b = (await post(intake, "/v1/borrowers:search?tenant=lender-b", {"phone": PHONE}, STAFF, expect=200))
    assert [item["name"] for item in only_b["items"]] == ["李四"]


async def test_a_later_default_with_only_a_name_keeps_everything_else(intake: Harness) -> None:
    await post(intake, "/v1/defaults", default("LN-1", borrower=BORROWER_A), A1)
    await post(intake, "/v1/defaults", default("LN-2", borrower={"name": "张三"}), A2, expect=201)
    held = await get(intake, "/v1/borrowers/BR-1", STAFF)
    assert (held["name"], held["id_number"], held["phones"], held["emails"], held["address"], held["version"]) == (
        "张三", ID_NUMBER, [PHONE], [EMAIL], ADDRESS, 2)
    await intake.settled()
    [update] = intake.emitted(BorrowerUpdated)
    assert update.tenant == "lender-a" and update.data.personal_data.id_number is not None
    # Empty lists and nulls are absent, not a clearing; a list that is sent replaces the old one.
    await post(intake, "/v1/defaults", default("LN-3", borrower={"phones": [], "address": None}), A1)
    assert (await get(intake, "/v1/borrowers/BR-1", STAFF))["version"] == 2
    await post(intake, "/v1/defaults", default("LN-4", borrower={"phones": [OTHER_PHONE]}), A1)
    held = await get(intake, "/v1/borrowers/BR-1", STAFF)
    assert (held["phones"], held["address"], held["version"]) == ([OTHER_PHONE], ADDRESS, 3)
    assert (await post(intake, "/v1/borrowers:search", {"phone": PHONE}, STAFF, expect=200))["items"] == []


async def test_two_defaults_in_one_batch_merge_in_order(intake: Harness) -> None:
    body = [default("LN-1", borrower=BORROWER_A), default("LN-2", borrower={"address": "上海市"})]
    await post(intake, "/v1/defaults:batch", body, A1, expect=200)
    held = await get(intake, "/v1/borrowers/BR-1", STAFF)
    assert (held["name"], held["address"], held["version"]) == (NAME, "上海市", 2)


async def test_only_an_audited_erasure_clears_fields(intake: Harness) -> None:
    await two_lenders(intake)
    erasure = {"fields": ["phones", "address"], "reason": "data-subject request DSR-7"}
    for caller in (A1, COLLECTOR):
        response = await intake.client.post("/v1/borrowers/BR-1:erase-fields?tenant=lender-a", json=erasure,
                                            headers=caller)
        assert_problem(response, 403)
    assert_problem(await intake.client.post("/v1/borrowers/BR-1:erase-fields", json=erasure, headers=STAFF), 409)
    cleared = await post(intake, "/v1/borrowers/BR-1:erase-fields?tenant=lender-a", erasure, STAFF, expect=200)
    assert (cleared["phones"], cleared["address"], cleared["name"], cleared["version"]) == ([], None, NAME, 2)
    assert (await get(intake, "/v1/borrowers/BR-1?tenant=lender-b", STAFF))["phones"] == [OTHER_PHONE]
    found = (await post(intake, "/v1/borrowers:search", {"phone": PHONE}, STAFF, expect=200))["items"]
    assert found == []
    [audit] = (await get(intake, "/v1/borrowers/BR-1/erasures?tenant=lender-a", STAFF))["items"]
    assert (audit["fields"], audit["reason"], audit["erased_by"], audit["version"]) == (
        ["phones", "address"], "data-subject request DSR-7", "supervisor-1", 2)
    assert await intake.count(BorrowerFieldErasure) == 1
    await intake.settled()
    [update] = intake.emitted(BorrowerUpdated)
    assert (update.tenant, update.data.personal_data.phones, update.data.personal_data.address) == ("lender-a", (), None)
    bad = await intake.client.post("/v1/borrowers/BR-1:erase-fields?tenant=lender-a",
                                   json={"fields": ["loan_id"], "reason": "x" * 5}, headers=STAFF)
    assert_problem(bad, 422, "validation-error")


async def test_a_token_tenant_claim_joins_an_unlisted_core_to_its_tenant(intake: Harness) -> None:
    claimed = bearer("lender", subject="core-c1", tenant="lender-c")
    debt = await post(intake, "/v1/defaults", default("LN-1", borrower=BORROWER_A), claimed)
    assert debt["tenant"] == "lender-c"
    await get(intake, "/v1/borrowers/BR-1", bearer("lender", subject="core-c2", tenant="lender-c"))
    assert_problem(await intake.client.get("/v1/borrowers/BR-1", headers=bearer("lender", subject="core-c2")), 404)
    contradicting = bearer("lender", subject="core-a1", tenant="lender-b")
    assert_problem(await intake.client.post("/v1/defaults", json=default("LN-2"), headers=contradicting), 403,
                   "wrong-tenant")


# -- crm --------------------------------------------------------------------------------------------------------


def in_tenant(payload: Any, tenant: str | None) -> CloudEvent[Any]:
    return CloudEvent.new(payload, source_service=payload.producer, tenant=tenant)


async def test_crm_keeps_one_timeline_per_tenant(database_url: str) -> None:
    async with harness("crm", database_url) as crm:
        debt_a, debt_b, old = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await crm.deliver(in_tenant(registered(debt_a, borrower_id="BR-88813", source_system="core-a1"), "lender-a"))
        await crm.deliver(in_tenant(registered(debt_b, borrower_id="BR-88813", source_system="core-b1"), "lender-b"))
        await crm.deliver(in_tenant(classified(debt_b, borrower_id="BR-88813"), None))  # an old, tenantless event
        await crm.settled()
        assert_problem(await crm.client.get("/v1/borrowers/BR-88813/timeline", headers=STAFF), 409, "ambiguous-tenant")
        a = (await crm.client.get("/v1/borrowers/BR-88813/timeline?tenant=lender-a", headers=STAFF)).json()["items"]
        b = (await crm.client.get("/v1/borrowers/BR-88813/timeline?tenant=lender-b", headers=STAFF)).json()["items"]
        assert {entry["debt_id"] for entry in a} == {str(debt_a)}
        assert {entry["debt_id"] for entry in b} == {str(debt_b)} and len(b) == 2  # the old event found its tenant
        # An old registration's tenant is its source system, as it was before tenants.
        await crm.publish(registered(old, borrower_id="BR-OLD", source_system="lending-core-a"))
        await crm.settled()
        [entry] = (await crm.client.get("/v1/borrowers/BR-OLD/timeline", headers=STAFF)).json()["items"]
        assert entry["tenant"] == "lending-core-a"
        assert_problem(await crm.client.get("/v1/borrowers/BR-OLD/timeline?tenant=lender-a", headers=STAFF), 404)


# -- classification --------------------------------------------------------------------------------------------


async def test_a_borrower_wide_circumstance_stays_with_its_lender(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debt_a, debt_b = uuid.uuid4(), uuid.uuid4()
        await service.deliver(in_tenant(registered(debt_a, borrower_id="BR-7"), "lender-a"))
        await service.deliver(in_tenant(registered(debt_b, borrower_id="BR-7"), "lender-b"))
        await service.settled()
        deceased = BorrowerCircumstanceRecorded(borrower_id="BR-7", circumstance="deceased",
                                                effective_on=date(2026, 11, 27), recorded_at=datetime.now(UTC))
        await service.deliver(in_tenant(deceased, "lender-b"))
        await service.settled()
        async with service.runtime.sessions() as session:
            flags = {row.debt_id: (row.tenant, list(row.flags)) for row in await session.scalars(select(DebtFactsRow))}
        assert flags[debt_a] == ("lender-a", [])
        assert flags[debt_b][0] == "lender-b" and flags[debt_b][1] != []
        classified_b = [event for event in service.emitted() if event.subject == str(debt_b)]
        assert classified_b and all(event.tenant == "lender-b" for event in classified_b)
