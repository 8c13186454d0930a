"""Disputes over HTTP: collectors open them, supervisors and legal resolve them, staff read them."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Depends, Query

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.events.intake import ExternalRef
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.disputes import service
from debtflow.crm.disputes.schemas import DisputeIn, DisputeOut, DisputeResolutionIn

router = service_router(prefix="/v1", tags=["disputes"])
Opener = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR, Role.LEGAL))]
#: Upholding or rejecting a dispute is a decision about the debt: a supervisor's, or legal's (ownership, fraud).
Resolver = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR, Role.LEGAL))]


@router.post("/disputes", status_code=201, summary="Open a dispute: collection and the clock stop",
             responses=answers(404, 409))
async def open_dispute(body: DisputeIn, uow: UnitOfWorks, runtime: Runtime, actor: Opener) -> DisputeOut:
    async with uow() as unit:
        dispute = await service.open_dispute(unit, body, actor=actor, today=runtime.settings.today(),
                                             notes=runtime.settings.notes_personal_data)
    return DisputeOut.model_validate(dispute)


@router.post("/disputes/{dispute_id}:resolve", summary="Resolve a dispute: collection and the clock run again",
             responses=answers(404, 409))
async def resolve_dispute(dispute_id: uuid.UUID, body: DisputeResolutionIn, uow: UnitOfWorks, runtime: Runtime,
                          actor: Resolver) -> DisputeOut:
    async with uow() as unit:
        dispute = await service.resolve_dispute(unit, dispute_id, body, actor=actor, today=runtime.settings.today())
    return DisputeOut.model_validate(dispute)


@router.get("/disputes/{dispute_id}", summary="A dispute", responses=answers(404))
async def get_dispute(dispute_id: uuid.UUID, session: ReadSession, _: Staff) -> DisputeOut:
    return DisputeOut.model_validate(await service.get_dispute(session, dispute_id))


@router.get("/disputes", summary="Disputes, newest first")
async def list_disputes(session: ReadSession, _: Staff, borrower_id: Annotated[ExternalRef | None, Query()] = None,
                        tenant: TenantParam = None, status: Literal["open", "resolved"] | None = None,
                        limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[DisputeOut]:
    disputes, next_cursor = await service.list_disputes(session, borrower_id=borrower_id, tenant=tenant,
                                                        status=status, limit=limit, after=after)
    return Page(items=[DisputeOut.model_validate(dispute) for dispute in disputes], next_cursor=next_cursor)
