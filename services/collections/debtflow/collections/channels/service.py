"""Sending messages, as the lead's dispatch job calls it: `prepare` a set of messages (one read of their contact
data, cases and templates; personal data decrypted only here), `send` each outside any transaction, then
`record_sent` (the message row: body encrypted, recipient masked)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.channels.contacts import (
    ContactData,
    Recipient,
    borrower_name,
    choose_recipient,
    contact_data_of,
)
from debtflow.collections.channels.gateways import Gateways, SendResult, build_gateways
from debtflow.collections.channels.models import ChannelMessage
from debtflow.collections.channels.rules import RenderError, opt_out_required, render
from debtflow.collections.channels.templates import TemplateVersion, template_for, templates_of_codes
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.pii import FieldCipher, mask_address, mask_email, mask_phone

__all__ = ["OutboundMessage", "Prepared", "Unsendable", "build_gateways", "prepare", "record_sent", "send"]
MESSAGE_REST = "collections.message"
_MASKS = {"phone": mask_phone, "email": mask_email, "address": mask_address}


@dataclass(frozen=True)
class OutboundMessage:
    """One message the dispatch job wants sent. `party` is whom it goes to (the policy says); a third party gets
    the neutral variant. Amount and currency default to the case's exposure."""

    action_id: uuid.UUID
    debt_id: uuid.UUID
    borrower_id: str
    tenant: str | None
    channel: str            # sms email robo_call letter
    template_code: str
    tone: str
    language: str | None
    party: Literal["borrower", "third_party", "representative"] = "borrower"
    contact_point_id: uuid.UUID | None = None
    amount_due: Decimal | None = None
    currency: str | None = None
    due_date: date | None = None


@dataclass(frozen=True)
class Prepared:
    """A rendered message ready for its gateway. `recipient`, `subject` and `body` are plain text for the
    gateway only (never printed: see __repr__); `body_enc`/`subject_enc` are what is stored."""

    message: OutboundMessage
    message_id: uuid.UUID
    language: str
    template_version: int
    template_code: str
    recipient: str = field(repr=False)
    recipient_masked: str
    contact_point_id: uuid.UUID | None
    subject: str | None = field(repr=False)
    body: str = field(repr=False)
    subject_enc: str | None = field(repr=False)
    body_enc: str = field(repr=False)
    opt_out_included: bool

    @property
    def channel(self) -> str:
        return self.message.channel


@dataclass(frozen=True)
class Unsendable:
    """A message that cannot go: `reason` is a code (no_contact_data, no_contact_point, no_template,
    missing_value, wording.<category>), `detail` a sentence without personal data."""

    message: OutboundMessage
    reason: str
    detail: str


async def prepare(session: AsyncSession, settings: Any, messages: Sequence[OutboundMessage]
                  ) -> list[Prepared | Unsendable]:
    """Render each message, in order: one query each for the contact data, the cases and the templates of all."""
    if not messages:
        return []
    contacts = await contact_data_of(session, {(message.tenant, message.borrower_id) for message in messages})
    cases = {case.debt_id: case for case in await session.scalars(
        select(CollectionCase).where(one_of(CollectionCase.debt_id, {message.debt_id for message in messages})))}
    templates = await templates_of_codes(session, {message.template_code for message in messages})
    return [_prepared(settings, message, contacts[(message.tenant, message.borrower_id)],
                      cases.get(message.debt_id), templates) for message in messages]


