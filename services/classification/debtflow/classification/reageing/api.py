"""Re-ageing over HTTP: run it to a day (idempotent per day), list the runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from debtflow.classification.reageing import service
from debtflow.classification.reageing.models import ReageRun
from debtflow.classification.reageing.schemas import ReageIn, ReageOut
from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.problems import NotFound
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router

router = service_router(prefix="/v1", tags=["re-ageing"])
Operator = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR, Role.RISK, Role.ADMIN))]


@router.post("/reage-runs", summary="Re-age every open debt to a date (idempotent per date)",
             responses=answers(409))
async def run_reage(body: ReageIn, uow: UnitOfWorks, runtime: Runtime, _: Operator) -> ReageOut:
    settings = runtime.settings
    run = await service.reage_on_request(uow, as_of=body.as_of_date, today=settings.today(),
                                         chunk_size=settings.reage_chunk_size)
    return ReageOut.model_validate(run)


@router.get("/reage-runs/{run_id}", summary="One re-ageing run and its progress (poll it after an activation)",
            responses=answers(404))
async def get_reage_run(run_id: int, session: ReadSession, _: Staff) -> ReageOut:
    run = await session.get(ReageRun, run_id)
    if run is None:
        raise NotFound(f"re-ageing run {run_id} does not exist")
    return ReageOut.model_validate(run)


@router.get("/reage-runs", summary="The re-ageing runs, latest first")
async def list_reage_runs(session: ReadSession, _: Staff, limit: Limit = DEFAULT_LIMIT,
                          after: After = None) -> Page[ReageOut]:
    runs, next_cursor = await service.runs(session, limit=limit, after=after)
    return Page(items=[ReageOut.model_validate(run) for run in runs], next_cursor=next_cursor)
