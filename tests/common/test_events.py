"""Event envelope, registry and generated contract: round trips, headers, safe decode errors, current docs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from debtflow.common.docs import generated_files, repo_root
from debtflow.common.events import (
    AgencyPlaced,
    AgencyRecalled,
    AllowedContactTime,
    BalanceSnapshot,
    BorrowerCircumstanceRecorded,
    BorrowerConsentChanged,
    BorrowerRegistered,
    BorrowerUpdated,
    CloudEvent,
    CollectionActionTaken,
    CollectionCaseClosed,
    CollectionCaseReopened,
    ComplaintAcknowledged,
    ComplaintEscalated,
    ComplaintReceived,
    ComplaintResolved,
    ContactPointChanged,
    ContactPreferencesChanged,
    ContactRestricted,
    CostIncurred,
    DebtClassified,
    DebtEscalatedToLegal,
    DebtRegistered,
    DebtRestructured,
    DebtSettled,
    DebtSold,
    DebtUpdated,
    DebtWrittenOff,
    DisputeOpened,
    DisputeResolved,
    EncryptedPersonalData,
    EventPayload,
    EventRegistry,
    HardshipDeclined,
    HardshipEnded,
    HardshipGranted,
    HardshipRequested,
    InteractionLogged,
    LegalCaseOpened,
    LimitationUpdated,
    PaymentAllocation,
    PaymentReceived,
    PaymentReversed,
    SatisfactionRecorded,
    ScheduledAction,
    ScoreUpdated,
    StrategyAssigned,
    UndecodableEvent,
    VulnerabilityRecorded,
    decode_event,
    event,
    registry,
)
from debtflow.common.events.asyncapi import asyncapi_document

DEBT_ID = uuid.UUID("5b0c1f3e-8d3a-4c55-9a51-2f0f7c0e9a11")
WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
PHONE = "13800138000"  # a recognisable stand-in for personal data


def _registered() -> DebtRegistered:
    return DebtRegistered(
        debt_id=DEBT_ID,
        borrower_id="BR-88812",
        source_system="lending-core-a",
        loan_id="LN-2026-000123",
        currency="CNY",
        principal_outstanding="12000.00",
        interest_outstanding="350.40",
        fees_outstanding="50.00",
        total_outstanding="12400.40",
        first_unpaid_due_date=date(2026, 2, 15),
        as_of_date=date(2026, 11, 27),
        registered_at=WHEN,
    )


def _classified() -> DebtClassified:
    return DebtClassified(
        debt_id=DEBT_ID,
        borrower_id="BR-88812",
        as_of_date=date(2026, 11, 27),
        days_past_due=285,
        dpd_bucket="M6+",
        five_tier_class="doubtful",
        previous_dpd_bucket="M6",
        previous_five_tier_class="substandard",
        exposure="12400.40",
        currency="CNY",
        ruleset_version="2026.1",
        reason_codes=("dpd_over_180",),
        classified_at=WHEN,
    )


def _strategy() -> StrategyAssigned:
    return StrategyAssigned(
        debt_id=DEBT_ID,
        borrower_id="BR-88812",
        strategy_code="agency-recovery",
        dpd_bucket="M6+",
        first_action=ScheduledAction(channel="agency", scheduled_for=WHEN),
        assigned_at=WHEN,
    )


def _escalated() -> DebtEscalatedToLegal:
    return DebtEscalatedToLegal(
        debt_id=DEBT_ID,
        borrower_id="BR-88812",
        reason_code="broken_promises",
        escalated_by="collector-7",
        escalated_at=WHEN,
    )


def _case_opened() -> LegalCaseOpened:
    return LegalCaseOpened(
        case_id=uuid.UUID("0f7f5a2c-1111-4a4a-8b8b-123456789abc"),
        debt_id=DEBT_ID,
        borrower_id="BR-88812",
        trigger="classified_doubtful",
        five_tier_class="doubtful",
        opened_at=WHEN,
    )


BALANCES = BalanceSnapshot(principal="11000.00", interest="0.00", penalty_interest="0.00", fees="0.00",
                           total="11000.00")
ALLOCATION = PaymentAllocation(penalty_interest="0.00", fees="50.00", interest="350.40", principal="1000.00",
                               credit="0.00")


def _updated() -> DebtUpdated:
    return DebtUpdated(debt_id=DEBT_ID, borrower_id="BR-88812", cause="snapshot", version=3, currency="CNY",
                       balances=BALANCES, first_unpaid_due_date=date(2026, 3, 15), as_of_date=date(2026, 11, 28),
                       status="open", updated_at=WHEN)


def _payment() -> PaymentReceived:
    return PaymentReceived(payment_id=uuid.uuid4(), lending_core_payment_id="PAY-1", debt_id=DEBT_ID,
                           borrower_id="BR-88812", amount="1400.40", currency="CNY", paid_at=WHEN, channel="bank",
                           allocation=ALLOCATION, post_disposal=False, balances_after=BALANCES,
                           first_unpaid_due_date_after=date(2026, 3, 15), status_after="open", version=2)


def _reversal() -> PaymentReversed:
    return PaymentReversed(payment_id=uuid.uuid4(), lending_core_payment_id="PAY-1", debt_id=DEBT_ID,
                           borrower_id="BR-88812", amount="1400.40", currency="CNY", reversed_allocation=ALLOCATION,
                           post_disposal=False, balances_after=BALANCES, first_unpaid_due_date_after=None,
                           status_after="open", reason_code="bounced", reversed_at=WHEN, version=3)


def _borrower_registered() -> BorrowerRegistered:
    return BorrowerRegistered(borrower_id="BR-88812", id_type="resident_id", region="Beijing",
                              timezone="Asia/Shanghai", personal_data=EncryptedPersonalData(phones=("v1:k:abc",)),
                              version=1, registered_at=WHEN)


def _borrower_updated() -> BorrowerUpdated:
    return BorrowerUpdated(borrower_id="BR-88812", personal_data=EncryptedPersonalData(), version=2, updated_at=WHEN)


def _settled() -> DebtSettled:
    return DebtSettled(debt_id=DEBT_ID, borrower_id="BR-88812", settlement_amount="8000.00", currency="CNY",
                       settled_on=date(2026, 11, 28), settled_at=WHEN)


def _sold() -> DebtSold:
    return DebtSold(debt_id=DEBT_ID, borrower_id="BR-88812", buyer_ref="AMC-1", sale_price="1200.00",
                    currency="CNY", sold_on=date(2026, 11, 28), sold_at=WHEN)


def _written_off() -> DebtWrittenOff:
    return DebtWrittenOff(debt_id=DEBT_ID, borrower_id="BR-88812", amount_written_off="12400.40", currency="CNY",
                          reason_code="uncollectable", written_off_on=date(2026, 11, 28), written_off_at=WHEN)


def _crm_samples() -> dict[type[EventPayload], Any]:
    ids = {"debt_id": DEBT_ID, "borrower_id": "BR-88812"}
    day = date(2026, 11, 28)
    return {
        DisputeOpened: lambda: DisputeOpened(**ids, dispute_id=uuid.uuid4(), reason_code="amount_wrong",
                                             opened_on=day, opened_at=WHEN),
        DisputeResolved: lambda: DisputeResolved(**ids, dispute_id=uuid.uuid4(), outcome="rejected",
                                                 resolved_on=day, resolved_at=WHEN),
        HardshipGranted: lambda: HardshipGranted(**ids, hardship_id=uuid.uuid4(), starts_on=day, granted_at=WHEN),
        HardshipRequested: lambda: HardshipRequested(**ids, hardship_id=uuid.uuid4(), reasons=("job_loss",),
                                                     requested_at=WHEN),
        HardshipDeclined: lambda: HardshipDeclined(**ids, hardship_id=uuid.uuid4(), declined_at=WHEN),
        BorrowerConsentChanged: lambda: BorrowerConsentChanged(
            borrower_id="BR-88812", consent_id=uuid.uuid4(), purpose="call_recording", legal_basis="consent",
            status="withdrawn", recorded_at=WHEN),
        ContactPreferencesChanged: lambda: ContactPreferencesChanged(
            borrower_id="BR-88812", version=2, preferred_channel="sms", language="zh-CN", opted_out_channels=("call",),
            preferred_times=(AllowedContactTime(weekdays=(1, 2), start="18:00", end="20:00"),), changed_at=WHEN),
        InteractionLogged: lambda: InteractionLogged(
            **ids, interaction_id=uuid.uuid4(), channel="call", direction="inbound", party="borrower",
            outcome="promise_to_pay", duration_seconds=240, agent="collector-1", occurred_at=WHEN),
        VulnerabilityRecorded: lambda: VulnerabilityRecorded(
            borrower_id="BR-88812", vulnerability_id=uuid.uuid4(), kind="bereavement", specialist_team="bereavement-care",
            active=True, recorded_at=WHEN),
        SatisfactionRecorded: lambda: SatisfactionRecorded(
            borrower_id="BR-88812", answer_id=uuid.uuid4(), interaction_id=uuid.uuid4(), score=4, agent="collector-1",
            answered_at=WHEN),
        HardshipEnded: lambda: HardshipEnded(**ids, hardship_id=uuid.uuid4(), ended_on=day, ended_at=WHEN),
        ContactRestricted: lambda: ContactRestricted(**ids, restriction="cease_contact", active=True,
                                                     effective_on=day, recorded_at=WHEN),
        BorrowerCircumstanceRecorded: lambda: BorrowerCircumstanceRecorded(**ids, circumstance="bankrupt",
                                                                           effective_on=day, recorded_at=WHEN),
        ContactPointChanged: lambda: ContactPointChanged(
            borrower_id="BR-88812", contact_point_id=uuid.uuid4(), revision=2, changes=("marked_do_not_use",),
            kind="phone", value="v1:k:abc", source="lending_core", belongs_to="borrower", verification="failed",
            do_not_use=True, do_not_use_reason="wrong_number", status="active", changed_at=WHEN),
        DebtRestructured: lambda: DebtRestructured(**ids, restructured_on=day, plan_id=uuid.uuid4(),
                                                   restructured_at=WHEN),
        LimitationUpdated: lambda: LimitationUpdated(**ids, limitation_expires_on=date(2029, 2, 15), updated_at=WHEN),
        ScoreUpdated: lambda: ScoreUpdated(**ids, model="collect-gbm-2026.3", recovery_probability="0.4200",
                                           scored_at=WHEN),
        ComplaintReceived: lambda: ComplaintReceived(
            **ids, complaint_id=uuid.uuid4(), category="contact_outside_hours_or_too_often", severity="high",
            subject_kind="collector", pauses_collection=True, acknowledge_by=WHEN, resolve_by=WHEN, received_at=WHEN),
        ComplaintAcknowledged: lambda: ComplaintAcknowledged(**ids, complaint_id=uuid.uuid4(), late=False,
                                                             acknowledged_at=WHEN),
        ComplaintEscalated: lambda: ComplaintEscalated(
            **ids, complaint_id=uuid.uuid4(), missed="acknowledgement", deadline=WHEN, escalation_level=1,
            severity="high", escalated_at=WHEN),
        ComplaintResolved: lambda: ComplaintResolved(
            **ids, complaint_id=uuid.uuid4(), outcome="upheld", root_cause="agent_conduct",
            collection_may_resume=True, late=False, resolved_at=WHEN),
    }


def _agency_samples() -> dict[type[EventPayload], Any]:
    ids = {"debt_id": DEBT_ID, "borrower_id": "BR-88812"}
    placement = uuid.uuid4()
    return {
        AgencyPlaced: lambda: AgencyPlaced(**ids, placement_id=placement, agency_code="acme-recoveries",
                                           dpd_bucket="M6+", exposure="12400.40", currency="CNY", schedule_version=2,
                                           commission_rate_percent="18.50", placed_at=WHEN, expires_at=WHEN),
        AgencyRecalled: lambda: AgencyRecalled(**ids, placement_id=placement, agency_code="acme-recoveries",
                                               reason="expired", recalled_at=WHEN),
        CostIncurred: lambda: CostIncurred(**ids, cost_id=uuid.uuid4(), kind="agency_commission", channel="agency",
                                           quantity="1000.00", unit_cost="0.1850", amount="185.00", currency="CNY",
                                           source_id=str(uuid.uuid4()), incurred_at=WHEN),
    }


def _agent_samples() -> dict[type[EventPayload], Any]:
    """Collections' agents, promises and arrangements."""
    from debtflow.common.events import (
        ContactOutcomeRecorded,
        PaymentPlanChanged,
        PromiseMade,
        PromiseResolved,
        SettlementChanged,
    )

    ids = {"debt_id": DEBT_ID, "borrower_id": "BR-88812"}
    day = date(2026, 12, 10)
    amounts = {"total_amount": "9000.00", "discount_amount": "1000.00", "paid_amount": "0.00", "currency": "CNY"}
    return {
        ContactOutcomeRecorded: lambda: ContactOutcomeRecorded(
            **ids, outcome_id=uuid.uuid4(), outcome="promise_to_pay", channel="call", party="borrower",
            contact_point_id=uuid.uuid4(), duration_seconds=180, agent="collector-7", promise_id=uuid.uuid4(),
            occurred_at=WHEN),
        PromiseMade: lambda: PromiseMade(**ids, promise_id=uuid.uuid4(), amount="500.00", currency="CNY",
                                         due_on=day, made_at=WHEN),
        PromiseResolved: lambda: PromiseResolved(
            **ids, promise_id=uuid.uuid4(), outcome="partly_kept", promised_amount="500.00", paid_amount="200.00",
            currency="CNY", due_on=day, broken_promises=1, resolved_at=WHEN),
        PaymentPlanChanged: lambda: PaymentPlanChanged(**ids, plan_id=uuid.uuid4(), status="accepted", **amounts,
                                                       changed_at=WHEN),
        SettlementChanged: lambda: SettlementChanged(**ids, settlement_id=uuid.uuid4(), status="paid", **amounts,
                                                     pay_by=day, changed_at=WHEN),
    }