def _prepared(settings: Any, message: OutboundMessage, data: ContactData, case: CollectionCase | None,
              templates: dict[tuple[str, ...], TemplateVersion]) -> Prepared | Unsendable:
    cipher: FieldCipher = settings.field_cipher
    if data.borrower is None and not data.points:
        return Unsendable(message, "no_contact_data", "collections holds no contact data for the borrower yet")
    language = message.language or settings.default_language
    template = template_for(templates, code=message.template_code, channel=message.channel, language=language,
                            tone=message.tone, party=message.party)
    if template is None:
        return Unsendable(message, "no_template", f"no template {message.template_code} for {message.channel} in "
                          f"{language} ({message.tone}, {message.party})")
    recipient = choose_recipient(cipher, data, channel=message.channel, party=message.party,
                                 contact_point_id=message.contact_point_id)
    if recipient is None:
        return Unsendable(message, "no_contact_point", f"no usable {message.channel} contact point for the "
                          f"{message.party.replace('_', ' ')}")
    opt_out = (getattr(settings, f"opt_out_text_{language}") if opt_out_required(
        message.channel, profile=settings.contact_profile,  # the contact policy's profile: one setting
        required_in_cn=settings.opt_out_in_cn) else None)
    try:
        rendered = render(subject=template.subject, body=template.body, opt_out_text=opt_out,
                          values=_values(settings, message, data, case, cipher))
    except RenderError as error:
        return Unsendable(message, error.reason, str(error))
    return _sealed(cipher, message, template, language, recipient, rendered)


def _values(settings: Any, message: OutboundMessage, data: ContactData, case: CollectionCase | None,
            cipher: FieldCipher) -> dict[str, str]:
    """What placeholders are filled with; a value the message cannot know is left out (a template needing it is
    unsendable with `missing_value`, never sent with a gap)."""
    reference = f"DF-{message.debt_id.hex[:12].upper()}"
    values = {"lender_name": settings.lender_names.get(message.tenant or "", settings.lender_name),
              "agent_name": settings.sender_name, "payment_reference": reference,
              "payment_link": f"{settings.payment_link.rstrip('/')}/{reference}",
              "due_date": (message.due_date or utcnow().date() + timedelta(days=settings.pay_by_days)).isoformat()}
    name = borrower_name(cipher, data)
    if name:
        values["borrower_name"] = name
    amount = message.amount_due if message.amount_due is not None else getattr(case, "exposure", None)
    if amount is not None:
        values["amount_due"] = f"{amount:.2f}"
    currency = message.currency or getattr(case, "currency", None)
    if currency:
        values["currency"] = currency
    return values


def _sealed(cipher: FieldCipher, message: OutboundMessage, template: TemplateVersion, language: str,
            recipient: Recipient, rendered: Any) -> Prepared:
    return Prepared(
        message=message, message_id=uuid.uuid4(), language=language, template_version=template.version,
        template_code=template.code, recipient=recipient.value,
        recipient_masked=_MASKS[recipient.kind](recipient.value), contact_point_id=recipient.contact_point_id,
        subject=rendered.subject, body=rendered.body,
        subject_enc=(cipher.encrypt(rendered.subject, context=f"{MESSAGE_REST}.subject")
                     if rendered.subject else None),
        body_enc=cipher.encrypt(rendered.body, context=f"{MESSAGE_REST}.body"),
        opt_out_included=rendered.opt_out_included)


async def send(gateways: Gateways, prepared: Prepared) -> SendResult:
    """Hand the message to its channel's gateway (network I/O: call it outside any transaction)."""
    return await gateways.of(prepared.channel).send(prepared)


async def record_sent(uow: UnitOfWork, prepared: Prepared, result: SendResult) -> None:
    """The message row: what was sent (encrypted), to whom (masked), and the gateway's answer; receipts update it."""
    message, now = prepared.message, utcnow()
    uow.session.add(ChannelMessage(
        id=prepared.message_id, action_id=message.action_id, debt_id=message.debt_id,
        borrower_id=message.borrower_id, tenant=message.tenant, channel=message.channel, party=message.party,
        contact_point_id=prepared.contact_point_id, template_code=prepared.template_code,
        template_version=prepared.template_version, language=prepared.language, gateway=result.gateway,
        recipient_masked=prepared.recipient_masked, subject_enc=prepared.subject_enc, body_enc=prepared.body_enc,
        opt_out_included=prepared.opt_out_included, status=result.status,
        provider_message_id=result.provider_message_id, failure=result.failure, sent_at=now, updated_at=now))


def message_text(cipher: FieldCipher, row: ChannelMessage) -> str:
    """A stored message's body, for a supervisor's review or a data-subject export (never for logs)."""
    return cipher.decrypt(row.body_enc, context=f"{MESSAGE_REST}.body")
