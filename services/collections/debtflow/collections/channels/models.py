"""Channels' tables: the contact data replica (encrypted at rest), templates and their versions, the messages sent
(body encrypted, recipient masked) and the delivery receipts seen (for replay refusal)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from debtflow.collections.models import Base
from debtflow.common.db import BIG_ID, UTCDateTime


class ChannelBorrower(Base):
    """A borrower's name and listed phones, emails and address, from intake's borrower events; every value an
    AES-GCM token under `collections.borrower.<field>`, each listed value with its lookup hash."""

    __tablename__ = "channel_borrowers"
    __table_args__ = (UniqueConstraint("tenant", "borrower_id", name="uq_channel_borrowers_tenant_borrower"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    name_enc: Mapped[str | None] = mapped_column(Text)
    #: [{"kind": "phone", "value_enc": "v1:...", "lookup_hash": "..."}, ...] as intake last listed them.
    listed: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: intake's version last applied: an older event arriving late changes nothing.
    intake_version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelContactPoint(Base):
    """crm's contact point as its last revision described it; the value under `collections.contact_point.<kind>`."""

    __tablename__ = "channel_contact_points"
    __table_args__ = (Index("ix_channel_contact_points_tenant_borrower", "tenant", "borrower_id"),)

    contact_point_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    value_enc: Mapped[str] = mapped_column(Text)
    lookup_hash: Mapped[str] = mapped_column(String(64))
    belongs_to: Mapped[str] = mapped_column(String(16))
    relationship: Mapped[str | None] = mapped_column(String(32))
    verification: Mapped[str] = mapped_column(String(16))
    do_not_use: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    #: crm's revision last applied: revisions order the changes; an older one arriving late changes nothing.
    revision: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageTemplate(Base):
    """One version of a template; a change is a new version, never an overwrite. Version 0 is the built-in
    default (channels/defaults.py), never stored."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("code", "channel", "language", "tone", "audience", "version",
                                       name="uq_message_templates_version"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    tone: Mapped[str] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(16))  # borrower | third_party
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    placeholders: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChannelMessage(Base):
    """A message handed to a gateway: never its text or recipient in plain text (the body and subject are tokens
    under `collections.message.<part>`, the recipient masked); the status follows the delivery receipts."""

    __tablename__ = "channel_messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    action_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    debt_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(16))
    contact_point_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    template_code: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    gateway: Mapped[str] = mapped_column(String(16))
    recipient_masked: Mapped[str] = mapped_column(String(400))
    subject_enc: Mapped[str | None] = mapped_column(Text)
    body_enc: Mapped[str] = mapped_column(Text)
    opt_out_included: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))  # sent | failed | delivered | undelivered
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    failure: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryReceipt(Base):
    """A provider's delivery callback, kept by its receipt id: the same id twice is a replay and refused."""

    __tablename__ = "channel_receipts"
    __table_args__ = (UniqueConstraint("gateway", "receipt_id", name="uq_channel_receipts_receipt"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    gateway: Mapped[str] = mapped_column(String(16))
    receipt_id: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
