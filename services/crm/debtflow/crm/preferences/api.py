"""Preferences and consent over HTTP: collectors and supervisors record what the borrower says; staff read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.events.intake import ExternalRef
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.preferences import service
from debtflow.crm.preferences.schemas import ConsentIn, ConsentOut, ConsentsOut, PreferencesIn, PreferencesOut

router = service_router(prefix="/v1", tags=["preferences and consent"])
Recorder = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR))]


@router.put("/borrowers/{borrower_id}/preferences", summary="Replace the borrower's contact preferences",
            responses=answers(404, 409))
async def replace_preferences(borrower_id: ExternalRef, body: PreferencesIn, uow: UnitOfWorks, runtime: Runtime,
                              actor: Recorder, tenant: TenantParam = None) -> PreferencesOut:
    async with uow() as unit:
        preferences = await service.replace_preferences(unit, borrower_id, body, tenant=tenant, actor=actor,
                                                        notes=runtime.settings.notes_personal_data)
    return PreferencesOut.model_validate(preferences)


@router.get("/borrowers/{borrower_id}/preferences", summary="The borrower's contact preferences",
            responses=answers(404, 409))
async def get_preferences(borrower_id: ExternalRef, session: ReadSession, _: Staff,
                          tenant: TenantParam = None) -> PreferencesOut:
    return PreferencesOut.model_validate(await service.get_preferences(session, borrower_id, tenant=tenant))


@router.post("/borrowers/{borrower_id}/consents", status_code=201, summary="Record consent given or withdrawn",
             responses=answers(404, 409))
async def record_consent(borrower_id: ExternalRef, body: ConsentIn, uow: UnitOfWorks, actor: Recorder,
                         tenant: TenantParam = None) -> ConsentOut:
    async with uow() as unit:
        record = await service.record_consent(unit, borrower_id, body, tenant=tenant, actor=actor)
    return ConsentOut.model_validate(record)


@router.get("/borrowers/{borrower_id}/consents", summary="The borrower's consent per purpose, and its history",
            responses=answers(404, 409))
async def get_consents(borrower_id: ExternalRef, session: ReadSession, _: Staff,
                       tenant: TenantParam = None) -> ConsentsOut:
    current, history = await service.consents(session, borrower_id, tenant=tenant)
    return ConsentsOut(current=[ConsentOut.model_validate(row) for row in current],
                       history=[ConsentOut.model_validate(row) for row in history])
