"""What the templates and receipts API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.text import SafeMultilineText, SafeText

Channel = Literal["sms", "email", "robo_call", "letter"]
Language = Literal["zh", "en"]
Tone = Literal["reminder", "firm", "final_notice"]


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "code": "m1.reminder", "channel": "sms", "language": "en", "tone": "reminder", "audience": "borrower",
        "body": "Hello ${borrower_name}, ${amount_due} ${currency} is overdue. Ref ${payment_reference}."}]})

    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$",
                      description="The template's code, as strategy steps name it.", examples=["m1.reminder"])
    channel: Channel
    language: Language
    tone: Tone
    audience: Literal["borrower", "third_party"] = Field(
        "borrower", description="`third_party`: the neutral variant a third party gets; it may use only "
        "borrower_name, agent_name and opt_out_text.")
    subject: SafeText | None = Field(None, max_length=200, description="Required for email.")
    body: SafeMultilineText = Field(min_length=1, max_length=4000, description="Text with ${placeholder}s "
                                    "from the whitelist; a literal dollar sign is $$.")


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    channel: str
    language: str
    tone: str
    audience: str
    version: int = Field(description="0 is the built-in default; each POST adds the next version.")
    subject: str | None
    body: str
    created_by: str
    created_at: datetime | None


class TemplateVersionsOut(BaseModel):
    code: str
    versions: list[TemplateOut]


class ReceiptIn(BaseModel):
    """A provider's delivery callback: our `message_id` (from the webhook POST), the provider's unique receipt id."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "receipt_id": "rcpt-0001", "message_id": "6f1c2a9e-3a43-4d7b-9d0e-2b8f5f2c1a10", "status": "delivered"}]})

    receipt_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    message_id: uuid.UUID
    status: Literal["delivered", "failed", "undelivered"]
    reason: str | None = Field(None, max_length=200, pattern=r"^[A-Za-z0-9 ._:-]*$",
                               description="The provider's failure code, if any.")


class ReceiptOut(BaseModel):
    message_id: uuid.UUID
    status: str
