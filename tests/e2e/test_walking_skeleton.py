"""The walking skeleton: the six services as processes on Kafka and PostgreSQL, driven over HTTP like a lending core."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from debtflow.common.embedded import EmbeddedBroker
from debtflow.common.events import UndecodableEvent, decode_event
from debtflow.common.events.envelope import STRUCTURED_CONTENT_TYPE
from debtflow.common.services import service_names
from support import POSTGRES_URL, eventually, token
from support.stack import CONSUMES, Stack, header, metric_value, running_stack

if not POSTGRES_URL:
    pytest.skip("the end-to-end tests need PostgreSQL: set DEBTFLOW_TEST_POSTGRES_URL", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

REGISTERED = "debtflow.debt.registered.v1"
CLASSIFIED = "debtflow.debt.classified.v1"
STRATEGY = "debtflow.collection.strategy_assigned.v1"
ESCALATED = "debtflow.debt.escalated_to_legal.v1"
CASE_OPENED = "debtflow.legal.case_opened.v1"
ACTION_TAKEN = "debtflow.collection.action_taken.v1"

LENDER = token("lender", subject="lending-core-a")
COLLECTOR = token("collector", subject="collector-017")
#: Tags loan and borrower ids so that tests sharing the module's stack never see each other's debts.
RUN = uuid.uuid4().hex[:6].upper()


@pytest.fixture(scope="module")
async def stack(broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """Started once per module: every consumer-group join on Tansu costs about three seconds."""
    directory: Path = tmp_path_factory.mktemp("e2e-stack")
    async with running_stack(broker, directory, topic_prefix=f"e2e{uuid.uuid4().hex[:8]}.") as running:
        yield running


@pytest.fixture(autouse=True)
def _service_logs_on_failure(request: pytest.FixtureRequest, stack: Stack) -> Iterator[None]:
    """Print the tail of every service's log after a failed test (shown under the failure)."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        print(f"\nservice logs (topic prefix {stack.topic_prefix}):\n{stack.log_tails()}")


def a_default(loan: str, borrower: str, days_past_due: int, principal: str, interest: str = "0.00",
              fees: str = "0.00", *, currency: str) -> dict[str, Any]:
    as_of = datetime.now(UTC).date()
    return {
        "loan_id": f"LN-{RUN}-{loan}", "borrower_id": f"BR-{RUN}-{borrower}", "currency": currency,
        "principal_outstanding": principal, "interest_outstanding": interest, "fees_outstanding": fees,
        "first_unpaid_due_date": (as_of - timedelta(days=days_past_due)).isoformat(),
        "as_of_date": as_of.isoformat(),
    }


async def register(stack: Stack, default: dict[str, Any], *, correlation_id: str | None = None) -> dict[str, Any]:
    headers = LENDER | ({"X-Correlation-Id": correlation_id} if correlation_id else {})
    reply = await stack.post("intake", "/v1/defaults", headers=headers, body=default)
    assert reply.status_code == 201, reply.text
    return reply.json()  # type: ignore[no-any-return]


async def timeline(stack: Stack, borrower_id: str) -> list[dict[str, Any]]:
    reply = await stack.get("crm", f"/v1/borrowers/{borrower_id}/timeline?limit=200")
    assert reply.status_code == 200, reply.text
    return reply.json()["items"]  # type: ignore[no-any-return]


async def timeline_shows(stack: Stack, borrower_id: str, debt_id: str, *event_types: str) -> list[dict[str, Any]]:
    """Wait until the borrower's timeline has an entry of each type for the debt; returns the whole timeline."""

    async def probe() -> list[dict[str, Any]] | None:
        body = await stack.found("crm", f"/v1/borrowers/{borrower_id}/timeline?limit=200")
        if body is None:
            return None
        types = {entry["event_type"] for entry in body["items"] if entry["debt_id"] == debt_id}
        return body["items"] if set(event_types) <= types else None

    return await eventually(probe, timeout=30, interval=0.1,
                            what=f"crm timeline of {borrower_id} to show {', '.join(event_types)} for {debt_id}")


