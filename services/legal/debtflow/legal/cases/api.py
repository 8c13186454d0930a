"""Legal HTTP API."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from debtflow.common.auth import Actor, Role, require_roles
from debtflow.common.web import ReadSession, service_router
from debtflow.legal.cases import service
from debtflow.legal.cases.schemas import LegalCaseOut

router = service_router(prefix="/v1", tags=["legal cases"])
LegalReader = Annotated[
    Actor, Depends(require_roles(Role.LEGAL, Role.COLLECTOR, Role.SUPERVISOR, Role.AUDITOR, Role.RISK, Role.ADMIN))
]


@router.get("/cases/{debt_id}", summary="The legal case of a debt")
async def get_case(debt_id: uuid.UUID, session: ReadSession, _: LegalReader) -> LegalCaseOut:
    return LegalCaseOut.model_validate(await service.get_case(session, debt_id))
