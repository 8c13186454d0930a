"""Data-subject request use cases: gather every crm row about a borrower for an export (personal data opened through
each capability's own views), record an export or a correction request for audit, read a borrower's requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.logging import get_logger
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.pii import FieldCipher
from debtflow.common.problems import Forbidden, InvalidInput, field_error
from debtflow.crm.borrowers.models import BorrowerProfile
from debtflow.crm.borrowers.personal_data import PII_READ, profile_fields
from debtflow.crm.borrowers.repository import borrower_of
from debtflow.crm.circumstances.models import BorrowerCircumstance
from debtflow.crm.complaints.models import Complaint
from debtflow.crm.contact_points.models import ContactPoint, ContactPointRevision
from debtflow.crm.contact_points.service import contact_point_view, revision_views
from debtflow.crm.data_requests.models import DataSubjectRequest
from debtflow.crm.data_requests.schemas import CorrectionIn
from debtflow.crm.disputes.models import Dispute
from debtflow.crm.hardship.models import HardshipRequest
from debtflow.crm.interactions.models import Interaction
from debtflow.crm.preferences.models import ConsentRecord, ContactPreferences, PreferenceChange
from debtflow.crm.restrictions.models import ContactRestriction
from debtflow.crm.restrictions.service import restriction_view
from debtflow.crm.satisfaction.models import SatisfactionAnswer
from debtflow.crm.screening import NotesPolicy, screened
from debtflow.crm.timeline.models import TimelineEntry
from debtflow.crm.vulnerabilities.models import VulnerabilityFlag

log = get_logger(__name__)

#: The records a correction may name besides contact points (whose revisions it names), by kind.
RECORDS: dict[str, Any] = {
    "dispute": Dispute, "hardship_request": HardshipRequest, "contact_restriction": ContactRestriction,
    "circumstance": BorrowerCircumstance, "vulnerability": VulnerabilityFlag, "interaction": Interaction,
    "consent": ConsentRecord, "satisfaction_answer": SatisfactionAnswer, "complaint": Complaint,
}


async def exportable_borrower(session: AsyncSession, borrower_id: str, *, tenant: str | None,
                              actor: Actor) -> BorrowerProfile:
    """The borrower to export, if the caller may export. The borrower is looked up first: any staff member may
    read that a borrower exists (their profile), so a 404 before the 403 tells a supervisor nothing new."""
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    if not actor.can(PII_READ):
        raise Forbidden("an export discloses all of the borrower's personal data unmasked: it needs the "
                        f"`{PII_READ}` permission", slug="pii-read-required", permission=PII_READ)
    return profile


async def crm_records(session: AsyncSession, profile: BorrowerProfile, *, actor: Actor,
                      cipher: FieldCipher) -> dict[str, Any]:
    """Every row crm holds about the borrower, each opened by the view its capability answers with (unmasked:
    the caller holds pii:read). Unbounded on purpose: an export that stopped at a page would be incomplete."""
    tenant, borrower_id = profile.tenant, profile.borrower_id

    async def rows(model: Any, *order: Any) -> list[Any]:
        query = select(model).where(model.tenant == tenant, model.borrower_id == borrower_id)
        return list(await session.scalars(query.order_by(*order)))

    points = await rows(ContactPoint, ContactPoint.created_at, ContactPoint.id)
    revisions: dict[uuid.UUID, list[ContactPointRevision]] = {point.id: [] for point in points}
    if points:
        for revision in await session.scalars(select(ContactPointRevision).where(
                one_of(ContactPointRevision.contact_point_id, set(revisions)))
                .order_by(ContactPointRevision.contact_point_id, ContactPointRevision.revision)):
            revisions[revision.contact_point_id].append(revision)
    preferences = (await rows(ContactPreferences, ContactPreferences.id)) or [None]
    return {
        "profile": {"tenant": tenant, "borrower_id": borrower_id, "id_type": profile.id_type,
                    "region": profile.region, "timezone": profile.timezone,
                    **profile_fields(cipher, profile, unmasked=True), "intake_version": profile.intake_version,
                    "created_at": profile.created_at, "updated_at": profile.updated_at},
        "contact_points": [
            {**contact_point_view(cipher, point, unmasked=True),
             "revisions": revision_views(cipher, point, revisions[point.id], actor=actor)} for point in points],
        "preferences": preferences[0],
        "preference_changes": await rows(PreferenceChange, PreferenceChange.version, PreferenceChange.id),
        "consents": await rows(ConsentRecord, ConsentRecord.recorded_at, ConsentRecord.id),
        "interactions": await rows(Interaction, Interaction.occurred_at, Interaction.id),
        "disputes": await rows(Dispute, Dispute.opened_at, Dispute.id),
        "hardship_requests": await rows(HardshipRequest, HardshipRequest.requested_at, HardshipRequest.id),
        "restrictions": [restriction_view(row, cipher, actor=actor) for row in await rows(
            ContactRestriction, ContactRestriction.recorded_at, ContactRestriction.id)],
        "circumstances": await rows(BorrowerCircumstance, BorrowerCircumstance.recorded_at, BorrowerCircumstance.id),
        "vulnerabilities": await rows(VulnerabilityFlag, VulnerabilityFlag.recorded_at, VulnerabilityFlag.id),
        "satisfaction_answers": await rows(SatisfactionAnswer, SatisfactionAnswer.answered_at, SatisfactionAnswer.id),
        "complaints": await rows(Complaint, Complaint.received_at, Complaint.id),
        "timeline": await rows(TimelineEntry, TimelineEntry.occurred_at, TimelineEntry.id),
        "data_subject_requests": await rows(DataSubjectRequest, DataSubjectRequest.requested_at,
                                            DataSubjectRequest.id),
    }


async def record_export(uow: UnitOfWork, profile: BorrowerProfile, *, actor: Actor, channel: str,
                        reference: str | None, counts: dict[str, int], at: datetime) -> DataSubjectRequest:
    """The audit row of an export given (how many records of each kind went out, never what they said), and the
    log line that says who exported whom."""
    request = DataSubjectRequest(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, kind="export",
        requested_by=actor.identity, requested_at=at, recorded_at=at, channel=channel, reference=reference,
        detail={"records": counts}, status="completed", reason=None)
    uow.session.add(request)
    log.info("personal data exported", actor=actor.identity, borrower_id=profile.borrower_id,
             tenant=profile.tenant, request_id=str(request.id))
    return request


async def record_correction(uow: UnitOfWork, borrower_id: str, body: CorrectionIn, *, tenant: str | None,
                            actor: Actor, notes: NotesPolicy) -> DataSubjectRequest:
    """A correction request and how it was answered; what it names must be this borrower's (a typo must not put
    another borrower's record in this one's audit trail)."""
    session = uow.session
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    now = utcnow()
    requested_at = body.requested_at or now
    if requested_at > now:
        raise InvalidInput("requested_at is in the future", errors=[field_error(
            "requested_at", "not_in_future", "must not be later than now")])
    await _check_revisions(session, profile, body)
    await _check_records(session, profile, body)
    detail = {"fields": sorted(set(body.fields)),
              "contact_point_revisions": [{"contact_point_id": str(ref.contact_point_id), "revision": ref.revision}
                                          for ref in body.contact_point_revisions],
              "records": [{"kind": ref.kind, "id": str(ref.id)} for ref in body.records]}
    request = DataSubjectRequest(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, kind="correction",
        requested_by=actor.identity, requested_at=requested_at, recorded_at=now, channel=body.channel,
        reference=body.reference, detail=detail, status="completed" if body.outcome == "corrected" else "refused",
        reason=screened(body.reason, field="reason", policy=notes))
    session.add(request)
    log.info("data-subject correction recorded", actor=actor.identity, borrower_id=profile.borrower_id,
             tenant=profile.tenant, request_id=str(request.id), status=request.status)
    return request


async def _check_revisions(session: AsyncSession, profile: BorrowerProfile, body: CorrectionIn) -> None:
    wanted = body.contact_point_revisions
    if not wanted:
        return
    found = set((await session.execute(
        select(ContactPointRevision.contact_point_id, ContactPointRevision.revision)
        .join(ContactPoint, ContactPoint.id == ContactPointRevision.contact_point_id)
        .where(ContactPoint.tenant == profile.tenant, ContactPoint.borrower_id == profile.borrower_id,
               one_of(ContactPointRevision.contact_point_id, {ref.contact_point_id for ref in wanted})))).all())
    errors = [field_error(f"contact_point_revisions.{index}", "known_revision",
                          "must be a revision of one of this borrower's contact points")
              for index, ref in enumerate(wanted) if (ref.contact_point_id, ref.revision) not in found]
    if errors:
        raise InvalidInput("a contact point revision named is not one of this borrower's", errors=errors)


async def _check_records(session: AsyncSession, profile: BorrowerProfile, body: CorrectionIn) -> None:
    errors = []
    for kind in sorted({ref.kind for ref in body.records}):
        model = RECORDS[kind]
        ids = {ref.id for ref in body.records if ref.kind == kind}
        found = set(await session.scalars(select(model.id).where(
            model.tenant == profile.tenant, model.borrower_id == profile.borrower_id, one_of(model.id, ids))))
        errors += [field_error(f"records.{index}", "known_record", f"must be a {kind} of this borrower")
                   for index, ref in enumerate(body.records) if ref.kind == kind and ref.id not in found]
    if errors:
        raise InvalidInput("a record named is not one of this borrower's", errors=errors)


async def requests_page(session: AsyncSession, borrower_id: str, *, tenant: str | None, limit: int,
                        after: str | None) -> tuple[list[DataSubjectRequest], str | None]:
    """A borrower's exports and corrections, newest first, one keyset page."""
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    query = select(DataSubjectRequest).where(DataSubjectRequest.tenant == profile.tenant,
                                             DataSubjectRequest.borrower_id == profile.borrower_id)
    if after is not None:
        requested_at, last_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where(or_(DataSubjectRequest.requested_at < requested_at,
                                and_(DataSubjectRequest.requested_at == requested_at,
                                     DataSubjectRequest.id < last_id)))
    query = query.order_by(DataSubjectRequest.requested_at.desc(), DataSubjectRequest.id.desc()).limit(limit + 1)
    return page_of(list(await session.scalars(query)), limit, lambda row: (row.requested_at, row.id))
