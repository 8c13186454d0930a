"""Gateways carry a prepared message to the world: a protocol, the development gateway (sends nothing; the message
row is the record), SMTP for email, and a signed HTTP webhook for SMS, voice and print providers."""

from __future__ import annotations

import asyncio
import json
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

import httpx

from debtflow.collections.channels.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from debtflow.common.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class SendResult:
    """What a gateway answered: accepted (sent) or not (failed, with a reason that holds no personal data)."""

    gateway: str
    accepted: bool
    provider_message_id: str | None = None
    failure: str | None = None

    @property
    def status(self) -> str:
        return "sent" if self.accepted else "failed"


class Deliverable(Protocol):
    """What a gateway needs of a prepared message (see service.Prepared)."""

    message_id: uuid.UUID
    channel: str
    language: str
    recipient: str
    subject: str | None
    body: str


class Gateway(Protocol):
    name: str

    async def send(self, message: Deliverable) -> SendResult: ...


class DevelopmentGateway:
    """Sends nothing: accepted at once; `record_sent` keeps the message (body encrypted, recipient masked)."""

    name = "development"

    async def send(self, message: Deliverable) -> SendResult:
        return SendResult(self.name, True, provider_message_id=f"dev-{message.message_id}")


@dataclass(frozen=True)
class SmtpGateway:
    """Email through any SMTP server; smtplib runs in a thread so the event loop is never blocked."""

    host: str
    port: int
    security: str
    sender: str
    timeout: float
    username: str | None = None
    password: str | None = None
    name: str = "smtp"

    async def send(self, message: Deliverable) -> SendResult:
        email = EmailMessage()
        email["From"], email["To"] = self.sender, message.recipient
        email["Subject"] = message.subject or ""
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = f"<{message.message_id}@debtflow>"
        email.set_content(message.body)
        try:
            await asyncio.to_thread(self._deliver, email)
        except (smtplib.SMTPException, OSError) as error:
            # The server's reply may quote the address: log and keep only the kind of failure.
            log.warning("smtp delivery failed", message_id=str(message.message_id), error=type(error).__name__)
            return SendResult(self.name, False, failure=f"smtp: {type(error).__name__}")
        return SendResult(self.name, True, provider_message_id=email["Message-ID"])

    def _deliver(self, email: EmailMessage) -> None:
        context = ssl.create_default_context()
        client_class: Any = smtplib.SMTP_SSL if self.security == "tls" else smtplib.SMTP
        options = {"context": context} if self.security == "tls" else {}
        with client_class(self.host, self.port, timeout=self.timeout, **options) as client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(email)


@dataclass(frozen=True)
class WebhookGateway:
    """POSTs the message as JSON to a provider, signed: `X-Debtflow-Signature: sha256=<hex>` of HMAC-SHA256 over
    `<X-Debtflow-Timestamp>.<body>`. The provider answers 2xx (optionally `{"id": ...}`) and later calls back
    `POST /v1/channels/receipts/<channel>` with the `message_id`."""

    url: str
    secret: str
    timeout: float
    name: str = "webhook"

    async def send(self, message: Deliverable) -> SendResult:
        body = json.dumps({"message_id": str(message.message_id), "channel": message.channel,
                           "language": message.language, "to": message.recipient, "subject": message.subject,
                           "text": message.body}, ensure_ascii=False).encode()
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp,
                   SIGNATURE_HEADER: signature(self.secret, stamp, body)}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            log.warning("webhook delivery failed", message_id=str(message.message_id), error=type(error).__name__)
            return SendResult(self.name, False, failure=f"webhook: {type(error).__name__}")
        if not response.is_success:
            return SendResult(self.name, False, failure=f"webhook: HTTP {response.status_code}")
        return SendResult(self.name, True, provider_message_id=_provider_id(response))


def _provider_id(response: httpx.Response) -> str | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    found = answer.get("id") if isinstance(answer, dict) else None
    return str(found)[:128] if found is not None else None


@dataclass(frozen=True)
class Gateways:
    """The gateway of each channel, as the settings choose."""

    by_channel: dict[str, Gateway]

    def of(self, channel: str) -> Gateway:
        return self.by_channel[channel]


def build_gateways(settings: Any) -> Gateways:
    """One gateway per channel from ChannelSettings (`<CHANNEL>_GATEWAY`)."""
    chosen: dict[str, Gateway] = {}
    for channel in ("sms", "email", "robo_call", "letter"):
        kind = getattr(settings, f"{channel}_gateway")
        if kind == "smtp":
            chosen[channel] = SmtpGateway(
                settings.smtp_host, settings.smtp_port, settings.smtp_security, settings.smtp_sender,
                settings.smtp_timeout_seconds, settings.smtp_username,
                settings.smtp_password.get_secret_value() if settings.smtp_password else None)
        elif kind == "webhook":
            chosen[channel] = WebhookGateway(getattr(settings, f"{channel}_webhook_url"),
                                             settings.webhook_secret.get_secret_value(),
                                             settings.webhook_timeout_seconds)
        else:
            chosen[channel] = DevelopmentGateway()
    return Gateways(chosen)
