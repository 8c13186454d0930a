"""The contact policy on SQLite and PostgreSQL: holds from crm's events honoured at once, borrower-wide events,
late versions ignored, logged contacts refused and audited, and the API's answers (problem+json for bad input)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from debtflow.collections.contact_policy.holidays import CN_HOLIDAYS
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.contact_policy.rules import ProposedContact
from debtflow.collections.contact_policy.service import (
    ContactRefused,
    authorise_logged_contact,
    decide,
    record,
)
from debtflow.common.events import (
    BorrowerRegistered,
    CloudEvent,
    ContactPreferencesChanged,
    ContactRestricted,
    DisputeOpened,
    DisputeResolved,
    EncryptedPersonalData,
)
from support import token
from support.harness import Harness, classified
from support.problems import assert_problem

STAFF = token("supervisor", subject="supervisor-1")
COLLECTOR = token("collector", subject="collector-7")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_working_morning(after: datetime) -> datetime:
    """10:00 in Shanghai on the first weekday at least two days ahead that is no public holiday: after any hold."""
    day = (after + timedelta(days=2)).astimezone(SHANGHAI).date()
    while day.isoweekday() >= 6 or day in CN_HOLIDAYS:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=SHANGHAI)


MORNING = next_working_morning(datetime.now(UTC))


async def open_case(service: Harness, borrower_id: str) -> uuid.UUID:
    debt_id = uuid.uuid4()
    await service.publish(classified(debt_id, borrower_id=borrower_id))
    return debt_id


async def check(service: Harness, debt_id: uuid.UUID, channel: str, **params: Any) -> dict[str, Any]:
    response = await service.client.get("/v1/contact-policy/check", headers=COLLECTOR, params={
        "debt_id": str(debt_id), "channel": channel, "at": MORNING.isoformat(), **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_crm_holds_suppress_from_receipt_and_lift_again(shared: Harness) -> None:
    borrower = f"BR-{uuid.uuid4().hex[:8]}"
    disputed, other = await open_case(shared, borrower), await open_case(shared, borrower)
    dispute_id, now = uuid.uuid4(), datetime.now(UTC)
    await shared.publish(DisputeOpened(debt_id=disputed, borrower_id=borrower, dispute_id=dispute_id,
                                       reason_code="amount_wrong", opened_on=date.today(), opened_at=now))
    # A cease on sms only, for every debt of the borrower (debt_id null).
    await shared.publish(ContactRestricted(borrower_id=borrower, restriction="cease_contact", active=True,
                                           restriction_id=uuid.uuid4(), channels=("sms",), effective_on=date.today(),
                                           recorded_at=now))
    await shared.settled()
    assert (await check(shared, disputed, "email"))["rule"] == "always.open_dispute"
    assert (await check(shared, other, "email"))["outcome"] == "allowed"
    ceased = await check(shared, other, "sms")
    assert (ceased["outcome"], ceased["rule"]) == ("suppressed", "always.cease_contact")

    await shared.publish(DisputeResolved(debt_id=disputed, borrower_id=borrower, dispute_id=dispute_id,
                                         outcome="rejected", resolved_on=date.today(),
                                         resolved_at=now + timedelta(seconds=1)))
    await shared.settled()
    assert (await check(shared, disputed, "email"))["outcome"] == "allowed"
    # Before collections received the dispute, a contact was not held by it (a logged call from earlier).
    assert (await check(shared, disputed, "sms", at=(now - timedelta(days=1)).isoformat()))["rule"] != \
        "always.open_dispute"


async def test_preferences_by_version_and_the_borrowers_own_time_zone(shared: Harness) -> None:
    borrower = f"BR-{uuid.uuid4().hex[:8]}"
    debt_id = await open_case(shared, borrower)
    changed = datetime.now(UTC)
    await shared.publish(ContactPreferencesChanged(borrower_id=borrower, version=2, opted_out_channels=("email",),
                                                   changed_at=changed))
    await shared.publish(ContactPreferencesChanged(borrower_id=borrower, version=1, opted_out_channels=("sms",),
                                                   changed_at=changed - timedelta(hours=1)))  # late: ignored
    await shared.deliver(CloudEvent.new(BorrowerRegistered(
        borrower_id=borrower, timezone="America/New_York", region="US-NY", personal_data=EncryptedPersonalData(),
        version=1, registered_at=changed), source_service="intake", tenant="lender-a"))
    await shared.settled()
    assert (await check(shared, debt_id, "email"))["rule"] == "always.opted_out"
    # 10:00 in Shanghai is 21:00 or 22:00 the evening before in New York: the borrower's zone decides.
    late = await check(shared, debt_id, "sms")
    assert (late["outcome"], late["rule"]) == ("deferred", "cn.contact_hours")
    assert datetime.fromisoformat(late["not_before"]).astimezone(ZoneInfo("America/New_York")).time() == time(8)


async def test_a_logged_contact_that_breaks_a_rule_is_refused_and_audited(shared: Harness) -> None:
    borrower = f"BR-{uuid.uuid4().hex[:8]}"
    debt_id = await open_case(shared, borrower)
    await shared.settled()
    policy = ContactPolicy.from_settings(shared.runtime.settings)
    calls = [ProposedContact(debt_id, borrower, "call", MORNING + timedelta(minutes=minute), actor="agency",
                             agency="agency-b", connected=True) for minute in (0, 10, 20)]
    async with shared.runtime.uow() as uow:
        decisions = await decide(uow.session, calls, policy=policy)
        await record(uow, calls, decisions, action_ids=[uuid.uuid4(), None, None])
    assert [decision.outcome for decision in decisions] == ["allowed"] * 3
    fourth = ProposedContact(debt_id, borrower, "call", MORNING + timedelta(minutes=30), actor="agent",
                             connected=True)
    try:
        await authorise_logged_contact(shared.runtime.uow, fourth, policy=policy, actor_subject="collector-7")
        raise AssertionError("a fourth connected call was authorised")
    except ContactRefused as refused:
        assert (refused.status, refused.extensions["rule"]) == (422, "cn.connected_calls_per_day")

    page = await shared.get_json(f"/v1/contact-decisions?debt_id={debt_id}&limit=2", STAFF)
    assert [item["outcome"] for item in page["items"]][:1] == ["refused"]
    rest = await shared.get_json(f"/v1/contact-decisions?debt_id={debt_id}&limit=2&after={page['next_cursor']}",
                                 STAFF)
    assert len(page["items"]) + len(rest["items"]) == 4 and rest["next_cursor"] is None
    refused_only = await shared.get_json(
        f"/v1/contact-decisions?borrower_id={borrower}&outcome=refused&rule=cn.connected_calls_per_day", STAFF)
    assert [(item["actor_subject"], item["party"]) for item in refused_only["items"]] == [("collector-7",
                                                                                             "borrower")]


async def test_the_policy_in_force_and_bad_input_answered_as_problems(shared: Harness) -> None:
    policy = await shared.get_json("/v1/contact-policy", STAFF)
    assert policy["profile"] == "CN" and "2026-02-17" in policy["holidays"]
    codes = {rule["code"]: rule for rule in policy["rules"]}
    assert "3 connected calls" in codes["cn.connected_calls_per_day"]["says"]
    assert "GB/T 45251-2025" in codes["cn.connected_calls_per_day"]["source"]

    client = shared.client
    assert_problem(await client.get("/v1/contact-policy/check", headers=COLLECTOR, params={
        "debt_id": str(uuid.uuid4()), "channel": "pigeon"}), 422, "validation-error", fields={"channel"})
    assert_problem(await client.get("/v1/contact-policy/check", headers=COLLECTOR, params={
        "debt_id": str(uuid.uuid4()), "channel": "sms", "at": "2026-12-09T10:00:00"}), 422, "validation-error",
        fields={"at"})
    assert_problem(await client.get("/v1/contact-policy/check", headers=COLLECTOR, params={
        "debt_id": str(uuid.uuid4()), "channel": "sms"}), 404, "not-found")
    assert_problem(await client.get("/v1/contact-decisions", headers=STAFF, params={
        "from": "2026-12-09T10:00:00Z", "to": "2026-12-08T10:00:00Z"}), 422, "validation-error", fields={"to"})
    assert_problem(await client.get("/v1/contact-decisions", headers=STAFF, params={"outcome": "maybe"}), 422,
                   "validation-error", fields={"outcome"})
    assert_problem(await client.get("/v1/contact-decisions", headers=STAFF, params={"after": "not-a-cursor"}), 422,
                   "validation-error", fields={"after"})
    assert_problem(await client.get("/v1/contact-decisions", headers=STAFF, params={"rule": "DROP TABLE"}), 422,
                   "validation-error", fields={"rule"})
