"""Channels' gateways against real servers: SMTP to an aiosmtpd server, the webhook to a local HTTP server that
checks the signature the way a provider would."""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from debtflow.collections.channels.gateways import SmtpGateway, WebhookGateway
from debtflow.collections.channels.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_by

SECRET = "provider-shared-secret"


@dataclass(frozen=True)
class Message:
    message_id: uuid.UUID
    channel: str
    language: str
    recipient: str
    subject: str | None
    body: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Inbox:
    def __init__(self) -> None:
        self.received: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    inbox, port = _Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def test_smtp_delivers_to_a_real_server(smtp_server: tuple[_Inbox, int]) -> None:
    inbox, port = smtp_server
    gateway = SmtpGateway("127.0.0.1", port, "none", "collections@lender.example", timeout=5)
    message = Message(uuid.uuid4(), "email", "zh", "zhang.san@example.com", "还款提醒", "张三您好，请还款。\n回复TD退订")
    result = await gateway.send(message)
    assert result.accepted and result.provider_message_id == f"<{message.message_id}@debtflow>"
    [envelope] = inbox.received
    assert envelope.rcpt_tos == ["zhang.san@example.com"]
    email = message_from_bytes(envelope.content, policy=default_policy)
    assert email["Subject"] == "还款提醒" and "张三您好" in email.get_content()
    unreachable = await SmtpGateway("127.0.0.1", _free_port(), "none", "a@b.example", timeout=2).send(message)
    assert not unreachable.accepted and unreachable.failure == "smtp: ConnectionRefusedError"


class _Provider(BaseHTTPRequestHandler):
    """A provider: refuses an unsigned or badly signed POST, accepts the rest with its own id."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        stamp, claimed = self.headers.get(TIMESTAMP_HEADER, ""), self.headers.get(SIGNATURE_HEADER, "")
        ok = signed_by(SECRET, stamp, body, claimed)
        if ok:
            _Provider.received.append(json.loads(body))
        answer = json.dumps({"id": "prov-1"} if ok else {"error": "bad signature"}).encode()
        self.send_response(202 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/messages"
    finally:
        server.shutdown()
        server.server_close()


async def test_the_webhook_posts_a_signed_message_and_a_refusal_is_a_failure(provider: str) -> None:
    _Provider.received.clear()
    message = Message(uuid.uuid4(), "sms", "en", "+8613800138000", None, "Hello, please pay. Reply STOP to opt out.")
    result = await WebhookGateway(provider, SECRET, timeout=5).send(message)
    assert (result.accepted, result.provider_message_id) == (True, "prov-1")
    assert _Provider.received == [{"message_id": str(message.message_id), "channel": "sms", "language": "en",
                                   "to": "+8613800138000", "subject": None, "text": message.body}]
    forged = await WebhookGateway(provider, "another-secret", timeout=5).send(message)
    assert (forged.accepted, forged.failure) == (False, "webhook: HTTP 401")
