"""Complaint use cases: receive one (deadlines from the configured policy; a conduct complaint may pause
collection), acknowledge it, resolve it with outcome and root cause, escalate those past a deadline, read."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor, normalise_identity
from debtflow.common.db import UnitOfWork, UnitOfWorkFactory
from debtflow.common.events import (
    ComplaintAcknowledged,
    ComplaintEscalated,
    ComplaintReceived,
    ComplaintResolved,
)
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Forbidden, InvalidInput, NotFound, field_error
from debtflow.crm.borrowers.repository import borrower_of, check_debt_of
from debtflow.crm.checks import require_state
from debtflow.crm.complaints import rules
from debtflow.crm.complaints.models import Complaint
from debtflow.crm.complaints.schemas import ComplaintIn, ComplaintResolutionIn
from debtflow.crm.screening import NotesPolicy, screened
from debtflow.crm.settings import CrmSettings

OPEN_STATES = ("received", "acknowledged", "escalated")
#: Complaints escalated per transaction by the background check: small enough to hold few locks for long.
ESCALATION_CHUNK = 200


def deadline_policy(settings: CrmSettings) -> rules.DeadlinePolicy:
    """The complaint deadlines the settings configure, as the rules take them."""
    return rules.DeadlinePolicy(
        acknowledge_business_days=settings.complaint_acknowledge_business_days,
        resolve_days=settings.complaint_resolve_days, resolve_unit=settings.complaint_resolve_unit,
        holidays=frozenset(settings.business_holidays), zone=ZoneInfo(settings.business_timezone))


async def receive_complaint(uow: UnitOfWork, request: ComplaintIn, *, actor: Actor, now: datetime,
                            policy: rules.DeadlinePolicy, pause_on_conduct: bool, notes: NotesPolicy) -> Complaint:
    """Record the complaint with its deadlines and announce it: collections holds a conduct complaint's debt."""
    profile = await borrower_of(uow.session, request.borrower_id, tenant=request.tenant, lock=True)
    await check_debt_of(uow.session, profile, request.debt_id)
    received_at = _received_at(request.received_at, now)
    due = rules.deadlines(received_at, policy)
    complaint = Complaint(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, debt_id=request.debt_id,
        channel=request.channel, category=request.category, severity=request.severity,
        subject_kind=request.subject_kind, subject_ref=_subject_ref(request),
        description=screened(request.description, field="description", policy=notes), status="received",
        pauses_collection=rules.pauses_collection(request.category, setting=pause_on_conduct),
        received_at=received_at, received_by=actor.identity, acknowledge_by=due.acknowledge_by,
        resolve_by=due.resolve_by, escalation_level=0)
    uow.session.add(complaint)
    uow.emit(ComplaintReceived(
        debt_id=complaint.debt_id, borrower_id=complaint.borrower_id, complaint_id=complaint.id,
        category=request.category, severity=request.severity, subject_kind=request.subject_kind,
        pauses_collection=complaint.pauses_collection, acknowledge_by=due.acknowledge_by, resolve_by=due.resolve_by,
        received_at=received_at), tenant=complaint.tenant)
    return complaint


async def acknowledge_complaint(uow: UnitOfWork, complaint_id: uuid.UUID, *, actor: Actor,
                                now: datetime) -> Complaint:
    """Tell the borrower it is being handled. Late is still better than never: an escalated one may be."""
    complaint = await _locked(uow.session, complaint_id)
    # Once acknowledged, nothing is acknowledgeable any more, whatever the state (an escalated one included).
    allowed = ("received",) if complaint.acknowledged_at is not None else ("received", "escalated")
    require_state(complaint.status, allowed, what=f"complaint {complaint_id}", move="acknowledge")
    _not_about_themselves(complaint, actor, "acknowledges")
    complaint.acknowledged_at, complaint.acknowledged_by = now, actor.identity
    # Acknowledging answers a missed acknowledgement, not a missed resolution.
    complaint.status = "escalated" if complaint.resolution_escalated_at is not None else "acknowledged"
    uow.emit(ComplaintAcknowledged(debt_id=complaint.debt_id, borrower_id=complaint.borrower_id,
                                   complaint_id=complaint.id, late=now > complaint.acknowledge_by,
                                   acknowledged_at=now), tenant=complaint.tenant)
    return complaint


async def resolve_complaint(uow: UnitOfWork, complaint_id: uuid.UUID, resolution: ComplaintResolutionIn, *,
                            actor: Actor, now: datetime, notes: NotesPolicy) -> Complaint:
    """Close it with the outcome and root cause; a pause it held ends. Only an acknowledged complaint: the borrower
    is told it is being handled before they are told the answer."""
    complaint = await _locked(uow.session, complaint_id)
    allowed = ("acknowledged", "escalated") if complaint.acknowledged_at is not None else ("acknowledged",)
    require_state(complaint.status, allowed, what=f"complaint {complaint_id}", move="resolve")
    _not_about_themselves(complaint, actor, "resolves")
    if (problem := rules.root_cause_problem(resolution.outcome, resolution.root_cause)) is not None:
        raise InvalidInput(problem, errors=[field_error("root_cause", "fault_found", problem)])
    complaint.status, complaint.outcome, complaint.root_cause = "resolved", resolution.outcome, resolution.root_cause
    complaint.resolution = screened(resolution.resolution, field="resolution", policy=notes)
    complaint.resolved_at, complaint.resolved_by = now, actor.identity
    uow.emit(ComplaintResolved(debt_id=complaint.debt_id, borrower_id=complaint.borrower_id,
                               complaint_id=complaint.id, outcome=resolution.outcome,
                               root_cause=resolution.root_cause, collection_may_resume=complaint.pauses_collection,
                               late=now > complaint.resolve_by, resolved_at=now), tenant=complaint.tenant)
    return complaint


