"""Complaints over HTTP: collectors, supervisors and legal record them, collectors and supervisors acknowledge
them, supervisors close them, staff read them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.clock import utcnow
from debtflow.common.events.intake import ExternalRef
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.complaints import service
from debtflow.crm.complaints.schemas import ComplaintIn, ComplaintOut, ComplaintResolutionIn, ComplaintStatus

router = service_router(prefix="/v1", tags=["complaints"])
Receiver = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR, Role.LEGAL))]
Acknowledger = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR))]
#: Closing a complaint decides whether we were at fault and why: a supervisor's call.
Resolver = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]


@router.post("/complaints", status_code=201, summary="Record a complaint: its deadlines start",
             responses=answers(404, 409))
async def receive_complaint(body: ComplaintIn, uow: UnitOfWorks, runtime: Runtime, actor: Receiver) -> ComplaintOut:
    settings = runtime.settings
    async with uow() as unit:
        complaint = await service.receive_complaint(
            unit, body, actor=actor, now=utcnow(), policy=service.deadline_policy(settings),
            pause_on_conduct=settings.complaint_pauses_collection, notes=settings.notes_personal_data)
    return ComplaintOut.model_validate(complaint)


@router.post("/complaints/{complaint_id}:acknowledge", summary="Acknowledge a complaint to the borrower",
             responses=answers(404, 409))
async def acknowledge_complaint(complaint_id: uuid.UUID, uow: UnitOfWorks, actor: Acknowledger) -> ComplaintOut:
    async with uow() as unit:
        complaint = await service.acknowledge_complaint(unit, complaint_id, actor=actor, now=utcnow())
    return ComplaintOut.model_validate(complaint)


@router.post("/complaints/{complaint_id}:resolve", summary="Close a complaint with its outcome and root cause",
             responses=answers(404, 409))
async def resolve_complaint(complaint_id: uuid.UUID, body: ComplaintResolutionIn, uow: UnitOfWorks,
                            runtime: Runtime, actor: Resolver) -> ComplaintOut:
    async with uow() as unit:
        complaint = await service.resolve_complaint(unit, complaint_id, body, actor=actor, now=utcnow(),
                                                    notes=runtime.settings.notes_personal_data)
    return ComplaintOut.model_validate(complaint)


@router.get("/complaints/{complaint_id}", summary="A complaint", responses=answers(404))
async def get_complaint(complaint_id: uuid.UUID, session: ReadSession, _: Staff) -> ComplaintOut:
    return ComplaintOut.model_validate(await service.get_complaint(session, complaint_id))


@router.get("/complaints", summary="Complaints, newest first")
async def list_complaints(session: ReadSession, _: Staff, borrower_id: Annotated[ExternalRef | None, Query()] = None,
                          tenant: TenantParam = None, status: ComplaintStatus | None = None,
                          overdue: Annotated[bool | None, Query(
                              description="true: past a deadline still unanswered; false: not.")] = None,
                          limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[ComplaintOut]:
    complaints, next_cursor = await service.list_complaints(
        session, borrower_id=borrower_id, tenant=tenant, status=status, overdue=overdue, now=utcnow(), limit=limit,
        after=after)
    return Page(items=[ComplaintOut.model_validate(complaint) for complaint in complaints], next_cursor=next_cursor)
