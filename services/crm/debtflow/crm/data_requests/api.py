"""Data-subject requests over HTTP: a supervisor with `pii:read` exports everything crm and intake hold about a
borrower (one JSON document, the export recorded), records a correction request's outcome; staff read the record."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.clock import utcnow
from debtflow.common.events.intake import ExternalRef
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.common.web.openapi import problem_answer
from debtflow.crm.data_requests import service
from debtflow.crm.data_requests.intake_client import IntakeClient
from debtflow.crm.data_requests.schemas import (
    CorrectionIn,
    CrmExport,
    DataSubjectExport,
    DataSubjectRequestOut,
    IntakeExport,
)
from debtflow.crm.disputes.schemas import InboundChannel

router = service_router(prefix="/v1", tags=["data-subject requests"])
#: Answering a data-subject request discloses or changes everything about a person: a supervisor's task.
Supervisor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
INTAKE_FAILED = problem_answer(502, "intake answered an error or could not be reached; `failed` names the request "
                               "(no partial export is given)")


@router.get("/borrowers/{borrower_id}:export", summary="Everything crm and intake hold about a borrower, unmasked, "
            "as one JSON document (needs `pii:read`; recorded)",
            responses={**answers(404, 409), 502: INTAKE_FAILED})
async def export_borrower(
    borrower_id: ExternalRef, request: Request, response: Response, uow: UnitOfWorks, runtime: Runtime,
    actor: Supervisor,
    channel: Annotated[InboundChannel, Query(description="How the borrower asked for their data.")],
    tenant: TenantParam = None,
    reference: Annotated[ExternalRef | None, Query(description="The request's reference number.")] = None,
) -> DataSubjectExport:
    settings = runtime.settings
    async with uow() as unit:
        profile = await service.exportable_borrower(unit.session, borrower_id, tenant=tenant, actor=actor)
        crm = CrmExport.model_validate(await service.crm_records(unit.session, profile, actor=actor,
                                                                 cipher=settings.field_cipher),
                                       from_attributes=True)
    # Outside any transaction: intake may take up to its timeout, and no row of crm's waits on it.
    intake_client = IntakeClient(settings.intake_url, settings.intake_timeout_seconds,
                                 request.headers.get("authorization"))
    intake = IntakeExport.model_validate(await intake_client.borrower_records(profile.borrower_id,
                                                                              tenant=profile.tenant))
    generated_at = utcnow()
    counts = {**{f"crm.{name}": len(rows) for name, rows in crm if isinstance(rows, list)},
              "intake.debts": len(intake.debts), "intake.erasures": len(intake.erasures)}
    async with uow() as unit:
        recorded = await service.record_export(unit, profile, actor=actor, channel=channel, reference=reference,
                                               counts=counts, at=generated_at)
    response.headers["Content-Disposition"] = f'attachment; filename="borrower-{profile.borrower_id}-export.json"'
    return DataSubjectExport(generated_at=generated_at, tenant=profile.tenant, borrower_id=profile.borrower_id,
                             request_id=recorded.id, crm=crm, intake=intake)


@router.post("/borrowers/{borrower_id}/data-subject-requests", status_code=201, summary="Record a correction "
             "request and its outcome (ids and field names only)", responses=answers(404, 409))
async def record_correction(borrower_id: ExternalRef, body: CorrectionIn, uow: UnitOfWorks, runtime: Runtime,
                            actor: Supervisor, tenant: TenantParam = None) -> DataSubjectRequestOut:
    async with uow() as unit:
        recorded = await service.record_correction(unit, borrower_id, body, tenant=tenant, actor=actor,
                                                   notes=runtime.settings.notes_personal_data)
    return DataSubjectRequestOut.model_validate(recorded)


@router.get("/borrowers/{borrower_id}/data-subject-requests", summary="A borrower's data-subject requests "
            "(exports and corrections), newest first", responses=answers(404, 409))
async def list_requests(borrower_id: ExternalRef, session: ReadSession, _: Staff, tenant: TenantParam = None,
                        limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[DataSubjectRequestOut]:
    found, next_cursor = await service.requests_page(session, borrower_id, tenant=tenant, limit=limit, after=after)
    return Page(items=[DataSubjectRequestOut.model_validate(row) for row in found], next_cursor=next_cursor)
