"""The borrower timeline on SQLite and PostgreSQL: every event recorded once, newest first, in keyset pages."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from debtflow.common.events import (
    CloudEvent,
)
from debtflow.crm.timeline.models import TimelineEntry
from support import token
from support.harness import (
    Harness,
    case_opened,
    classified,
    escalated,
    harness,
    registered,
    strategy_assigned,
)

STAFF = token("supervisor", subject="supervisor-1")
LENDER = token("lender")


T0 = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


async def _borrower_history(service: Harness, borrower_id: str) -> list[CloudEvent]:
    """Seven events on one borrower's two debts, two of them at the very same instant, plus noise."""
    first_debt, second_debt = uuid.uuid4(), uuid.uuid4()
    delivered = [
        await service.publish(registered(first_debt, borrower_id=borrower_id), time=T0),
        await service.publish(classified(first_debt, borrower_id=borrower_id), time=T0 + timedelta(minutes=1)),
        await service.publish(strategy_assigned(first_debt, borrower_id=borrower_id), time=T0 + timedelta(minutes=2)),
        await service.publish(registered(second_debt, borrower_id=borrower_id), time=T0 + timedelta(minutes=3)),
        # Same instant, same debt and producer: one partition, so they are recorded in this order.
        await service.publish(classified(second_debt, borrower_id=borrower_id, dpd_bucket="M5"),
                              time=T0 + timedelta(minutes=4)),
        await service.publish(classified(second_debt, borrower_id=borrower_id, dpd_bucket="M6"),
                              time=T0 + timedelta(minutes=4)),
        await service.publish(escalated(first_debt, borrower_id=borrower_id), time=T0 + timedelta(minutes=5)),
        await service.publish(case_opened(first_debt, borrower_id=borrower_id), time=T0 + timedelta(minutes=6)),
    ]
    await service.publish(registered(borrower_id="BR-SOMEONE-ELSE"), time=T0 + timedelta(minutes=3))
    await service.settled()
    return delivered


async def test_crm_timeline_is_newest_first(database_url: str) -> None:
    async with harness("crm", database_url) as service:
        delivered = await _borrower_history(service, "BR-T1")
        timeline = await service.get_json("/v1/borrowers/BR-T1/timeline", STAFF)
        entries = timeline["items"]
        assert len(entries) == len(delivered)
        times = [datetime.fromisoformat(entry["occurred_at"]) for entry in entries]
        assert times == sorted(times, reverse=True)
        assert times[0] == T0 + timedelta(minutes=6)
        assert {entry["event_id"] for entry in entries} == {event.id for event in delivered}
        by_id = {event.id: event for event in delivered}
        for entry in entries:
            event = by_id[entry["event_id"]]
            assert (entry["event_type"], entry["debt_id"], entry["source_service"]) == (
                event.type, event.subject, event.data.producer
            )
            assert entry["summary"]
        assert timeline["next_cursor"] is None
        # The newest first: the legal case, then the escalation.
        assert [entry["event_type"] for entry in entries[:2]] == [
            "debtflow.legal.case_opened.v1", "debtflow.debt.escalated_to_legal.v1"
        ]
        assert await service.count(TimelineEntry) == len(delivered) + 1


@pytest.mark.parametrize("limit", [1, 2, 3])
async def test_crm_timeline_pages_walk_every_entry_once(database_url: str, limit: int) -> None:
    async with harness("crm", database_url) as service:
        delivered = await _borrower_history(service, "BR-T2")
        everything = await service.get_json("/v1/borrowers/BR-T2/timeline", STAFF)

        seen: list[str] = []
        cursor: str | None = None
        for _ in range(len(delivered) + 2):
            params: dict[str, str | int] = {"limit": limit}
            if cursor:
                params["after"] = cursor
            response = await service.client.get("/v1/borrowers/BR-T2/timeline", params=params, headers=STAFF)
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["items"]) <= limit
            seen.extend(entry["event_id"] for entry in page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert cursor is None, "the pages never ended"
        assert len(seen) == len(set(seen)), "an entry appeared on two pages"
        assert seen == [entry["event_id"] for entry in everything["items"]]


async def test_crm_records_a_redelivered_event_once(database_url: str) -> None:
    async with harness("crm", database_url) as service:
        envelope = await service.publish(registered(borrower_id="BR-T3"))
        await service.deliver(envelope)
        await service.settled()
        timeline = await service.get_json("/v1/borrowers/BR-T3/timeline", STAFF)
        assert [entry["event_id"] for entry in timeline["items"]] == [envelope.id]


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("not a cursor!", id="not-base64"),
        pytest.param(_cursor("yesterday"), id="no-separator"),
        pytest.param(_cursor("2026-11-27T01:00:00+00:00|seven"), id="id-not-a-number"),
        pytest.param(_cursor("2026-11-27T01:00:00|7"), id="time-without-zone"),
        pytest.param(_cursor("2026-13-45T01:00:00+00:00|7"), id="impossible-time"),
        pytest.param(_cursor("2026-11-27T01:00:00+00:00|7|8"), id="three-parts"),
        pytest.param(base64.urlsafe_b64encode(b"\xff\xfe\xfd|7").decode(), id="not-utf8"),
        pytest.param(_cursor("2026-11-27T01:00:00+00:00|99999999999999999999999"), id="id-out-of-range"),
    ],
)
async def test_crm_refuses_a_cursor_it_did_not_issue(shared: Harness, cursor: str) -> None:
    await shared.publish(registered(borrower_id="BR-T4"))
    await shared.settled()
    response = await shared.client.get("/v1/borrowers/BR-T4/timeline", params={"after": cursor}, headers=STAFF)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "after" in {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("borrower_id", "headers", "status"),
    [
        pytest.param("BR-NOBODY", STAFF, 404, id="unknown-borrower"),
        pytest.param("BR T5", STAFF, 422, id="borrower-id-with-space"),
        pytest.param("BR-T5", LENDER, 403, id="lender-may-not-read"),
    ],
)
async def test_crm_timeline_refusals(shared: Harness, borrower_id: str, headers: dict[str, str], status: int) -> None:
    await shared.publish(registered(borrower_id="BR-T5"))
    await shared.settled()
    response = await shared.client.get(f"/v1/borrowers/{borrower_id}/timeline", headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_crm_gives_events_from_before_tenants_their_debts_tenant_in_either_order(database_url: str) -> None:
    """A classification from before tenants (no tenant on it) arriving before its debt's registration, in the
    same poll, is claimed by the registration's tenant; one arriving after takes it from the earlier entry."""
    async with harness("crm", database_url) as service:
        debt = uuid.uuid4()
        await service.deliver(CloudEvent.new(classified(debt, borrower_id="BR-OLD"), source_service="classification"))
        await service.publish(registered(debt, borrower_id="BR-OLD", source_system="lending-core-b"))
        await service.settled()
        await service.deliver(CloudEvent.new(classified(debt, borrower_id="BR-OLD", dpd_bucket="M6"),
                                             source_service="classification"))
        await service.settled()
        assert await service.count(TimelineEntry, TimelineEntry.debt_id == debt) == 3
        assert await service.count(TimelineEntry, TimelineEntry.debt_id == debt,
                                   TimelineEntry.tenant == "lending-core-b") == 3