def _case_samples() -> dict[type[EventPayload], Any]:
    ids = {"debt_id": DEBT_ID, "borrower_id": "BR-88812"}
    return {
        CollectionCaseClosed: lambda: CollectionCaseClosed(**ids, reason="settled", cancelled_actions=2,
                                                           closed_at=WHEN),
        CollectionCaseReopened: lambda: CollectionCaseReopened(**ids, dpd_bucket="M1", reopened_at=WHEN),
        CollectionActionTaken: lambda: CollectionActionTaken(
            **ids, action_id=uuid.uuid4(), strategy_code="early-reminder", step_index=0, channel="sms",
            outcome="suppressed", rule="always.open_dispute", taken_at=WHEN),
    }


PAYLOADS = {
    **_case_samples(),
    **_crm_samples(),
    **_agent_samples(),
    **_agency_samples(),
    DebtUpdated: _updated,
    PaymentReceived: _payment,
    PaymentReversed: _reversal,
    BorrowerRegistered: _borrower_registered,
    BorrowerUpdated: _borrower_updated,
    DebtSettled: _settled,
    DebtSold: _sold,
    DebtWrittenOff: _written_off,
    DebtRegistered: _registered,
    DebtClassified: _classified,
    StrategyAssigned: _strategy,
    DebtEscalatedToLegal: _escalated,
    LegalCaseOpened: _case_opened,
}


