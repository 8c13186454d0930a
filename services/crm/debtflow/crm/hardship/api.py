"""Hardship over HTTP: collectors record requests, supervisors decide them and end arrangements, staff read."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Query

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.dates import BusinessDate
from debtflow.common.events.intake import ExternalRef
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.hardship import service
from debtflow.crm.hardship.schemas import HardshipDecisionIn, HardshipEndIn, HardshipOut, HardshipRequestIn

router = service_router(prefix="/v1", tags=["hardship"])
Recorder = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR))]
Decider = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]


@router.post("/hardship-requests", status_code=201, summary="Record a borrower's hardship request",
             responses=answers(404))
async def request_hardship(body: HardshipRequestIn, uow: UnitOfWorks, runtime: Runtime,
                           actor: Recorder) -> HardshipOut:
    async with uow() as unit:
        hardship = await service.request_hardship(unit, body, actor=actor,
                                                  notes=runtime.settings.notes_personal_data)
    return HardshipOut.model_validate(hardship)


@router.post("/hardship-requests/{hardship_id}:decide", summary="Grant or decline a hardship request",
             responses=answers(404, 409))
async def decide_hardship(hardship_id: uuid.UUID, body: HardshipDecisionIn, uow: UnitOfWorks, runtime: Runtime,
                          actor: Decider) -> HardshipOut:
    async with uow() as unit:
        hardship = await service.decide_hardship(unit, hardship_id, body, actor=actor, today=runtime.settings.today())
    return HardshipOut.model_validate(hardship)


@router.post("/hardship-requests/{hardship_id}:end", summary="End a granted hardship arrangement",
             responses=answers(404, 409))
async def end_hardship(hardship_id: uuid.UUID, body: HardshipEndIn, uow: UnitOfWorks, runtime: Runtime,
                       actor: Decider) -> HardshipOut:
    async with uow() as unit:
        hardship = await service.end_hardship(unit, hardship_id, body, actor=actor, today=runtime.settings.today())
    return HardshipOut.model_validate(hardship)


@router.get("/hardship-requests/{hardship_id}", summary="A hardship request", responses=answers(404))
async def get_hardship(hardship_id: uuid.UUID, session: ReadSession, _: Staff) -> HardshipOut:
    return HardshipOut.model_validate(await service.get_hardship(session, hardship_id))


@router.get("/hardship-requests", summary="Hardship requests, newest first")
async def list_hardship(session: ReadSession, _: Staff, borrower_id: Annotated[ExternalRef | None, Query()] = None,
                        tenant: TenantParam = None,
                        status: Literal["requested", "granted", "declined", "ended"] | None = None,
                        review_due_by: Annotated[BusinessDate | None, Query(
                            description="Granted arrangements to review on or before this day.")] = None,
                        limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[HardshipOut]:
    found, next_cursor = await service.list_hardship(session, borrower_id=borrower_id, tenant=tenant, status=status,
                                                     review_due_by=review_due_by, limit=limit, after=after)
    return Page(items=[HardshipOut.model_validate(row) for row in found], next_cursor=next_cursor)
