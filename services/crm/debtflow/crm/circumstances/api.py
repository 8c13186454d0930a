"""Borrower circumstances over HTTP: staff record them with their proof; supervisors withdraw them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.events.intake import ExternalRef
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.circumstances import service
from debtflow.crm.circumstances.schemas import CircumstanceIn, CircumstanceOut, WithdrawalIn

router = service_router(prefix="/v1", tags=["circumstances"])
Recorder = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR, Role.LEGAL))]
#: Taking a deceased or bankrupt flag off restarts collection: a supervisor's decision.
Withdrawer = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]


@router.post("/borrowers/{borrower_id}/circumstances", status_code=201,
             summary="Record a circumstance (deceased, bankrupt, incarcerated, fraud) with its proof",
             responses=answers(404, 409))
async def record_circumstance(borrower_id: ExternalRef, body: CircumstanceIn, uow: UnitOfWorks, runtime: Runtime,
                              actor: Recorder, tenant: TenantParam = None) -> CircumstanceOut:
    async with uow() as unit:
        circumstance = await service.record_circumstance(unit, borrower_id, body, tenant=tenant, actor=actor,
                                                         today=runtime.settings.today(),
                                                         notes=runtime.settings.notes_personal_data)
    return CircumstanceOut.model_validate(circumstance)


@router.get("/borrowers/{borrower_id}/circumstances", summary="A borrower's circumstances, newest first",
            responses=answers(404, 409))
async def list_circumstances(borrower_id: ExternalRef, session: ReadSession, _: Staff,
                             tenant: TenantParam = None) -> list[CircumstanceOut]:
    found = await service.circumstances_of(session, borrower_id, tenant=tenant)
    return [CircumstanceOut.model_validate(row) for row in found]


@router.post("/circumstances/{circumstance_id}:withdraw", summary="Withdraw a circumstance",
             responses=answers(404, 409))
async def withdraw_circumstance(circumstance_id: uuid.UUID, body: WithdrawalIn, uow: UnitOfWorks, runtime: Runtime,
                                actor: Withdrawer) -> CircumstanceOut:
    async with uow() as unit:
        circumstance = await service.withdraw_circumstance(unit, circumstance_id, body, actor=actor,
                                                           today=runtime.settings.today())
    return CircumstanceOut.model_validate(circumstance)
