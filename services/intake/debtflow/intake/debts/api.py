"""The debt register over HTTP: lending cores register defaults (one or a batch); staff and lending cores read
debts and their history."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request, Response, status

from debtflow.common.auth import STAFF_ROLES, Actor, Role, require_roles
from debtflow.common.dates import BusinessDate
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.tenants import TenantParam
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, service_router
from debtflow.common.web.idempotency import IdempotencyKey, IdempotentWrites, answer_idempotently
from debtflow.intake.batches.api import ResultsShown, answer_batch, batch_body
from debtflow.intake.batches.schemas import BatchOut
from debtflow.intake.debts import service
from debtflow.intake.debts.schemas import (
    DEFAULT_CSV_COLUMNS,
    DebtOut,
    DefaultIn,
    HistoryEntryOut,
    Product,
    default_from_csv,
)

router = service_router(prefix="/v1", tags=["debts"])
Lender = Annotated[Actor, Depends(require_roles(Role.LENDER))]
Reader = Annotated[Actor, Depends(require_roles(Role.LENDER, *STAFF_ROLES))]


@router.post("/defaults", status_code=status.HTTP_201_CREATED, response_model=DebtOut,
             summary="Register a defaulted loan (or newer figures for one)",
             responses={200: {"model": DebtOut, "description": "Already registered: unchanged, or updated by "
                                                               "figures with a newer as-of date."}})
async def post_default(request: Request, payload: DefaultIn, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                       keys: IdempotentWrites, idempotency_key: IdempotencyKey = None) -> Response:
    cipher, tenancy = runtime.settings.field_cipher, runtime.settings.tenancy
    tenant = tenancy.for_lender(actor)

    async def register(unit: Any) -> tuple[int, Any]:
        [registration] = await service.register_defaults(unit, [payload], tenant=tenant, source_system=actor.subject,
                                                         cipher=cipher)
        debt = registration.debt or await service.get_debt(unit.session, registration.debt_id, actor=actor,
                                                           tenancy=tenancy)
        code = status.HTTP_201_CREATED if registration.outcome == "created" else status.HTTP_200_OK
        return code, DebtOut.of(debt).model_dump(mode="json")

    return await answer_idempotently(request, keys, uow, scope=actor.subject, key=idempotency_key, payload=payload,
                                     operation=register, location=lambda body: f"/v1/debts/{body['id']}")


@router.post("/defaults:batch", summary="Register many defaults (JSON array, NDJSON or CSV)",
             openapi_extra=batch_body(DefaultIn, DEFAULT_CSV_COLUMNS))
async def post_defaults_batch(request: Request, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                              results: ResultsShown = "all") -> BatchOut:
    settings = runtime.settings
    return await answer_batch(
        request, settings, uow, results=results, model=DefaultIn, key_field="loan_id",
        csv_row=default_from_csv, csv_columns=DEFAULT_CSV_COLUMNS,
        handle_chunk=service.defaults_chunk(tenant=settings.tenancy.for_lender(actor), source_system=actor.subject,
                                            cipher=settings.field_cipher),
    )


@router.get("/debts", summary="Debts, filtered, in keyset pages")
async def list_debts(
    session: ReadSession, runtime: Runtime, actor: Reader, tenant: TenantParam = None,
    status_: Annotated[Literal["open", "settled", "sold", "written_off"] | None, Query(alias="status")] = None,
    borrower_id: Annotated[str | None, Query(max_length=64)] = None,
    product: Annotated[Product | None, Query()] = None,
    as_of_from: Annotated[BusinessDate | None, Query()] = None,
    as_of_to: Annotated[BusinessDate | None, Query()] = None,
    limit: Limit = DEFAULT_LIMIT, after: After = None,
) -> Page[DebtOut]:
    where = service.DebtFilter(tenant=tenant, status=status_, borrower_id=borrower_id, product=product, as_of_from=as_of_from,
                               as_of_to=as_of_to)
    debts, next_cursor = await service.list_debts(session, actor=actor, tenancy=runtime.settings.tenancy, where=where,
                                                  limit=limit, after=after)
    return Page(items=[DebtOut.of(debt) for debt in debts], next_cursor=next_cursor)


@router.get("/debts/{debt_id}", summary="A debt in the register")
async def get_debt(debt_id: uuid.UUID, session: ReadSession, runtime: Runtime, actor: Reader) -> DebtOut:
    return DebtOut.of(await service.get_debt(session, debt_id, actor=actor, tenancy=runtime.settings.tenancy))


@router.get("/debts/{debt_id}/history", summary="Every change to a debt's balances and status, oldest first")
async def get_history(debt_id: uuid.UUID, session: ReadSession, runtime: Runtime, actor: Reader,
                      limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[HistoryEntryOut]:
    entries, next_cursor = await service.debt_history(session, debt_id, actor=actor, tenancy=runtime.settings.tenancy,
                                                      limit=limit, after=after)
    return Page(items=[HistoryEntryOut.model_validate(entry) for entry in entries], next_cursor=next_cursor)