def test_every_registered_event_type_has_a_sample_here() -> None:
    assert set(registry.all()) == set(PAYLOADS)


@pytest.fixture(params=list(PAYLOADS), ids=lambda model: model.__name__)
def payload(request: pytest.FixtureRequest) -> EventPayload:
    return PAYLOADS[request.param]()


# -- envelope ------------------------------------------------------------------------------------


def test_round_trip_through_json(payload: EventPayload) -> None:
    envelope = CloudEvent.new(
        payload, source_service=payload.producer, correlation_id="req-42", causation_id="ev-1"
    )
    decoded = decode_event(envelope.to_json().encode())
    assert type(decoded.data) is type(payload)
    assert decoded.data == payload
    assert decoded.model_dump() == envelope.model_dump()
    assert decoded.to_json() == envelope.to_json()
    assert (decoded.type, decoded.source, decoded.correlationid, decoded.causationid) == (
        payload.event_type,
        f"/services/{payload.producer}",
        "req-42",
        "ev-1",
    )


def test_envelope_is_cloudevents_structured_json(payload: EventPayload) -> None:
    envelope = CloudEvent.new(payload, source_service=payload.producer)
    document = json.loads(envelope.to_json())
    assert document["specversion"] == "1.0"
    assert uuid.UUID(document["id"])
    assert document["type"] == payload.event_type
    assert document["datacontenttype"] == "application/json"
    assert datetime.fromisoformat(document["time"]).tzinfo is not None
    assert document["data"] == json.loads(payload.model_dump_json())  # inside data, null is a value
    assert "causationid" not in document  # absent envelope attributes are omitted, not null


