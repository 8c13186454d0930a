"""Each consuming service's event handlers in-process on SQLite and PostgreSQL, driven by real CloudEvents."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from debtflow.classification.models import ClassificationHistoryRow
from debtflow.common.events import (
    BalanceSnapshot,
    CloudEvent,
    DebtClassified,
    DebtEscalatedToLegal,
    DebtRegistered,
    DebtUpdated,
    LegalCaseOpened,
    PaymentAllocation,
    PaymentReceived,
    StrategyAssigned,
)
from debtflow.crm.models import TimelineEntry
from debtflow.legal.models import LegalCase
from service_harness import (
    Harness,
    case_opened,
    classified,
    escalated,
    harness,
    registered,
    strategy_assigned,
)
from support import token

STAFF = token("supervisor", subject="supervisor-1")
COLLECTOR = token("collector", subject="collector-7")
RISK = token("risk", subject="analyst-1")
LENDER = token("lender")
AS_OF = date(2026, 11, 27)


# -- classification ---------------------------------------------------------------------------------------


async def test_classification_classifies_a_registered_debt_and_announces_it(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debt = registered(borrower_id="BR-88812", principal="12000.00", interest="350.40", fees="50.00",
                          days_overdue=285, as_of=AS_OF)
        cause = await service.publish(debt)
        await service.settled()

        current = await service.get_json(f"/v1/classifications/{debt.debt_id}?as_of={AS_OF}", STAFF)
        assert current is not None
        assert {key: current[key] for key in ("borrower_id", "as_of_date", "days_past_due", "dpd_bucket",
                                              "five_tier_class", "ifrs9_stage", "default_flag", "overdue_type",
                                              "exposure", "currency")} == {
            "borrower_id": "BR-88812", "as_of_date": "2026-11-27", "days_past_due": 285, "dpd_bucket": "M6+",
            "five_tier_class": "doubtful", "ifrs9_stage": 3, "default_flag": True, "overdue_type": "default",
            "exposure": "12400.40", "currency": "CNY",
        }
        assert "dpd_over_270" in current["reason_codes"]
        [event] = service.emitted()
        assert isinstance(event.data, DebtClassified)
        assert (event.data.dpd_bucket, event.data.five_tier_class, event.data.days_past_due) == ("M6+", "doubtful", 285)
        assert (event.data.previous_dpd_bucket, event.data.previous_five_tier_class) == (None, None)
        assert (str(event.data.exposure), event.data.currency) == ("12400.40", "CNY")
        assert event.data.ruleset_version == current["ruleset_version"]
        assert (event.subject, event.causationid, event.correlationid) == (
            str(debt.debt_id), cause.id, cause.correlationid
        )


async def test_classification_of_an_unknown_debt_is_not_found(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        response = await service.client.get(f"/v1/classifications/{uuid.uuid4()}", headers=STAFF)
        assert response.status_code == 404
        lender = await service.client.get(f"/v1/classifications/{uuid.uuid4()}", headers=LENDER)
        assert lender.status_code == 403


async def test_classification_ignores_a_duplicate_delivery(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debt = registered(days_overdue=100)
        envelope = await service.publish(debt)
        await service.deliver(envelope)  # the broker redelivers the very same event
        await service.settled()

        assert await service.count(ClassificationHistoryRow) == 1
        assert await service.outbox_count() == 1
        assert len(service.emitted(DebtClassified)) == 1


def _updated(debt: DebtRegistered, *, version: int, days_overdue: int, as_of: date) -> DebtUpdated:
    """Intake's newer figures for a registered debt (a later as-of date, a higher version)."""
    return DebtUpdated(
        debt_id=debt.debt_id, borrower_id=debt.borrower_id, cause="default_update", version=version,
        currency=debt.currency, balances=BalanceSnapshot(principal="1000.00", interest="0.00",
                                                         penalty_interest="0.00", fees="0.00", total="1000.00"),
        first_unpaid_due_date=as_of - timedelta(days=days_overdue), as_of_date=as_of, status="open",
        updated_at=datetime.now(UTC),
    )


