"""Intake HTTP API: thin routes over service.py."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Response, status

from debtflow.common.auth import STAFF_ROLES, Actor, Role, require_roles
from debtflow.common.web import ReadSession, UnitOfWorks, service_router
from debtflow.intake import service
from debtflow.intake.schemas import DebtOut, DefaultIn

router = service_router(prefix="/v1", tags=["debts"])
Lender = Annotated[Actor, Depends(require_roles(Role.LENDER))]
Reader = Annotated[Actor, Depends(require_roles(Role.LENDER, *STAFF_ROLES))]


@router.post(
    "/defaults",
    status_code=status.HTTP_201_CREATED,
    summary="Register a defaulted loan",
    responses={200: {"model": DebtOut, "description": "The loan was already registered; the existing debt."}},
)
async def post_default(payload: DefaultIn, uow: UnitOfWorks, actor: Lender, response: Response) -> DebtOut:
    async with uow() as unit:
        debt, created = await service.register_default(unit, payload=payload, actor=actor)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/v1/debts/{debt.id}"
    return DebtOut.of(debt)


@router.get("/debts/{debt_id}", summary="A debt in the register")
async def get_debt(debt_id: uuid.UUID, session: ReadSession, actor: Reader) -> DebtOut:
    return DebtOut.of(await service.get_debt(session, debt_id, actor=actor))
