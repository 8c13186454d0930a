"""What the data-subject request API takes (a correction's outcome, ids only) and returns (the export document,
the audit records)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from debtflow.common.dates import Instant
from debtflow.common.events.intake import ExternalRef
from debtflow.common.text import SafeMultilineText
from debtflow.crm.circumstances.schemas import CircumstanceOut
from debtflow.crm.complaints.schemas import ComplaintOut
from debtflow.crm.contact_points.schemas import ContactPointOut, ContactPointRevisionOut
from debtflow.crm.disputes.schemas import DisputeOut, InboundChannel
from debtflow.crm.hardship.schemas import HardshipOut
from debtflow.crm.interactions.schemas import InteractionOut
from debtflow.crm.preferences.schemas import ConsentOut, PreferencesOut
from debtflow.crm.restrictions.schemas import RestrictionOut
from debtflow.crm.satisfaction.schemas import SatisfactionOut
from debtflow.crm.timeline.schemas import TimelineEntryOut
from debtflow.crm.vulnerabilities.schemas import VulnerabilityOut

EXPORT_FORMAT = "debtflow.data-subject-export.v1"
#: A field a correction changed, by name (`name`, `phones`, `contact_point.value`): never its value.
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.]*$")]
#: The crm records other than contact points a correction may have changed, by the kind an auditor reads.
RecordKind = Literal["dispute", "hardship_request", "contact_restriction", "circumstance", "vulnerability",
                     "interaction", "consent", "satisfaction_answer", "complaint"]


class ContactPointRevisionRef(BaseModel):
    """One revision a correction made (`PATCH /v1/contact-points/{id}` answers its number)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"contact_point_id": "0b6f9d0e-8a8f-4e61-9d55-3f3f0c9a1e21", "revision": 2}]})

    contact_point_id: uuid.UUID
    revision: int = Field(ge=1, le=1_000_000)


class RecordRef(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "dispute", "id": "5d0c1f7e-2b9a-4c3e-8f61-7a2d9e4b1c08"}]})

    kind: RecordKind
    id: uuid.UUID


class CorrectionIn(BaseModel):
    """A borrower's request to correct their data, as it was answered: corrected (name what changed: the fields,
    the contact point revisions the correction made, other records' ids) or refused (say why). Ids and names
    only: the corrected values live in their records, encrypted."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"channel": "letter", "reference": "DSR-2026-0042", "outcome": "corrected", "fields": ["phone"],
         "contact_point_revisions": [{"contact_point_id": "0b6f9d0e-8a8f-4e61-9d55-3f3f0c9a1e21", "revision": 2}]}]})

    channel: InboundChannel
    reference: ExternalRef | None = Field(None, description="The request's reference number, if it has one.")
    requested_at: Instant | None = Field(None, description="When the borrower asked (default now).")
    outcome: Literal["corrected", "refused"]
    fields: list[FieldName] = Field(default_factory=list, max_length=50,
                                    description="The names of the fields corrected, never their values.")
    contact_point_revisions: list[ContactPointRevisionRef] = Field(default_factory=list, max_length=100)
    records: list[RecordRef] = Field(default_factory=list, max_length=100,
                                     description="Other crm records the correction changed.")
    reason: SafeMultilineText | None = Field(None, min_length=3, max_length=2000,
                                             description="Required when refused: why (told to the borrower).")

    @model_validator(mode="after")
    def _outcome_matches(self) -> CorrectionIn:
        changed = self.fields or self.contact_point_revisions or self.records
        if self.outcome == "refused":
            if self.reason is None:
                raise ValueError("a refused correction says why (reason)")
            if changed:
                raise ValueError("a refused correction changed nothing: name no fields, revisions or records")
        elif not changed:
            raise ValueError("a correction names what it corrected: fields, contact_point_revisions or records")
        return self


class DataSubjectRequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant: str
    borrower_id: str
    kind: str
    requested_by: str
    requested_at: datetime
    recorded_at: datetime
    channel: str
    reference: str | None
    detail: dict[str, Any] | None
    status: str
    reason: str | None


class ExportedProfile(BaseModel):
    tenant: str
    borrower_id: str
    name: str | None
    id_type: str | None
    id_number: str | None
    date_of_birth: str | None
    region: str | None
    timezone: str | None
    intake_version: int
    created_at: datetime
    updated_at: datetime


class ExportedContactPoint(ContactPointOut):
    """A contact point as it stands, with every revision it went through (oldest first)."""

    revisions: list[ContactPointRevisionOut]


class PreferenceChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    preferences: dict[str, Any]
    reason: str | None
    changed_by: str
    changed_at: datetime


class CrmExport(BaseModel):
    """Every row crm holds about the borrower, personal data decrypted."""

    profile: ExportedProfile
    contact_points: list[ExportedContactPoint]
    preferences: PreferencesOut | None
    preference_changes: list[PreferenceChangeOut]
    consents: list[ConsentOut]
    interactions: list[InteractionOut]
    disputes: list[DisputeOut]
    hardship_requests: list[HardshipOut]
    restrictions: list[RestrictionOut]
    circumstances: list[CircumstanceOut]
    vulnerabilities: list[VulnerabilityOut]
    satisfaction_answers: list[SatisfactionOut]
    complaints: list[ComplaintOut]
    timeline: list[TimelineEntryOut]
    data_subject_requests: list[DataSubjectRequestOut]


class IntakeDebtExport(BaseModel):
    debt: dict[str, Any]
    history: list[dict[str, Any]]
    payments: list[dict[str, Any]]


class IntakeExport(BaseModel):
    """What intake answered, as it answered it (its own documents: `GET /v1/borrowers/{id}`, `/v1/debts`, each
    debt's history and payments, the erasures)."""

    borrower: dict[str, Any]
    debts: list[IntakeDebtExport]
    erasures: list[dict[str, Any]]


class DataSubjectExport(BaseModel):
    """Everything crm and intake hold about one borrower, machine-readable, unmasked (PIPL art. 45: a copy of
    one's personal information; art. 45 para. 3: in a form another handler can take over)."""

    format: Literal["debtflow.data-subject-export.v1"] = EXPORT_FORMAT
    generated_at: datetime
    tenant: str
    borrower_id: str
    request_id: uuid.UUID
    crm: CrmExport
    intake: IntakeExport