async def test_classification_ignores_older_facts_arriving_after_newer_ones(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debt = registered(days_overdue=100, as_of=AS_OF - timedelta(days=30))
        newer = _updated(debt, version=3, days_overdue=285, as_of=AS_OF)
        older = _updated(debt, version=2, days_overdue=200, as_of=AS_OF - timedelta(days=10))
        for payload in (debt, newer):
            await service.publish(payload)
        await service.settled()
        before = await service.get_json(f"/v1/classifications/{debt.debt_id}?as_of={AS_OF}", STAFF)
        await service.publish(older)
        await service.settled()

        after = await service.get_json(f"/v1/classifications/{debt.debt_id}?as_of={AS_OF}", STAFF)
        assert after == before
        assert (after["as_of_date"], after["dpd_bucket"]) == ("2026-11-27", "M6+")
        assert await service.count(ClassificationHistoryRow) == 2
        assert len(service.emitted(DebtClassified)) == 2


async def test_classification_reclassifies_on_newer_facts_and_says_what_it_was(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        debt = registered(days_overdue=100, as_of=AS_OF - timedelta(days=180))
        await service.publish(debt)
        await service.settled()
        await service.publish(_updated(debt, version=2, days_overdue=280, as_of=AS_OF))
        await service.settled()

        first, second = service.emitted(DebtClassified)
        assert (first.data.dpd_bucket, first.data.five_tier_class) == ("M4", "substandard")
        assert (second.data.dpd_bucket, second.data.five_tier_class) == ("M6+", "doubtful")
        assert (second.data.previous_dpd_bucket, second.data.previous_five_tier_class) == ("M4", "substandard")
        assert await service.count(ClassificationHistoryRow) == 2


# -- collections ------------------------------------------------------------------------------------------


def _inside_shanghai_hours(moment: datetime) -> bool:
    local = moment.astimezone(ZoneInfo("Asia/Shanghai")).time()
    return time(8, 0) <= local < time(21, 0)


async def test_collections_assigns_a_strategy_and_schedules_the_first_contact(database_url: str) -> None:
    async with harness("collections", database_url) as service:
        debt_id = uuid.uuid4()
        await service.publish(classified(debt_id, borrower_id="BR-5", dpd_bucket="M4", five_tier_class="substandard"))
        await service.settled()

        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert (case["strategy_code"], case["next_action_channel"], case["status"], case["dpd_bucket"]) == (
            "formal-demand", "letter", "active", "M4"
        )
        assert _inside_shanghai_hours(datetime.fromisoformat(case["next_action_at"]))
        [event] = service.emitted()
        assert isinstance(event.data, StrategyAssigned)
        assert (event.data.strategy_code, event.data.previous_strategy_code, event.data.dpd_bucket) == (
            "formal-demand", None, "M4"
        )
        assert event.data.first_action.channel == "letter"
        assert event.data.first_action.scheduled_for == datetime.fromisoformat(case["next_action_at"])
        assert _inside_shanghai_hours(event.data.first_action.scheduled_for)


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
        await service.publish(classified(debt_id, borrower_id="BR-9", dpd_bucket="M6"))
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


# -- legal ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("five_tier_class", "trigger"),
    [
        pytest.param("doubtful", "classified_doubtful", id="doubtful"),
        pytest.param("loss", "classified_loss", id="loss"),
        pytest.param("substandard", None, id="substandard"),
        pytest.param("special_mention", None, id="special-mention"),
    ],
)
async def test_legal_opens_a_case_for_doubtful_and_loss_debts(
    database_url: str, five_tier_class: str, trigger: str | None
) -> None:
    async with harness("legal", database_url) as service:
        debt_id = uuid.uuid4()
        cause = await service.publish(classified(debt_id, borrower_id="BR-3", dpd_bucket="M6+",
                                                 five_tier_class=five_tier_class))
        await service.settled()
        assert await service.inbox_has(cause)

        response = await service.client.get(f"/v1/cases/{debt_id}", headers=token("legal", subject="lawyer-1"))
        if trigger is None:
            assert response.status_code == 404
            assert service.emitted() == []
            return
        assert response.status_code == 200, response.text
        case = response.json()
        assert (case["trigger"], case["five_tier_class"], case["stage"], case["borrower_id"]) == (
            trigger, five_tier_class, "pre_litigation", "BR-3"
        )
        [event] = service.emitted()
        assert isinstance(event.data, LegalCaseOpened)
        assert (str(event.data.case_id), event.data.trigger, event.data.five_tier_class) == (
            case["id"], trigger, five_tier_class
        )


async def test_legal_opens_a_case_when_collections_escalates(database_url: str) -> None:
    async with harness("legal", database_url) as service:
        debt_id = uuid.uuid4()
        await service.publish(escalated(debt_id, borrower_id="BR-4"))
        await service.settled()

        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert (case["trigger"], case["five_tier_class"], case["borrower_id"]) == (
            "escalated_by_collections", None, "BR-4"
        )
        [event] = service.emitted(LegalCaseOpened)
        assert event.data.trigger == "escalated_by_collections"


async def test_legal_never_opens_two_cases_for_one_debt(database_url: str) -> None:
    async with harness("legal", database_url) as service:
        debt_id = uuid.uuid4()
        first = await service.publish(classified(debt_id, five_tier_class="doubtful", as_of=AS_OF - timedelta(days=90)))
        await service.settled()
        await service.deliver(first)  # redelivered
        await service.publish(escalated(debt_id))
        await service.publish(classified(debt_id, five_tier_class="loss", as_of=AS_OF))
        await service.settled()

        assert await service.count(LegalCase) == 1
        case = await service.get_json(f"/v1/cases/{debt_id}", STAFF)
        assert case["trigger"] == "classified_doubtful"
        assert len(service.emitted(LegalCaseOpened)) == 1
        assert await service.outbox_count() == 1


# -- credit -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("classified_first", [False, True], ids=["registered-first", "classified-first"])
async def test_credit_summarises_the_portfolio_per_currency(database_url: str, classified_first: bool) -> None:
    async with harness("credit", database_url) as service:
        yuan = registered(currency="CNY", principal="12000.00", interest="350.40", fees="50.00", days_overdue=285)
        dollars = registered(currency="USD", principal="999.99", days_overdue=45)
        unclassified = registered(currency="CNY", principal="0.60", days_overdue=10)
        facts = [
            (yuan, classified(yuan.debt_id, dpd_bucket="M6+", five_tier_class="doubtful", days_past_due=285,
                              exposure="12400.40", currency="CNY")),
            (dollars, classified(dollars.debt_id, dpd_bucket="M2", five_tier_class="special_mention",
                                 days_past_due=45, exposure="999.99", currency="USD")),
        ]
        for registration, classification in facts:
            for payload in ((classification, registration) if classified_first else (registration, classification)):
                await service.publish(payload)
                await service.settled()  # one at a time, so the order is the one under test
        await service.publish(unclassified)
        await service.settled()

        summary = await service.get_json("/v1/portfolio/summary", RISK)
        assert summary["debts"] == 3
        assert "exposure" not in summary  # amounts in different currencies are never added up
        assert summary["by_currency"] == [
            {
                "currency": "CNY", "debts": 2, "exposure": "12401.00",
                "by_dpd_bucket": [{"label": "M6+", "debts": 1, "exposure": "12400.40"},
                                  {"label": "unclassified", "debts": 1, "exposure": "0.60"}],
                "by_five_tier_class": [{"label": "doubtful", "debts": 1, "exposure": "12400.40"},
                                       {"label": "unclassified", "debts": 1, "exposure": "0.60"}],
                "closed": {},
            },
            {
                "currency": "USD", "debts": 1, "exposure": "999.99",
                "by_dpd_bucket": [{"label": "M2", "debts": 1, "exposure": "999.99"}],
                "by_five_tier_class": [{"label": "special_mention", "debts": 1, "exposure": "999.99"}],
                "closed": {},
            },
        ]


async def test_credit_adds_up_debts_whose_sum_outgrows_a_single_amount(database_url: str) -> None:
    """Twelve of the largest debts intake accepts owe 18 integer digits: still a 200 with the exact sum."""
    async with harness("credit", database_url) as service:
        largest = [registered(currency="CNY", principal="9999999999999999.99") for _ in range(12)]
        for registration in largest:
            await service.publish(registration)
        await service.publish(classified(largest[0].debt_id, dpd_bucket="M4", five_tier_class="substandard",
                                         exposure="9999999999999999.99"))
        await service.settled()

        response = await service.client.get("/v1/portfolio/summary", headers=RISK)
        assert response.status_code == 200, response.text
        [yuan] = response.json()["by_currency"]
        assert (yuan["debts"], yuan["exposure"]) == (12, "119999999999999999.88")
        assert yuan["by_dpd_bucket"] == [
            {"label": "M4", "debts": 1, "exposure": "9999999999999999.99"},
            {"label": "unclassified", "debts": 11, "exposure": "109999999999999999.89"},
        ]
        assert [item["exposure"] for item in yuan["by_five_tier_class"]] == [
            "9999999999999999.99", "109999999999999999.89"]


def _balances(total: str) -> BalanceSnapshot:
    return BalanceSnapshot(principal=total, interest="0.00", penalty_interest="0.00", fees="0.00", total=total)


def _payment(debt: DebtRegistered, *, version: int, amount: str, left: str, status: str = "open") -> PaymentReceived:
    return PaymentReceived(
        payment_id=uuid.uuid4(), lending_core_payment_id=f"PAY-{version}", debt_id=debt.debt_id,
        borrower_id=debt.borrower_id, amount=amount, currency=debt.currency, paid_at=datetime.now(UTC),
        channel="bank_transfer", allocation=PaymentAllocation(penalty_interest="0.00", fees="0.00",
                                                              interest="0.00", principal=amount, credit="0.00"),
        post_disposal=False, balances_after=_balances(left), first_unpaid_due_date_after=None,
        status_after=status, version=version,  # type: ignore[arg-type]
    )


async def test_credit_exposure_follows_payments_in_version_order_and_closed_debts_leave_the_open_book(
    database_url: str,
) -> None:
    async with harness("credit", database_url) as service:
        paid_down = registered(currency="CNY", principal="1000.00", days_overdue=40)
        paid_off = registered(currency="CNY", principal="300.00", days_overdue=40)
        for payload in (paid_down, paid_off):
            await service.publish(payload)
        await service.publish(_payment(paid_down, version=3, amount="400.00", left="600.00"))
        await service.publish(_payment(paid_down, version=2, amount="100.00", left="900.00"))  # late, older news
        await service.publish(_payment(paid_off, version=2, amount="300.00", left="0.00", status="settled"))
        await service.settled()
        summary = await service.get_json("/v1/portfolio/summary", RISK)
        [yuan] = summary["by_currency"]
        assert (yuan["debts"], yuan["exposure"], yuan["closed"]) == (1, "600.00", {"settled": 1})


async def test_credit_counts_a_redelivered_event_once(database_url: str) -> None:
    async with harness("credit", database_url) as service:
        envelope = await service.publish(registered(currency="USD", principal="10.00"))
        await service.deliver(envelope)
        await service.settled()
        summary = await service.get_json("/v1/portfolio/summary", RISK)
        assert [(item["currency"], item["debts"], item["exposure"]) for item in summary["by_currency"]] == [
            ("USD", 1, "10.00")
        ]


@pytest.mark.parametrize(("headers", "status"), [(COLLECTOR, 403), (LENDER, 403), ({}, 401)],
                         ids=["collector", "lender", "no-token"])
async def test_the_portfolio_is_for_analysts_only(database_url: str, headers: dict[str, str], status: int) -> None:
    async with harness("credit", database_url) as service:
        response = await service.client.get("/v1/portfolio/summary", headers=headers)
        assert response.status_code == status


async def test_an_empty_portfolio(database_url: str) -> None:
    async with harness("credit", database_url) as service:
        summary = await service.get_json("/v1/portfolio/summary", RISK)
        assert (summary["debts"], summary["by_currency"]) == (0, [])


# -- crm --------------------------------------------------------------------------------------------------

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
        entries = timeline["entries"]
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
                params["before"] = cursor
            response = await service.client.get("/v1/borrowers/BR-T2/timeline", params=params, headers=STAFF)
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["entries"]) <= limit
            seen.extend(entry["event_id"] for entry in page["entries"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert cursor is None, "the pages never ended"
        assert len(seen) == len(set(seen)), "an entry appeared on two pages"
        assert seen == [entry["event_id"] for entry in everything["entries"]]


async def test_crm_records_a_redelivered_event_once(database_url: str) -> None:
    async with harness("crm", database_url) as service:
        envelope = await service.publish(registered(borrower_id="BR-T3"))
        await service.deliver(envelope)
        await service.settled()
        timeline = await service.get_json("/v1/borrowers/BR-T3/timeline", STAFF)
        assert [entry["event_id"] for entry in timeline["entries"]] == [envelope.id]


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
async def test_crm_refuses_a_cursor_it_did_not_issue(database_url: str, cursor: str) -> None:
    async with harness("crm", database_url) as service:
        await service.publish(registered(borrower_id="BR-T4"))
        await service.settled()
        response = await service.client.get("/v1/borrowers/BR-T4/timeline", params={"before": cursor}, headers=STAFF)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "before" in {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("borrower_id", "headers", "status"),
    [
        pytest.param("BR-NOBODY", STAFF, 404, id="unknown-borrower"),
        pytest.param("BR T5", STAFF, 422, id="borrower-id-with-space"),
        pytest.param("BR-T5", LENDER, 403, id="lender-may-not-read"),
    ],
)
async def test_crm_timeline_refusals(database_url: str, borrower_id: str, headers: dict[str, str], status: int) -> None:
    async with harness("crm", database_url) as service:
        await service.publish(registered(borrower_id="BR-T5"))
        await service.settled()
        response = await service.client.get(f"/v1/borrowers/{borrower_id}/timeline", headers=headers)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
