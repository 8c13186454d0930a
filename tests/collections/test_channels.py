"""Channels on SQLite and PostgreSQL: the contact replica from intake's and crm's events (revisions in order,
retired and do-not-use never used, values encrypted at rest), messages prepared, sent through the development
gateway and recorded without plain text, templates over the API, and signed delivery receipts."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from debtflow.collections.channels.gateways import build_gateways
from debtflow.collections.channels.models import ChannelMessage
from debtflow.collections.channels.service import (
    OutboundMessage,
    Prepared,
    Unsendable,
    prepare,
    record_sent,
    send,
)
from debtflow.collections.channels.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from debtflow.common.events import CloudEvent, ContactPointChanged
from support import token
from support.crm import borrower_event
from support.harness import Harness
from support.intake import EMAIL, NAME, PHONE
from support.problems import assert_problem

TENANT = "lending-core-a"
SUPERVISOR = token("supervisor", subject="supervisor-1")
COLLECTOR = token("collector", subject="collector-1")
CRM_PHONE = "+8613700137000"
FRIEND_PHONE = "+8613600136000"


async def _borrower(service: Harness, borrower_id: str, **personal: Any) -> None:
    payload = borrower_event(service.runtime.settings.field_cipher, borrower_id=borrower_id, **personal)
    await service.deliver(CloudEvent.new(payload, source_service="intake", tenant=TENANT))


def _point(service: Harness, borrower_id: str, point_id: uuid.UUID, revision: int, value: str, **state: Any
           ) -> CloudEvent[Any]:
    cipher = service.runtime.settings.field_cipher
    fields = {"kind": "phone", "source": "agent", "belongs_to": "borrower", "verification": "verified",
              "do_not_use": False, "status": "active", "changes": ("added",), **state}
    payload = ContactPointChanged(
        borrower_id=borrower_id, contact_point_id=point_id, revision=revision,
        value=cipher.encrypt(value, context=f"event.contact_point.{fields['kind']}"),
        changed_at=datetime(2026, 12, 1, 9, revision, tzinfo=UTC), **fields)
    return CloudEvent.new(payload, source_service="crm", tenant=TENANT)


def _message(borrower_id: str, channel: str = "sms", **fields: Any) -> OutboundMessage:
    return OutboundMessage(**{"action_id": uuid.uuid4(), "debt_id": uuid.uuid4(), "borrower_id": borrower_id,
                              "tenant": TENANT, "channel": channel, "template_code": "default.reminder",
                              "tone": "reminder", "language": "en", "amount_due": Decimal("1200.00"),
                              "currency": "CNY", **fields})


async def _prepared(service: Harness, *messages: OutboundMessage) -> list[Prepared | Unsendable]:
    async with service.runtime.sessions() as session:
        return await prepare(session, service.runtime.settings, messages)


async def test_the_replica_follows_revisions_and_never_uses_retired_or_do_not_use(shared: Harness) -> None:
    borrower_id, point, friend = f"BR-{uuid.uuid4().hex[:8]}", uuid.uuid4(), uuid.uuid4()
    await _borrower(shared, borrower_id, phones=[PHONE])
    # crm's events out of order: revision 2 (do not use) arrives before revision 1; revision 1 must not undo it.
    for event in (_point(shared, borrower_id, point, 2, CRM_PHONE, do_not_use=True, changes=("marked_do_not_use",)),
                  _point(shared, borrower_id, point, 1, CRM_PHONE),
                  _point(shared, borrower_id, friend, 1, FRIEND_PHONE, belongs_to="third_party",
                         relationship="family")):
        await shared.deliver(event)
    await shared.settled()
    [chosen] = await _prepared(shared, _message(borrower_id))
    assert isinstance(chosen, Prepared)
    assert chosen.recipient == PHONE and chosen.contact_point_id is None  # intake's, which crm does not know
    assert chosen.recipient_masked == "+86138****8000" and PHONE not in repr(chosen)
    # crm now lists intake's phone too and retires it: nothing is left to send to.
    await shared.deliver(_point(shared, borrower_id, uuid.uuid4(), 1, PHONE, status="retired"))
    await shared.settled()
    [none_left] = await _prepared(shared, _message(borrower_id))
    assert isinstance(none_left, Unsendable) and none_left.reason == "no_contact_point"
    async with shared.runtime.sessions() as session:
        raw = [row for row in await session.execute(text(
            "SELECT value_enc FROM channel_contact_points WHERE borrower_id = :b"), {"b": borrower_id})]
        names = [row for row in await session.execute(text(
            "SELECT name_enc, listed FROM channel_borrowers WHERE borrower_id = :b"), {"b": borrower_id})]
    stored = json.dumps([list(row) for row in raw + names], default=str)
    assert raw and names and all(value not in stored for value in (CRM_PHONE, PHONE, FRIEND_PHONE, NAME))


async def test_a_message_is_sent_and_recorded_without_plain_text(shared: Harness) -> None:
    borrower_id = f"BR-{uuid.uuid4().hex[:8]}"
    await _borrower(shared, borrower_id, phones=[PHONE], emails=[EMAIL])
    await shared.settled()
    sms, email, friend = await _prepared(
        shared, _message(borrower_id), _message(borrower_id, "email", language="zh"),
        _message(borrower_id, party="third_party"))
    assert isinstance(sms, Prepared) and isinstance(email, Prepared)
    assert NAME in sms.body and "1200.00 CNY" in sms.body and sms.body.endswith("Reply STOP to opt out.")
    assert sms.opt_out_included and email.opt_out_included and email.subject == "debtflow还款提醒"
    assert isinstance(friend, Unsendable) and friend.reason == "no_contact_point"  # no third party known
    gateways = build_gateways(shared.runtime.settings)
    for prepared in (sms, email):
        result = await send(gateways, prepared)
        async with shared.runtime.uow() as unit:
            await record_sent(unit, prepared, result)
    async with shared.runtime.sessions() as session:
        rows = [tuple(row) for row in await session.execute(text(
            "SELECT body_enc, subject_enc, recipient_masked, status FROM channel_messages WHERE borrower_id = :b"),
            {"b": borrower_id})]
    assert sorted(row[3] for row in rows) == ["sent", "sent"]
    assert all(secret not in json.dumps(rows) for secret in (NAME, PHONE, EMAIL, "1200.00"))


async def test_a_third_party_gets_the_neutral_variant(shared: Harness) -> None:
    borrower_id, friend = f"BR-{uuid.uuid4().hex[:8]}", uuid.uuid4()
    await _borrower(shared, borrower_id)
    await shared.deliver(_point(shared, borrower_id, friend, 1, FRIEND_PHONE, belongs_to="third_party",
                                relationship="family"))
    await shared.settled()
    [prepared] = await _prepared(shared, _message(borrower_id, party="third_party", tone="final_notice"))
    assert isinstance(prepared, Prepared) and prepared.recipient == FRIEND_PHONE
    assert prepared.template_code == "default.third_party"
    assert "1200" not in prepared.body and "CNY" not in prepared.body and "DF-" not in prepared.body


async def test_templates_are_versions_checked_for_wording(shared: Harness) -> None:
    code = f"t{uuid.uuid4().hex[:8]}"
    body = {"code": code, "channel": "sms", "language": "en", "tone": "firm",
            "body": "${borrower_name}, please pay ${amount_due} ${currency}."}
    first = await shared.client.post("/v1/templates", json=body, headers=SUPERVISOR)
    second = await shared.client.post("/v1/templates", json={**body, "body": "Please pay, ${borrower_name}."},
                                      headers=SUPERVISOR)
    assert (first.status_code, second.status_code) == (201, 201), first.text
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    versions = (await shared.client.get(f"/v1/templates/{code}", headers=COLLECTOR)).json()["versions"]
    assert [item["version"] for item in versions] == [1, 2]
    threat = await shared.client.post("/v1/templates", json={**body, "body": "Pay or you go to jail"},
                                      headers=SUPERVISOR)
    assert_problem(threat, 422, "validation-error", fields={"body"})
    assert threat.json()["errors"][0]["rule"] == "wording.arrest_or_jail"
    unknown = await shared.client.post("/v1/templates", json={**body, "body": "Hi ${ssn}"}, headers=SUPERVISOR)
    assert_problem(unknown, 422, "validation-error", fields={"body"})
    assert (await shared.client.post("/v1/templates", json=body, headers=COLLECTOR)).status_code == 403
    listed = (await shared.client.get("/v1/templates", params={"channel": "letter", "language": "zh"},
                                      headers=COLLECTOR)).json()["items"]
    assert {item["code"] for item in listed} >= {"default.reminder", "default.firm", "default.final_notice"}


def _signed(body: bytes, *, secret: str = "debtflow-development-receipt-signing-secret",
            at: float | None = None) -> dict[str, str]:
    stamp = str(int(at if at is not None else time.time()))
    return {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature(secret, stamp, body)}


async def test_delivery_receipts_signed_fresh_and_once(shared: Harness) -> None:
    borrower_id = f"BR-{uuid.uuid4().hex[:8]}"
    await _borrower(shared, borrower_id, phones=[PHONE])
    await shared.settled()
    [prepared] = await _prepared(shared, _message(borrower_id))
    assert isinstance(prepared, Prepared)
    async with shared.runtime.uow() as unit:
        await record_sent(unit, prepared, await send(build_gateways(shared.runtime.settings), prepared))
    body = json.dumps({"receipt_id": f"r-{uuid.uuid4().hex}", "message_id": str(prepared.message_id),
                       "status": "delivered"}).encode()
    url = "/v1/channels/receipts/sms"
    accepted = await shared.client.post(url, content=body, headers=_signed(body))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"message_id": str(prepared.message_id), "status": "delivered"}
    replayed = await shared.client.post(url, content=body, headers=_signed(body))
    assert_problem(replayed, 401, "receipt-replayed")
    forged = await shared.client.post(url, content=body, headers=_signed(body, secret="guessed-secret"))
    assert_problem(forged, 401, "receipt-forged")
    stale = await shared.client.post(url, content=body, headers=_signed(body, at=time.time() - 3600))
    assert_problem(stale, 401, "receipt-stale")
    unsigned = await shared.client.post(url, content=body, headers={"Content-Type": "application/json"})
    assert_problem(unsigned, 401, "receipt-unsigned")
    malformed = json.dumps({"receipt_id": "r-x", "message_id": "not-a-uuid", "status": "lost"}).encode()
    refused = await shared.client.post(url, content=malformed, headers=_signed(malformed))
    assert_problem(refused, 422, "validation-error", fields={"message_id", "status"})
    async with shared.runtime.sessions() as session:
        row = await session.get(ChannelMessage, prepared.message_id)
    assert row is not None and row.status == "delivered"
