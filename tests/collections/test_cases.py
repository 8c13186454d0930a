"""Collection cases on SQLite and PostgreSQL: a strategy per classification, first contact, escalation to legal."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from debtflow.common.events import (
    CloudEvent,
    DebtEscalatedToLegal,
    StrategyAssigned,
)
from support import token
from support.harness import (
    classified,
    harness,
)

STAFF = token("supervisor", subject="supervisor-1")
COLLECTOR = token("collector", subject="collector-7")
LENDER = token("lender")
AS_OF = date(2026, 11, 27)


def _inside_shanghai_hours(moment: datetime) -> bool:
    local = moment.astimezone(ZoneInfo("Asia/Shanghai")).time()
    return time(8, 0) <= local < time(21, 0)


async def test_collections_assigns_a_strategy_and_schedules_the_first_contact(database_url: str) -> None:
    async with harness("collections", database_url) as service:
        debt_id = uuid.uuid4()
        await service.publish(classified(debt_id, borrower_id="BR-5", dpd_bucket="M1", five_tier_class="substandard"))
        await service.settled()

        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert (case["strategy_code"], case["next_action_channel"], case["status"], case["dpd_bucket"]) == (
            "early-reminder", "sms", "active", "M1"
        )
        # An SMS reaches the borrower at once: inside the contact hours of their (here the default) time zone.
        assert _inside_shanghai_hours(datetime.fromisoformat(case["next_action_at"]))
        [event] = service.emitted()
        assert isinstance(event.data, StrategyAssigned)
        assert (event.data.strategy_code, event.data.previous_strategy_code, event.data.dpd_bucket) == (
            "early-reminder", None, "M1"
        )
        assert event.data.first_action.channel == "sms"


@pytest.mark.parametrize(
    ("first_bucket", "second_bucket", "strategies"),
    [
        pytest.param("M4", "M5", ["formal-demand"], id="M4-to-M5-same-strategy"),
        pytest.param("M0", "M1", ["early-reminder"], id="M0-to-M1-same-strategy"),
        pytest.param("M4", "M6", ["formal-demand", "pre-legal"], id="M4-to-M6-new-strategy"),
    ],
)
async def test_collections_announces_a_strategy_only_when_it_changes(
    database_url: str, first_bucket: str, second_bucket: str, strategies: list[str]
) -> None:
    async with harness("collections", database_url) as service:
        debt_id = uuid.uuid4()
        await service.publish(classified(debt_id, dpd_bucket=first_bucket, as_of=AS_OF - timedelta(days=30)))
        await service.settled()
        await service.publish(classified(debt_id, dpd_bucket=second_bucket, as_of=AS_OF,
                                         previous_dpd_bucket=first_bucket))
        await service.settled()

        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert (case["dpd_bucket"], case["strategy_code"]) == (second_bucket, strategies[-1])
        events = service.emitted(StrategyAssigned)
        assert [event.data.strategy_code for event in events] == strategies
        assert [event.data.previous_strategy_code for event in events] == [None, *strategies[:-1]]
        assert await service.outbox_count() == len(strategies)


async def test_collections_ignores_an_older_classification_arriving_late(database_url: str) -> None:
    async with harness("collections", database_url) as service:
        debt_id = uuid.uuid4()
        await service.publish(classified(debt_id, dpd_bucket="M6", as_of=AS_OF))
        await service.settled()
        await service.publish(classified(debt_id, dpd_bucket="M2", as_of=AS_OF - timedelta(days=100)))
        await service.settled()

        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert (case["dpd_bucket"], case["strategy_code"]) == ("M6", "pre-legal")
        assert len(service.emitted(StrategyAssigned)) == 1


async def test_a_collector_escalates_a_case_to_legal_once(database_url: str) -> None:
    async with harness("collections", database_url) as service:
        debt_id = uuid.uuid4()
        payload = classified(debt_id, borrower_id="BR-9", dpd_bucket="M6")
        await service.deliver(CloudEvent.new(payload, source_service="classification", tenant="lender-a"))
        await service.settled()

        path = f"/v1/cases/{debt_id}:escalate"
        response = await service.client.post(path, json={"reason_code": "broken_promises"}, headers=COLLECTOR)
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["escalation_reason"]) == ("escalated", "broken_promises")
        await service.settled()
        [event] = service.emitted(DebtEscalatedToLegal)
        assert (event.subject, event.data.borrower_id, event.data.reason_code, event.data.escalated_by) == (
            str(debt_id), "BR-9", "broken_promises", "collector-7"
        )
        assert event.tenant == "lender-a"  # the request carries no tenant: the case remembered its lender

        again = await service.client.post(path, json={"reason_code": "no_contact"}, headers=COLLECTOR)
        assert again.status_code == 409, again.text
        assert again.headers["content-type"].startswith("application/problem+json")
        await service.settled()
        assert len(service.emitted(DebtEscalatedToLegal)) == 1
        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert case["escalation_reason"] == "broken_promises"


@pytest.mark.parametrize(
    ("headers", "known_debt", "body", "status"),
    [
        pytest.param(LENDER, True, {"reason_code": "broken_promises"}, 403, id="lender-forbidden"),
        pytest.param(token("legal", subject="lawyer-1"), True, {"reason_code": "broken_promises"}, 403,
                     id="legal-forbidden"),
        pytest.param({}, True, {"reason_code": "broken_promises"}, 401, id="no-token"),
        pytest.param(COLLECTOR, False, {"reason_code": "broken_promises"}, 404, id="unknown-debt"),
        pytest.param(COLLECTOR, True, {"reason_code": "Broken Promises"}, 422, id="reason-not-a-code"),
        pytest.param(COLLECTOR, True, {}, 422, id="no-reason"),
    ],
)
async def test_an_escalation_that_is_not_allowed_changes_nothing(
    database_url: str, headers: dict[str, str], known_debt: bool, body: dict[str, str], status: int
) -> None:
    async with harness("collections", database_url) as service:
        debt_id = uuid.uuid4()
        await service.publish(classified(debt_id, dpd_bucket="M6"))
        await service.settled()
        target = debt_id if known_debt else uuid.uuid4()

        response = await service.client.post(f"/v1/cases/{target}:escalate", json=body, headers=headers)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert (case["status"], case["escalated_at"]) == ("active", None)
        await service.settled()
        assert service.emitted(DebtEscalatedToLegal) == []