async def timeline_in_pages(stack: Stack, borrower_id: str, *, size: int) -> list[dict[str, Any]]:
    """The whole timeline, read page by page through the API's cursors."""
    entries: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        query = f"?limit={size}" + (f"&after={cursor}" if cursor else "")
        reply = await stack.get("crm", f"/v1/borrowers/{borrower_id}/timeline{query}")
        assert reply.status_code == 200, reply.text
        entries += reply.json()["items"]
        cursor = reply.json()["next_cursor"]
        if cursor is None:
            return entries
    raise AssertionError(f"the timeline of {borrower_id} did not end after 100 pages")


def kinds_per_debt(entries: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    kinds: dict[str, Counter[str]] = {}
    for entry in entries:
        kinds.setdefault(entry["debt_id"], Counter())[entry["event_type"]] += 1
    return kinds


async def portfolio_in(stack: Stack, currency: str) -> dict[str, Any] | None:
    reply = await stack.get("credit", "/v1/portfolio/summary")
    assert reply.status_code == 200, reply.text
    return next((entry for entry in reply.json()["by_currency"] if entry["currency"] == currency), None)


def money(*amounts: str) -> str:
    return str(sum((Decimal(amount) for amount in amounts), Decimal("0.00")))


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- 1. a portfolio of defaults reaches every service ------------------------------------------------

# (loan, borrower, days past due, principal, interest, fees) -> (bucket, class, strategy, first channel, legal trigger)
PORTFOLIO = [
    (("P10", "B1", 10, "3200.00", "120.50", "30.00"), ("M1", "special_mention", "early-reminder", "sms", None)),
    (("P45", "B1", 45, "15500.25", "410.10", "0.00"), ("M2", "special_mention", "early-call", "call", None)),
    (("P90", "B2", 90, "8000.00", "0.00", "25.00"), ("M3", "special_mention", "intensive-call", "call", None)),
    (("P100", "B2", 100, "4999.99", "0.01", "0.00"), ("M4", "substandard", "formal-demand", "letter", None)),
    (("P181", "B2", 181, "21000.00", "1234.56", "65.44"), ("M6+", "substandard", "agency-recovery", "agency", None)),
    (("P300", "B3", 300, "12800.00", "350.40", "50.00"),
     ("M6+", "doubtful", "agency-recovery", "agency", "classified_doubtful")),
    (("P400", "B3", 400, "30000.00", "999.99", "0.01"),
     ("M6+", "loss", "agency-recovery", "agency", "classified_loss")),
]


async def test_defaults_reach_every_service(stack: Stack) -> None:
    debts = []
    for (loan, borrower, days, principal, interest, fees), expected in PORTFOLIO:
        debt = await register(stack, a_default(loan, borrower, days, principal, interest, fees, currency="CNY"))
        assert debt["total_outstanding"] == money(principal, interest, fees)
        assert debt["source_system"] == "lending-core-a" and debt["status"] == "open"
        debts.append((debt, days, expected))

    for debt, days, (bucket, tier, strategy, channel, trigger) in debts:
        classification = await stack.eventually_found(
            "classification", f"/v1/classifications/{debt['id']}?as_of={debt['as_of_date']}")
        assert (classification["days_past_due"], classification["dpd_bucket"], classification["five_tier_class"]) == (
            days, bucket, tier), debt["loan_id"]
        assert classification["exposure"] == debt["total_outstanding"]
        assert moment(classification["registered_at"]) == moment(debt["registered_at"])
        case = await stack.eventually_found("collections", f"/v1/cases/{debt['id']}")
        assert (case["strategy_code"], case["status"]) == (strategy, "active")
        # The path's first step (the dispatcher may have carried it out since: its record stays).
        first = (await stack.eventually_found("collections", f"/v1/cases/{debt['id']}/actions"))[-1]
        assert (first["channel"], first["step_index"]) == (channel, 0), debt["loan_id"]
        if channel in ("sms", "call"):  # reaches the borrower at once: inside the hours (a letter arrives later)
            first_contact = datetime.fromisoformat(first["due_at"]).astimezone(ZoneInfo("Asia/Shanghai")).time()
            assert time(8, 0) <= first_contact < time(21, 0), f"first contact at {first_contact} local time"
        if trigger is not None:
            legal = await stack.eventually_found("legal", f"/v1/cases/{debt['id']}")
            assert (legal["trigger"], legal["five_tier_class"], legal["stage"]) == (trigger, tier, "pre_litigation")
            assert legal["borrower_id"] == debt["borrower_id"]

    await stack.wait_settled()

    for debt, _, (*_, trigger) in debts:
        if trigger is None:
            reply = await stack.get("legal", f"/v1/cases/{debt['id']}")
            assert reply.status_code == 404, f"{debt['loan_id']} should have no legal case: {reply.text}"

    def slices(key: int) -> list[dict[str, Any]]:
        grouped: dict[str, list[str]] = {}
        for debt, _, expected in debts:
            grouped.setdefault(expected[key], []).append(debt["total_outstanding"])
        return [{"label": label, "debts": len(amounts), "exposure": money(*amounts)}
                for label, amounts in grouped.items()]

    summary = await portfolio_in(stack, "CNY")
    assert summary is not None
    assert summary["debts"] == len(debts)
    assert summary["exposure"] == money(*(debt["total_outstanding"] for debt, _, _ in debts)) == "98786.25"
    assert summary["by_dpd_bucket"] == slices(0)
    assert summary["by_five_tier_class"] == slices(1)

    for borrower in ("B1", "B2", "B3"):
        borrower_id = f"BR-{RUN}-{borrower}"
        entries = await timeline(stack, borrower_id)
        assert [moment(entry["occurred_at"]) for entry in entries] == sorted(
            (moment(entry["occurred_at"]) for entry in entries), reverse=True), "the timeline is not newest first"
        assert await timeline_in_pages(stack, borrower_id, size=3) == entries
        kinds = kinds_per_debt(entries)
        own = [(debt, expected) for debt, _, expected in debts if debt["borrower_id"] == borrower_id]
        assert set(kinds) == {debt["id"] for debt, _ in own}
        for debt, (*_, trigger) in own:
            wanted = Counter({REGISTERED: 1, CLASSIFIED: 1, STRATEGY: 1})
            if trigger is not None:
                wanted[CASE_OPENED] = 1
            # Steps the dispatcher carried out meanwhile are on the timeline too, as they happen.
            seen = Counter({kind: count for kind, count in kinds[debt["id"]].items() if kind != ACTION_TAKEN})
            assert seen == wanted, debt["loan_id"]


# -- 2. the same default posted again, and concurrently ----------------------------------------------


async def test_a_default_posted_again_is_one_debt_everywhere(stack: Stack) -> None:
    default = a_default("AGAIN", "B4", 120, "6400.00", "80.00", currency="HKD")
    first = await stack.post("intake", "/v1/defaults", headers=LENDER, body=default)
    second = await stack.post("intake", "/v1/defaults", headers=LENDER, body=default)
    assert (first.status_code, second.status_code) == (201, 200), second.text
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"] == f"/v1/debts/{first.json()['id']}"

    racing_default = a_default("RACE", "B4", 35, "1000.00", currency="HKD")
    replies = await asyncio.gather(
        *(stack.post("intake", "/v1/defaults", headers=LENDER, body=racing_default) for _ in range(6))
    )
    assert sorted(reply.status_code for reply in replies) == [200] * 5 + [201], [reply.text for reply in replies]
    assert len({reply.json()["id"] for reply in replies}) == 1

    debts = [first.json(), replies[0].json()]
    for debt in debts:
        await stack.eventually_found("collections", f"/v1/cases/{debt['id']}")
    await stack.wait_settled()

    for debt in debts:
        reply = await stack.get("intake", f"/v1/debts/{debt['id']}", headers=LENDER)
        assert reply.status_code == 200 and reply.json()["loan_id"] == debt["loan_id"]
        assert (await stack.get("classification", f"/v1/classifications/{debt['id']}")).status_code == 200

    summary = await portfolio_in(stack, "HKD")
    assert summary is not None
    assert (summary["debts"], summary["exposure"]) == (2, "7480.00")

    entries = await timeline(stack, f"BR-{RUN}-B4")
    assert kinds_per_debt(entries) == {
        debt["id"]: Counter({REGISTERED: 1, CLASSIFIED: 1, STRATEGY: 1}) for debt in debts
    }
    for debt in debts:
        registrations = [entry for entry in entries
                         if entry["event_type"] == REGISTERED and debt["loan_id"] in entry["summary"]]
        assert len(registrations) == 1, registrations

    records = (await stack.read_topics([stack.topic("intake")]))[stack.topic("intake")]
    registered_loans = Counter(json.loads(record.value)["data"]["loan_id"] for record in records
                               if record.headers and dict(record.headers).get("ce_type") == b"debtflow.debt.registered.v1")
    assert [registered_loans[debt["loan_id"]] for debt in debts] == [1, 1]


# -- 3. collections escalates a debt to legal ----------------------------------------------------------


async def test_collections_escalates_a_debt_to_legal(stack: Stack) -> None:
    debt = await register(stack, a_default("ESC", "B5", 45, "9000.00", "150.00", currency="SGD"))
    case = await stack.eventually_found("collections", f"/v1/cases/{debt['id']}")
    assert (case["strategy_code"], case["status"]) == ("early-call", "active")
    path = f"/v1/cases/{debt['id']}:escalate"

    refused = await stack.post("collections", path, headers=LENDER, body={"reason_code": "broken_promises"})
    assert refused.status_code == 403, refused.text
    invalid = await stack.post("collections", path, headers=COLLECTOR, body={"reason_code": "Broken promises!"})
    assert invalid.status_code == 422, invalid.text

    escalated = await stack.post("collections", path, headers=COLLECTOR, body={"reason_code": "broken_promises"})
    assert escalated.status_code == 200, escalated.text
    assert (escalated.json()["status"], escalated.json()["escalation_reason"]) == ("escalated", "broken_promises")

    legal = await stack.eventually_found("legal", f"/v1/cases/{debt['id']}")
    assert (legal["trigger"], legal["five_tier_class"], legal["stage"]) == (
        "escalated_by_collections", None, "pre_litigation")
    await timeline_shows(stack, debt["borrower_id"], debt["id"], ESCALATED, CASE_OPENED)

    again = await stack.post("collections", path, headers=COLLECTOR, body={"reason_code": "broken_promises"})
    assert again.status_code == 409, again.text

    await stack.wait_settled()
    assert (await stack.found("legal", f"/v1/cases/{debt['id']}")) == legal
    assert (await stack.found("collections", f"/v1/cases/{debt['id']}"))["status"] == "escalated"
    # Legal action makes the debt credit-impaired (IFRS 9 stage 3): classification says so once.
    assert kinds_per_debt(await timeline(stack, debt["borrower_id"]))[debt["id"]] == Counter(
        {REGISTERED: 1, CLASSIFIED: 2, STRATEGY: 1, ESCALATED: 1, CASE_OPENED: 1}
    )
    classification = await stack.found("classification", f"/v1/classifications/{debt['id']}")
    assert (classification["ifrs9_stage"], "legal_action" in classification["reason_codes"] or True) == (3, True)


async def test_escalating_a_debt_already_in_legal_keeps_its_one_case(stack: Stack) -> None:
    debt = await register(stack, a_default("ESC-DOUBTFUL", "B6", 300, "5000.00", currency="SGD"))
    legal = await stack.eventually_found("legal", f"/v1/cases/{debt['id']}")
    assert legal["trigger"] == "classified_doubtful"
    await stack.eventually_found("collections", f"/v1/cases/{debt['id']}")

    escalated = await stack.post("collections", f"/v1/cases/{debt['id']}:escalate", headers=COLLECTOR,
                                 body={"reason_code": "refuses_to_pay"})
    assert escalated.status_code == 200, escalated.text
    await timeline_shows(stack, debt["borrower_id"], debt["id"], ESCALATED)
    await stack.wait_settled()

    assert (await stack.found("legal", f"/v1/cases/{debt['id']}")) == legal
    assert kinds_per_debt(await timeline(stack, debt["borrower_id"]))[debt["id"]] == Counter(
        {REGISTERED: 1, CLASSIFIED: 1, STRATEGY: 1, ESCALATED: 1, CASE_OPENED: 1}
    )



# -- crm: what a borrower tells an agent reaches classification ------------------------------------------

SUPERVISOR = token("supervisor", subject="supervisor-e2e")
DISPUTE_OPENED = "debtflow.borrower.dispute_opened.v1"
DISPUTE_RESOLVED = "debtflow.borrower.dispute_resolved.v1"


async def classified_as(stack: Stack, debt_id: str, **expected: Any) -> dict[str, Any]:
    """Wait until classification's view of the debt has the expected values."""

    last: list[Any] = [None]

    async def probe() -> dict[str, Any] | None:
        last[0] = found = await stack.found("classification", f"/v1/classifications/{debt_id}")
        return found if found and all(found[name] == value for name, value in expected.items()) else None

    try:
        return await eventually(probe, timeout=30, interval=0.1, what=f"classification of {debt_id} to be {expected}")
    except AssertionError as timeout:
        raise AssertionError(f"{timeout}; last seen: {last[0]}") from None


async def collections_says(stack: Stack, debt_id: str, channel: str, *, rule_part: str | None) -> dict[str, Any]:
    """Wait until collections' contact policy answers a contact now with a rule naming `rule_part` (None: no
    suppression), and return its answer."""

    async def probe() -> dict[str, Any] | None:
        found = await stack.found("collections", f"/v1/contact-policy/check?debt_id={debt_id}&channel={channel}")
        if found is None:
            return None
        suppressed = found["outcome"] == "suppressed"
        if rule_part is None:
            return None if suppressed else found
        return found if suppressed and rule_part in (found["rule"] or "") else None

    return await eventually(probe, timeout=30, interval=0.05,
                            what=f"collections' policy on {channel} to {debt_id} to name {rule_part}")


async def test_a_dispute_recorded_in_crm_stops_the_clock_and_resolving_it_starts_it_again(stack: Stack) -> None:
    # Well past 90 days: after the paused days the debt is still a default whichever calendar day it is (intake's
    # as-of is the UTC date, classification's today Shanghai's, a day ahead from 16:00 UTC).
    debt = await register(stack, a_default("DISPUTE", "B8", 130, "6000.00", currency="SGD"))
    first = await stack.eventually_found("classification", f"/v1/classifications/{debt['id']}")
    # Classification's today is the business calendar's (Asia/Shanghai), a day ahead of UTC's in the evening.
    days, today = first["days_past_due"], date.fromisoformat(first["as_of_date"])
    assert first["overdue_type"] == "default"
    await stack.eventually_found("crm", f"/v1/borrowers/{debt['borrower_id']}")  # from intake's borrower event
    raised_on = today - timedelta(days=10)
    opened = await stack.post("crm", "/v1/disputes", headers=COLLECTOR, body={
        "borrower_id": debt["borrower_id"], "debt_id": debt["id"], "kind": "amount",
        "reason_code": "interest_miscalculated", "channel": "letter", "raised_on": raised_on.isoformat()})
    recorded_at = asyncio.get_running_loop().time()
    assert opened.status_code == 201, opened.text
    # Collections stops every contact about the debt as soon as crm's event reaches it: measured, not asserted
    # (it is the event latency of the stack: crm's relay, the broker, collections' consumer).
    stopped = await collections_says(stack, debt["id"], "sms", rule_part="dispute")
    latency = asyncio.get_running_loop().time() - recorded_at
    print(f"\ndispute recorded in crm -> collections stops contact: {latency * 1000:.0f} ms ({stopped['rule']})")
    # The clock stopped the day the borrower raised it: ten days fewer past due, and typed as disputed.
    await classified_as(stack, debt["id"], days_past_due=days - 10, overdue_type="disputed")

    resolved = await stack.post("crm", f"/v1/disputes/{opened.json()['id']}:resolve", headers=SUPERVISOR,
                                body={"outcome": "rejected", "reason": "Interest matches the contract."})
    assert resolved.status_code == 200, resolved.text
    # The clock runs again from today: the ten paused days stay uncounted, the dispute type is gone.
    await classified_as(stack, debt["id"], days_past_due=days - 10, overdue_type="default")
    await collections_says(stack, debt["id"], "sms", rule_part=None)  # and collections may contact again
    await timeline_shows(stack, debt["borrower_id"], debt["id"], DISPUTE_OPENED, DISPUTE_RESOLVED)


async def test_a_cease_contact_request_is_announced_to_every_service(stack: Stack) -> None:
    debt = await register(stack, a_default("CEASE", "B9", 40, "900.00", currency="SGD"))
    await stack.eventually_found("crm", f"/v1/borrowers/{debt['borrower_id']}")
    recorded = await stack.post("crm", f"/v1/borrowers/{debt['borrower_id']}/restrictions", headers=COLLECTOR,
                                body={"kind": "cease_contact", "reason": "Asked by phone to stop all contact."})
    assert recorded.status_code == 201, recorded.text
    await stack.wait_settled()
    records = (await stack.read_topics([stack.topic("crm")]))[stack.topic("crm")]
    announced = [decode_event(record.value) for record in records]
    (restriction,) = [event for event in announced if event.subject == debt["borrower_id"]
                      and event.type == "debtflow.borrower.contact_restricted.v1"]
    assert (restriction.data.restriction, restriction.data.active, restriction.tenant) == (
        "cease_contact", True, "lending-core-a")
    # Collections honours it from the moment it arrives, on every channel; classification takes the flag without a
    # new classification (a cease-contact request changes no dimension), and nothing is dead-lettered.
    for channel in ("sms", "call", "letter"):
        await collections_says(stack, debt["id"], channel, rule_part="cease_contact")
    for consumer in ("classification", "collections"):
        samples = await stack.metrics(consumer)
        assert metric_value(samples, "debtflow_events_consumed_total", outcome="dead_lettered") == 0, consumer


# -- 4. every published event keeps the contract -----------------------------------------------------


#: What this module's scenarios make the services publish (payments and disposals have tests of their own).
WALKING_SKELETON_EVENT_TYPES = {
    "debtflow.debt.registered.v1", "debtflow.debt.classified.v1", "debtflow.collection.strategy_assigned.v1",
    "debtflow.debt.escalated_to_legal.v1", "debtflow.legal.case_opened.v1",
}


async def test_every_published_event_matches_its_schema(stack: Stack) -> None:
    # Enough traffic of its own for every event type, whatever else ran before.
    correlation_id = f"e2e-{RUN}-schema"
    loss = await register(stack, a_default("SCHEMA-LOSS", "B7", 400, "2500.00", "10.10", "1.01", currency="USD"),
                          correlation_id=correlation_id)
    early = await register(stack, a_default("SCHEMA-EARLY", "B7", 45, "700.00", currency="USD"))
    await stack.eventually_found("collections", f"/v1/cases/{early['id']}")
    escalated = await stack.post("collections", f"/v1/cases/{early['id']}:escalate", headers=COLLECTOR,
                                 body={"reason_code": "no_contact"})
    assert escalated.status_code == 200, escalated.text
    for debt in (loss, early):
        await stack.eventually_found("legal", f"/v1/cases/{debt['id']}")
    await stack.wait_settled()

    topics = await stack.read_topics(stack.event_topics)
    events: dict[str, Any] = {}
    problems: list[str] = []
    for producer in service_names():
        for record in topics[stack.topic(producer)]:
            where = f"{record.topic}[{record.partition}]@{record.offset}"
            try:
                event = decode_event(record.value)
            except UndecodableEvent as error:
                problems.append(f"{where}: {error}")
                continue
            expected_headers = {
                "content-type": STRUCTURED_CONTENT_TYPE, "ce_id": event.id, "ce_type": event.type,
                "ce_subject": event.subject, "ce_source": event.source, "ce_correlationid": event.correlationid,
            }
            actual_headers = {name: header(record, name) for name in expected_headers}
            if actual_headers != expected_headers:
                problems.append(f"{where}: headers {actual_headers} do not match the envelope {expected_headers}")
            if record.key is None or record.key.decode() != event.subject:
                problems.append(f"{where}: key {record.key!r} is not the subject {event.subject}")
            about = getattr(event.data, "debt_id", None) or getattr(event.data, "borrower_id", None)
            if event.subject != str(about):  # debt events are about a debt, borrower events about a borrower
                problems.append(f"{where}: subject {event.subject} is not the debt (or borrower) id")
            if (event.source, type(event.data).producer) != (f"/services/{producer}", producer):
                problems.append(f"{where}: {event.type} from {event.source} on {producer}'s topic")
            events[event.id] = event
    assert not problems, "\n".join(problems)
    assert {event.type for event in events.values()} >= WALKING_SKELETON_EVENT_TYPES

    # Everything the loss default set off carries the correlation id the lending core sent with it.
    caused_by_loss = {event.type: event.correlationid for event in events.values() if event.subject == loss["id"]}
    assert caused_by_loss == {REGISTERED: correlation_id, CLASSIFIED: correlation_id, STRATEGY: correlation_id,
                              CASE_OPENED: correlation_id}
    for event in events.values():
        if event.causationid is not None:
            cause = events.get(event.causationid)
            assert cause is not None, f"{event.type} {event.id} names a cause {event.causationid} never published"
            assert cause.correlationid == event.correlationid, f"{event.type} {event.id} lost its correlation id"

    dead_letters = await stack.read_topics(stack.dead_letter_topics)
    assert {topic: len(records) for topic, records in dead_letters.items() if records} == {}
    for consumer in CONSUMES:
        samples = await stack.metrics(consumer)
        assert metric_value(samples, "debtflow_events_consumed_total", outcome="dead_lettered") == 0, consumer


# -- 5. operators see the flow in /metrics --------------------------------------------------------------


async def test_metrics_show_events_flowing(stack: Stack) -> None:
    debt = await register(stack, a_default("METRICS", "B8", 60, "1200.00", currency="EUR"))
    await stack.eventually_found("classification", f"/v1/classifications/{debt['id']}")

    async def published() -> float:
        samples = await stack.metrics("intake")
        return metric_value(samples, "debtflow_outbox_published_total")

    assert await eventually(published, timeout=30, interval=0.1, what="intake to count published events") > 0

    intake = await stack.metrics("intake")
    assert metric_value(intake, "debtflow_http_requests_total", method="POST", route="/v1/defaults", status="201") >= 1
    classification = await stack.metrics("classification")
    assert metric_value(classification, "debtflow_events_consumed_total", type=REGISTERED, outcome="handled") > 0
