"""Contact restrictions over HTTP: any collector records one (it binds at once), supervisors lift them."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.events.intake import ExternalRef
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.restrictions import service
from debtflow.crm.restrictions.schemas import LiftIn, RestrictionIn, RestrictionOut

router = service_router(prefix="/v1", tags=["restrictions"])
Recorder = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR, Role.LEGAL))]
#: Lifting one means contacting a borrower who asked not to be: a supervisor's decision, with a reason.
Lifter = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]


@router.post("/borrowers/{borrower_id}/restrictions", status_code=201,
             summary="Record a contact restriction (in force at once)", responses=answers(404, 409))
async def record_restriction(borrower_id: ExternalRef, body: RestrictionIn, uow: UnitOfWorks, runtime: Runtime,
                             actor: Recorder, tenant: TenantParam = None) -> RestrictionOut:
    settings = runtime.settings
    async with uow() as unit:
        restriction = await service.record_restriction(unit, borrower_id, body, tenant=tenant, actor=actor,
                                                       today=settings.today(), cipher=settings.field_cipher,
                                                       notes=settings.notes_personal_data)
    return RestrictionOut(**service.restriction_view(restriction, settings.field_cipher, actor=actor))


@router.get("/borrowers/{borrower_id}/restrictions", summary="A borrower's contact restrictions, newest first",
            responses=answers(404, 409))
async def list_restrictions(borrower_id: ExternalRef, session: ReadSession, runtime: Runtime, actor: Staff,
                            tenant: TenantParam = None,
                            status: Literal["active", "lifted"] | None = None) -> list[RestrictionOut]:
    found = await service.restrictions_of(session, borrower_id, tenant=tenant, status=status)
    cipher = runtime.settings.field_cipher
    return [RestrictionOut(**service.restriction_view(row, cipher, actor=actor)) for row in found]


@router.get("/restrictions/{restriction_id}", summary="A contact restriction", responses=answers(404))
async def get_restriction(restriction_id: uuid.UUID, session: ReadSession, runtime: Runtime,
                          actor: Staff) -> RestrictionOut:
    restriction = await service.get_restriction(session, restriction_id)
    return RestrictionOut(**service.restriction_view(restriction, runtime.settings.field_cipher, actor=actor))


@router.post("/restrictions/{restriction_id}:lift", summary="Lift a contact restriction", responses=answers(404, 409))
async def lift_restriction(restriction_id: uuid.UUID, body: LiftIn, uow: UnitOfWorks, runtime: Runtime,
                           actor: Lifter) -> RestrictionOut:
    async with uow() as unit:
        restriction = await service.lift_restriction(unit, restriction_id, body, actor=actor,
                                                     today=runtime.settings.today())
    return RestrictionOut(**service.restriction_view(restriction, runtime.settings.field_cipher, actor=actor))
