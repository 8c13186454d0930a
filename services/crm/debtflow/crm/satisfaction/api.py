"""Satisfaction over HTTP: staff record a borrower's survey answer; supervisors, risk and auditors read scores."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query

from debtflow.common.auth import Actor, Role, require_roles
from debtflow.common.events.intake import ExternalRef
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.crm.satisfaction import service
from debtflow.crm.satisfaction.schemas import (
    SatisfactionIn,
    SatisfactionOut,
    SatisfactionReport,
    SatisfactionScore,
)

router = service_router(prefix="/v1", tags=["satisfaction"])
Recorder = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR))]
#: Scores per collector are performance data about staff: for those who manage and audit them.
Reader = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR, Role.RISK, Role.AUDITOR, Role.ADMIN))]
Month = Annotated[str | None, Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="`YYYY-MM`, inclusive.")]


@router.post("/borrowers/{borrower_id}/satisfaction", status_code=201,
             summary="Record the borrower's satisfaction with a resolved contact (CSAT 1-5)",
             responses=answers(404, 409))
async def record_answer(borrower_id: ExternalRef, body: SatisfactionIn, uow: UnitOfWorks, runtime: Runtime,
                        actor: Recorder, tenant: TenantParam = None) -> SatisfactionOut:
    settings = runtime.settings
    async with uow() as unit:
        answer = await service.record_answer(unit, borrower_id, body, tenant=tenant, actor=actor,
                                             today=settings.today(), notes=settings.notes_personal_data)
    return SatisfactionOut.model_validate(answer)


@router.get("/satisfaction", summary="Satisfaction scores per collector, agency, strategy or month")
async def satisfaction_scores(session: ReadSession, _: Reader,
                              group_by: Literal["collector", "agency", "strategy", "month"] = "month",
                              tenant: TenantParam = None, month_from: Month = None,
                              month_to: Month = None) -> SatisfactionReport:
    rows = await service.scores(session, group_by=group_by, tenant=tenant, month_from=month_from, month_to=month_to)
    return SatisfactionReport(group_by=group_by, tenant=tenant, month_from=month_from, month_to=month_to,
                              scores=[SatisfactionScore(**row) for row in rows])
