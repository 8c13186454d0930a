"""Classification HTTP API."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from debtflow.common.auth import STAFF_ROLES, Actor, require_roles
from debtflow.common.web import ReadSession, service_router
from debtflow.classification import service
from debtflow.classification.schemas import ClassificationOut

router = service_router(prefix="/v1", tags=["classifications"])
Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]


@router.get("/classifications/{debt_id}", summary="A debt's current classification")
async def get_classification(debt_id: uuid.UUID, session: ReadSession, _: Staff) -> ClassificationOut:
    return ClassificationOut.model_validate(await service.get_classification(session, debt_id))