def _expected_subject(payload: EventPayload) -> str:
    """Debt events are about the debt; borrower events about the borrower."""
    return str(DEBT_ID) if hasattr(payload, "debt_id") else "BR-88812"


def test_subject_is_the_debt_id_or_for_borrower_events_the_borrower_id(payload: EventPayload) -> None:
    envelope = CloudEvent.new(payload, source_service=payload.producer)
    assert envelope.subject == _expected_subject(payload)


def test_first_event_of_a_chain_correlates_with_itself(payload: EventPayload) -> None:
    envelope = CloudEvent.new(payload, source_service=payload.producer)
    assert envelope.correlationid == envelope.id
    assert envelope.causationid is None


def test_each_event_gets_a_new_id(payload: EventPayload) -> None:
    first = CloudEvent.new(payload, source_service=payload.producer)
    second = CloudEvent.new(payload, source_service=payload.producer)
    assert first.id != second.id


def test_kafka_headers_carry_the_routing_attributes(payload: EventPayload) -> None:
    envelope = CloudEvent.new(payload, source_service=payload.producer, correlation_id="req-42")
    headers = dict(envelope.kafka_headers())
    assert all(isinstance(value, bytes) for value in headers.values())
    assert headers["content-type"].decode().startswith("application/cloudevents+json")
    assert headers["ce_id"] == envelope.id.encode()
    assert headers["ce_type"] == payload.event_type.encode()
    assert headers["ce_source"] == f"/services/{payload.producer}".encode()
    assert headers["ce_subject"] == _expected_subject(payload).encode()
    assert headers["ce_correlationid"] == b"req-42"
    assert "ce_causationid" not in headers


