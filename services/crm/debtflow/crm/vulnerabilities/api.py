"""Vulnerability flags over HTTP: any collector flags a borrower; a supervisor removes a flag; staff read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.events.intake import ExternalRef
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.vulnerabilities import service
from debtflow.crm.vulnerabilities.schemas import RemovalIn, VulnerabilityIn, VulnerabilityOut

router = service_router(prefix="/v1", tags=["vulnerability"])
Recorder = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR, Role.LEGAL))]
Remover = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]


@router.post("/borrowers/{borrower_id}/vulnerabilities", status_code=201,
             summary="Flag the borrower as vulnerable (routes them to a specialist team)", responses=answers(404, 409))
async def flag_vulnerability(borrower_id: ExternalRef, body: VulnerabilityIn, uow: UnitOfWorks, runtime: Runtime,
                             actor: Recorder, tenant: TenantParam = None) -> VulnerabilityOut:
    settings = runtime.settings
    async with uow() as unit:
        flag = await service.flag_vulnerability(unit, borrower_id, body, tenant=tenant, actor=actor,
                                                teams=settings.vulnerability_teams,
                                                notes=settings.notes_personal_data)
    return VulnerabilityOut.model_validate(flag)


@router.get("/borrowers/{borrower_id}/vulnerabilities", summary="A borrower's vulnerability flags, newest first",
            responses=answers(404, 409))
async def list_vulnerabilities(borrower_id: ExternalRef, session: ReadSession, _: Staff,
                               tenant: TenantParam = None) -> list[VulnerabilityOut]:
    found = await service.vulnerabilities_of(session, borrower_id, tenant=tenant)
    return [VulnerabilityOut.model_validate(row) for row in found]


@router.post("/vulnerabilities/{vulnerability_id}:remove", summary="Remove a vulnerability flag",
             responses=answers(404, 409))
async def remove_vulnerability(vulnerability_id: uuid.UUID, body: RemovalIn, uow: UnitOfWorks,
                               actor: Remover) -> VulnerabilityOut:
    async with uow() as unit:
        flag = await service.remove_vulnerability(unit, vulnerability_id, body, actor=actor)
    return VulnerabilityOut.model_validate(flag)
