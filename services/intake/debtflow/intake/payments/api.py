"""Payments over HTTP: lending cores record payments (one or a batch) and reversals; a debt's payments."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response, status

from debtflow.common.auth import STAFF_ROLES, Actor, Role, require_roles
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router
from debtflow.common.web.idempotency import IdempotencyKey, IdempotentWrites, answer_idempotently
from debtflow.intake.batches.api import ResultsShown, answer_batch, batch_body
from debtflow.intake.batches.schemas import BatchOut
from debtflow.intake.batches.service import plain_from_csv
from debtflow.intake.debts.service import get_debt
from debtflow.intake.payments import service
from debtflow.intake.payments.schemas import PAYMENT_CSV_COLUMNS, PaymentIn, PaymentOut, ReversalIn

router = service_router(prefix="/v1", tags=["payments"])
Lender = Annotated[Actor, Depends(require_roles(Role.LENDER))]
Reader = Annotated[Actor, Depends(require_roles(Role.LENDER, *STAFF_ROLES))]


@router.post("/payments", status_code=status.HTTP_201_CREATED, response_model=PaymentOut,
             summary="Record a payment; it is allocated by the waterfall",
             responses={200: {"model": PaymentOut, "description": "This payment id was already recorded."},
                        **answers(404, 409)})
async def post_payment(request: Request, payload: PaymentIn, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                       keys: IdempotentWrites, idempotency_key: IdempotencyKey = None) -> Response:
    waterfall = runtime.settings.waterfall

    async def record(unit: Any) -> tuple[int, Any]:
        outcome = await service.record_payment(unit, payload, source_system=actor.subject, waterfall=waterfall)
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return code, PaymentOut.model_validate(outcome.payment).model_dump(mode="json")

    return await answer_idempotently(request, keys, uow, scope=actor.subject, key=idempotency_key, payload=payload,
                                     operation=record)


@router.post("/payments:batch", summary="Record many payments (JSON array, NDJSON or CSV)",
             openapi_extra=batch_body(PaymentIn, PAYMENT_CSV_COLUMNS))
async def post_payments_batch(request: Request, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                              results: ResultsShown = "all") -> BatchOut:
    settings = runtime.settings
    return await answer_batch(
        request, settings, uow, results=results, model=PaymentIn, key_field="payment_id",
        csv_row=plain_from_csv, csv_columns=PAYMENT_CSV_COLUMNS,
        handle_chunk=service.payments_chunk(source_system=actor.subject, waterfall=settings.waterfall),
    )


@router.post("/payments/{payment_id}/reversal", status_code=status.HTTP_201_CREATED, response_model=PaymentOut,
             summary="Reverse a payment (bounced, charged back, posted in error)",
             responses={200: {"model": PaymentOut, "description": "Already reversed for this reason."},
                        **answers(409)})
async def post_reversal(request: Request, payment_id: Annotated[str, Path(max_length=64)], payload: ReversalIn,
                        uow: UnitOfWorks, actor: Lender, keys: IdempotentWrites,
                        idempotency_key: IdempotencyKey = None) -> Response:
    async def reverse(unit: Any) -> tuple[int, Any]:
        outcome = await service.reverse_payment(unit, source_system=actor.subject, payment_id=payment_id,
                                                reason_code=payload.reason_code)
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return code, PaymentOut.model_validate(outcome.payment).model_dump(mode="json")

    return await answer_idempotently(request, keys, uow, scope=actor.subject, key=idempotency_key, payload=payload,
                                     operation=reverse)


@router.get("/payments", summary="The payments of a debt, oldest first, in keyset pages", responses=answers(404))
async def get_payments(session: ReadSession, runtime: Runtime, actor: Reader,
                       debt_id: Annotated[uuid.UUID, Query(description="The debt whose payments to list.")],
                       limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[PaymentOut]:
    await get_debt(session, debt_id, actor=actor, tenancy=runtime.settings.tenancy)
    payments, next_cursor = await service.payments_of(session, debt_id, limit=limit, after=after)
    return Page(items=[PaymentOut.model_validate(payment) for payment in payments], next_cursor=next_cursor)
