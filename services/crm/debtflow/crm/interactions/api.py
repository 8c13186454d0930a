"""Interactions over HTTP: collectors and supervisors log contacts; staff read a borrower's."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.events.intake import ExternalRef
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.interactions import service
from debtflow.crm.interactions.schemas import InteractionIn, InteractionOut

router = service_router(prefix="/v1", tags=["interactions"])
Logger = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR, Role.LEGAL))]


@router.post("/borrowers/{borrower_id}/interactions", status_code=201, summary="Log a contact with the borrower",
             responses=answers(404, 409))
async def log_interaction(borrower_id: ExternalRef, body: InteractionIn, uow: UnitOfWorks, runtime: Runtime,
                          actor: Logger, tenant: TenantParam = None) -> InteractionOut:
    async with uow() as unit:
        interaction = await service.log_interaction(unit, borrower_id, body, tenant=tenant, actor=actor,
                                                    notes=runtime.settings.notes_personal_data)
    return InteractionOut.model_validate(interaction)


@router.get("/borrowers/{borrower_id}/interactions", summary="A borrower's logged contacts, newest first",
            responses=answers(404, 409))
async def list_interactions(borrower_id: ExternalRef, session: ReadSession, _: Staff, tenant: TenantParam = None,
                            limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[InteractionOut]:
    found, next_cursor = await service.interactions_page(session, borrower_id, tenant=tenant, limit=limit,
                                                         after=after)
    return Page(items=[InteractionOut.model_validate(row) for row in found], next_cursor=next_cursor)