async def escalate_overdue(uow: UnitOfWorkFactory, *, now: datetime, chunk_size: int = ESCALATION_CHUNK) -> int:
    """Escalate every open complaint past a deadline not escalated yet, once per missed deadline; chunk by chunk,
    each in its own transaction. Safe with several replicas: a chunk's rows are locked with SKIP LOCKED, so
    another replica (or a user acknowledging one) takes other rows, and a row escalated is never chosen again.
    Returns the escalations made."""
    escalations = 0
    while True:
        async with uow() as unit:
            overdue = list(await unit.session.scalars(
                select(Complaint).where(_needs_escalation(now)).order_by(Complaint.acknowledge_by, Complaint.id)
                .limit(chunk_size).with_for_update(skip_locked=True)))
            for complaint in overdue:
                escalations += _escalate(unit, complaint, now)
        if len(overdue) < chunk_size:
            return escalations


def _needs_escalation(now: datetime) -> object:
    acknowledgement = and_(Complaint.acknowledged_at.is_(None), Complaint.acknowledgement_escalated_at.is_(None),
                           Complaint.acknowledge_by < now)
    resolution = and_(Complaint.resolution_escalated_at.is_(None), Complaint.resolve_by < now)
    return and_(Complaint.status.in_(OPEN_STATES), or_(acknowledgement, resolution))


def _escalate(uow: UnitOfWork, complaint: Complaint, now: datetime) -> int:
    missed = rules.missed_deadlines(
        now=now, acknowledge_by=complaint.acknowledge_by, resolve_by=complaint.resolve_by,
        acknowledged=complaint.acknowledged_at is not None, resolved=complaint.status == "resolved",
        acknowledgement_escalated=complaint.acknowledgement_escalated_at is not None,
        resolution_escalated=complaint.resolution_escalated_at is not None)
    for deadline_missed in missed:
        complaint.escalation_level += 1
        if deadline_missed == "acknowledgement":
            complaint.acknowledgement_escalated_at, deadline = now, complaint.acknowledge_by
        else:
            complaint.resolution_escalated_at, deadline = now, complaint.resolve_by
        uow.emit(ComplaintEscalated(debt_id=complaint.debt_id, borrower_id=complaint.borrower_id,
                                    complaint_id=complaint.id, missed=deadline_missed, deadline=deadline,
                                    escalation_level=complaint.escalation_level, severity=complaint.severity,  # type: ignore[arg-type]
                                    escalated_at=now), tenant=complaint.tenant)
    if missed:
        complaint.status, complaint.escalated_at = "escalated", now
    return len(missed)


async def get_complaint(session: AsyncSession, complaint_id: uuid.UUID) -> Complaint:
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"no complaint {complaint_id}")
    return complaint


async def list_complaints(session: AsyncSession, *, borrower_id: str | None, tenant: str | None,
                          status: str | None, overdue: bool | None, now: datetime, limit: int,
                          after: str | None) -> tuple[list[Complaint], str | None]:
    """Newest first, one keyset page; filtered by borrower (within a tenant when named), status, and whether it
    is past a deadline still unanswered at `now`."""
    query = select(Complaint)
    if borrower_id is not None:
        query = query.where(Complaint.borrower_id == borrower_id)
    if tenant is not None:
        query = query.where(Complaint.tenant == tenant)
    if status is not None:
        query = query.where(Complaint.status == status)
    if overdue is not None:
        past = and_(Complaint.status != "resolved", or_(
            and_(Complaint.acknowledged_at.is_(None), Complaint.acknowledge_by < now), Complaint.resolve_by < now))
        query = query.where(past if overdue else not_(past))
    if after is not None:
        received_at, last_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where(or_(Complaint.received_at < received_at,
                                and_(Complaint.received_at == received_at, Complaint.id < last_id)))
    rows = list(await session.scalars(query.order_by(Complaint.received_at.desc(), Complaint.id.desc())
                                      .limit(limit + 1)))
    return page_of(rows, limit, lambda complaint: (complaint.received_at, complaint.id))


async def _locked(session: AsyncSession, complaint_id: uuid.UUID) -> Complaint:
    complaint = (await session.scalars(select(Complaint).where(Complaint.id == complaint_id)
                                       .with_for_update())).first()
    if complaint is None:
        raise NotFound(f"no complaint {complaint_id}")
    return complaint


def _received_at(given: datetime | None, now: datetime) -> datetime:
    """When it reached us: now, or earlier (a letter opened today); never later."""
    if given is None:
        return now
    if given > now:
        raise InvalidInput("received_at is in the future", errors=[field_error(
            "received_at", "not_in_future", f"must be at or before {now.isoformat()}")])
    return given


def _subject_ref(request: ComplaintIn) -> str | None:
    """Who is complained about, as crm compares people: a collector by their normal identity. Never personal data:
    a phone number typed as the reference is refused."""
    if request.subject_ref is None:
        if request.subject_kind in ("collector", "agency"):
            raise InvalidInput(f"a complaint about a {request.subject_kind} names it", errors=[field_error(
                "subject_ref", "required", f"required when subject_kind is {request.subject_kind}")])
        return None
    reference = screened(request.subject_ref, field="subject_ref", policy="refuse")
    return normalise_identity(reference) if request.subject_kind == "collector" else reference  # type: ignore[arg-type]


def _not_about_themselves(complaint: Complaint, actor: Actor, move: str) -> None:
    """The collector complained about does not answer the complaint about them."""
    if complaint.subject_kind == "collector" and complaint.subject_ref == actor.identity:
        raise Forbidden(f"the collector a complaint is about never {move} it", slug="four-eyes")