def test_kafka_headers_include_the_causation_when_there_is_one() -> None:
    envelope = CloudEvent.new(_registered(), source_service="intake", causation_id="ev-7")
    assert dict(envelope.kafka_headers())["ce_causationid"] == b"ev-7"


# -- decoding failures ---------------------------------------------------------------------------


def _valid_document() -> dict[str, Any]:
    return json.loads(CloudEvent.new(_registered(), source_service="intake").to_json())


def _with(change: Any) -> str:
    document = _valid_document()
    change(document)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("value", "mentions"),
    [
        (b"not json at all", "JSONDecodeError"),
        (b"\xff\xfe\x00garbage", ""),
        ("", "JSONDecodeError"),
        ("[1, 2, 3]", "not a JSON object"),
        ('"just a string"', "not a JSON object"),
        ("null", "not a JSON object"),
        (_with(lambda d: d.update(type="debtflow.debt.vanished.v1")), "debtflow.debt.vanished.v1"),
        (_with(lambda d: d.pop("type")), ""),
        (_with(lambda d: d["data"].pop("borrower_id")), "data.borrower_id"),
        (_with(lambda d: d["data"].pop("principal_outstanding")), "data.principal_outstanding"),
        (_with(lambda d: d.pop("id")), "id"),
        (_with(lambda d: d.pop("data")), "data"),
        (_with(lambda d: d.update(time="2026-11-27T09:30:00")), "time"),  # naive time
    ],
)
@pytest.mark.parametrize("type_hint", [None, "debtflow.debt.registered.v1"], ids=["no-hint", "ce_type-hint"])
def test_undecodable_records_are_reported(value: bytes | str, mentions: str, type_hint: str | None) -> None:
    with pytest.raises(UndecodableEvent) as caught:
        decode_event(value, type_hint=type_hint)
    assert mentions in str(caught.value)


