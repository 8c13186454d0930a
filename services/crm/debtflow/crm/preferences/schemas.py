"""What the preferences and consent API takes and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.common.events import AllowedContactTime
from debtflow.common.events.collections import ContactChannel
from debtflow.common.text import SafeMultilineText
from debtflow.crm.disputes.schemas import DocumentRef, InboundChannel

#: What personal data is processed for, each needing its own consent or other legal basis (PIPL art. 13, 14, 23).
ConsentPurpose = Literal["collection_contact", "third_party_contact", "call_recording", "agency_referral",
                         "data_sharing", "marketing"]
#: PIPL art. 13's legal bases, in short: consent, a contract the borrower is party to, a legal duty, an emergency
#: about someone's life or health, news/public interest, data the person made public.
LegalBasis = Literal["consent", "contract", "legal_obligation", "vital_interest", "public_interest",
                     "published_data"]


class PreferencesIn(BaseModel):
    """The whole new state: what is omitted is cleared (PUT)."""

    model_config = ConfigDict(extra="forbid")

    preferred_channel: ContactChannel | None = None
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", max_length=16,
                                 description="BCP 47, e.g. zh-CN, en, yue.", examples=["zh-CN"])
    preferred_times: list[AllowedContactTime] = Field(default_factory=list, max_length=14)
    opted_out_channels: list[ContactChannel] = Field(default_factory=list, max_length=6,
                                                     description="Channels the borrower asked not to be used.")
    reason: SafeMultilineText | None = Field(None, max_length=2000)


class PreferencesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tenant: str
    borrower_id: str
    preferred_channel: str | None
    language: str | None
    preferred_times: list[AllowedContactTime]
    opted_out_channels: list[str]
    version: int
    updated_by: str
    updated_at: datetime


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: ConsentPurpose
    action: Literal["give", "withdraw"]
    legal_basis: LegalBasis = "consent"
    channel: InboundChannel
    evidence_ref: DocumentRef | None = Field(None, description="Where the signed form or the recording is kept.")


class ConsentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    borrower_id: str
    purpose: str
    legal_basis: str
    status: str
    channel: str
    evidence_ref: str | None
    recorded_by: str
    recorded_at: datetime


class ConsentsOut(BaseModel):
    """The borrower's current position per purpose (latest record of each), and every record, newest first."""

    current: list[ConsentOut]
    history: list[ConsentOut]
