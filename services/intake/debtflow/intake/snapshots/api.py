"""Snapshots over HTTP: lending cores send their daily balances in batches."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from debtflow.common.auth import Actor, Role, require_roles
from debtflow.common.web import Runtime, UnitOfWorks, service_router
from debtflow.intake.batches.api import ResultsShown, answer_batch, batch_body
from debtflow.intake.batches.schemas import BatchOut
from debtflow.intake.batches.service import plain_from_csv
from debtflow.intake.snapshots.schemas import SNAPSHOT_CSV_COLUMNS, SnapshotIn
from debtflow.intake.snapshots.service import snapshots_chunk

router = service_router(prefix="/v1", tags=["snapshots"])
Lender = Annotated[Actor, Depends(require_roles(Role.LENDER))]


@router.post("/snapshots:batch", summary="Daily balance/DPD snapshots (JSON array, NDJSON or CSV)",
             openapi_extra=batch_body(SnapshotIn, SNAPSHOT_CSV_COLUMNS))
async def post_snapshots_batch(request: Request, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                               results: ResultsShown = "all") -> BatchOut:
    return await answer_batch(
        request, runtime.settings, uow, results=results, model=SnapshotIn, key_field="loan_id",
        csv_row=plain_from_csv, csv_columns=SNAPSHOT_CSV_COLUMNS,
        handle_chunk=snapshots_chunk(source_system=actor.subject),
    )
