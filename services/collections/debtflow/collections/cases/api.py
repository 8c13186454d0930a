"""Collection cases over HTTP: read a case, escalate it to legal."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from debtflow.collections.cases import service
from debtflow.collections.cases.schemas import CaseOut, EscalationIn, PlannedActionOut
from debtflow.common.auth import STAFF_ROLES, Actor, Role, require_roles
from debtflow.common.web import ReadSession, UnitOfWorks, answers, service_router

router = service_router(prefix="/v1", tags=["cases"])
Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]
Escalator = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR))]


@router.get("/cases/{debt_id}", summary="A debt's collection case")
async def get_case(debt_id: uuid.UUID, session: ReadSession, _: Staff) -> CaseOut:
    return CaseOut.model_validate(await service.get_case(session, debt_id))


@router.post("/cases/{debt_id}:escalate", summary="Hand the case over to legal", responses=answers(409))
async def escalate(debt_id: uuid.UUID, body: EscalationIn, uow: UnitOfWorks, actor: Escalator) -> CaseOut:
    async with uow() as unit:
        case = await service.escalate_to_legal(unit, debt_id=debt_id, reason_code=body.reason_code, actor=actor)
    return CaseOut.model_validate(case)


@router.get("/cases/{debt_id}/actions", summary="The steps planned and carried out for a debt, newest first",
            responses=answers(404))
async def case_actions(debt_id: uuid.UUID, session: ReadSession, _: Staff) -> list[PlannedActionOut]:
    return [PlannedActionOut.model_validate(action) for action in await service.actions_of(session, debt_id)]