@pytest.mark.parametrize("type_hint", ["debtflow.debt.registered.v1", "debtflow.debt.classified.v1", "no.such.v1"])
def test_the_type_header_only_speeds_decoding_up_and_never_changes_the_result(type_hint: str) -> None:
    document = _valid_document()
    assert decode_event(json.dumps(document), type_hint=type_hint) == decode_event(json.dumps(document))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["data"].update(phone=PHONE), "data.phone"),
        (lambda d: d["data"].update(borrower_id=f"tel {PHONE}"), "data.borrower_id"),
        (lambda d: d["data"].update(loan_id=PHONE + "!"), "data.loan_id"),
        (lambda d: d["data"].update(principal_outstanding=f"{PHONE}.001"), "data.principal_outstanding"),
        (lambda d: d["data"].update(currency=PHONE), "data.currency"),
        (lambda d: d["data"].update(as_of_date=PHONE), "data.as_of_date"),
        (lambda d: d.update(data=PHONE), "data"),
        (lambda d: d.update(subject=int(PHONE)), "subject"),
    ],
)
def test_decode_errors_name_the_field_but_never_the_value(change: Any, field: str) -> None:
    with pytest.raises(UndecodableEvent) as caught:
        decode_event(_with(change))
    message = str(caught.value)
    assert field in message
    assert PHONE not in message


# -- registry ------------------------------------------------------------------------------------


def test_a_second_model_for_a_registered_type_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):

        @event(DebtRegistered.event_type, producer="intake")
        class Impostor(EventPayload):
            debt_id: uuid.UUID

    assert registry.model_for(DebtRegistered.event_type) is DebtRegistered


def test_registering_the_same_model_again_is_harmless() -> None:
    events = EventRegistry()
    events.register(DebtRegistered)
    events.register(DebtRegistered)
    assert events.all() == [DebtRegistered]

    class Other(EventPayload):
        event_type = DebtRegistered.event_type
        producer = "intake"

    with pytest.raises(ValueError, match="registered twice"):
        events.register(Other)
    assert events.model_for(DebtRegistered.event_type) is DebtRegistered


@pytest.mark.parametrize(
    "event_type",
    [
        "",
        "debt.registered.v1",
        "acme.debt.registered.v1",
        "debtflow.debt.registered",
        "debtflow.debt.registered.v0",
        "debtflow.debt.registered.1",
        "debtflow.debt.registered.v1.extra",
        "debtflow.Debt.registered.v1",
        "debtflow.debt-x.registered.v1",
        "debtflow..registered.v1",
        "debtflow.debt.registered.v1 ",
        "debtflow.debt.registered.v1\n",
    ],
)
def test_event_decorator_rejects_malformed_type_names(event_type: str) -> None:
    with pytest.raises(ValueError, match="must look like"):
        event(event_type, producer="intake")


# -- generated contract --------------------------------------------------------------------------


def test_generated_docs_are_current() -> None:
    stale = [
        str(path.relative_to(repo_root()))
        for path, content in generated_files(repo_root()).items()
        if not path.exists() or path.read_text(encoding="utf-8") != content
    ]
    assert not stale, f"generated docs are out of date: {', '.join(stale)}; run `./debtflow docs`"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and token in node, f"{ref} does not resolve (no {token!r})"
        node = node[token]
    return node


def test_asyncapi_document_describes_every_producer_and_resolves() -> None:
    document = asyncapi_document()
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    producers = {model.producer for model in registry.all()}
    assert producers == {"intake", "classification", "collections", "legal", "credit", "crm"}
    assert addresses == {f"debtflow.{producer}.events" for producer in producers} | {
        f"debtflow.{producer}.events.dlq" for producer in producers
    }
    names = {message["name"] for message in document["components"]["messages"].values()}
    assert {model.event_type for model in registry.all()} <= names
    refs = list(_refs(document))
    assert refs, "the document should reference its components"
    for ref in refs:
        _resolve(document, ref)


def test_asyncapi_channels_carry_their_producers_events() -> None:
    document = asyncapi_document()
    for model in registry.all():
        [channel] = [
            c for c in document["channels"].values() if c["address"] == f"debtflow.{model.producer}.events"
        ]
        message = _resolve(document, channel["messages"][model.__name__]["$ref"])
        assert message["name"] == model.event_type
        envelope = _resolve(document, message["payload"]["$ref"])
        assert envelope["properties"]["type"] == {"const": model.event_type}


def test_asyncapi_file_on_disk_is_the_document() -> None:
    on_disk = json.loads((repo_root() / "docs" / "asyncapi.json").read_text(encoding="utf-8"))
    assert on_disk == asyncapi_document(), "docs/asyncapi.json is stale; run `./debtflow docs`"
