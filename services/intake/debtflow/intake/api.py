"""Intake HTTP API: thin routes over the use-case modules."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse

from debtflow.common.auth import STAFF_ROLES, Actor, Role, require_roles
from debtflow.common.pii import FieldCipher
from debtflow.common.problems import InvalidInput, PayloadTooLarge, UnsupportedMediaType, field_error
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, service_router
from debtflow.common.web.app import read_body
from debtflow.common.web.idempotency import IdempotencyKeys, request_fingerprint
from debtflow.intake import batches, queries
from debtflow.intake.batch_input import SUPPORTED_TYPES, BatchFormatError, read_items
from debtflow.intake.models import idempotency_keys
from debtflow.intake.payments import payments_of, record_payment, reverse_payment
from debtflow.intake.registration import register_defaults
from debtflow.intake.schemas import (
    BatchOut,
    BorrowerOut,
    BorrowerSearchIn,
    DebtOut,
    DebtPage,
    DefaultIn,
    HistoryEntryOut,
    PaymentIn,
    PaymentOut,
    Product,
    ReversalIn,
    SnapshotIn,
)
from debtflow.intake.settings import IntakeSettings

router = service_router(prefix="/v1", tags=["intake"])
Lender = Annotated[Actor, Depends(require_roles(Role.LENDER))]
Reader = Annotated[Actor, Depends(require_roles(Role.LENDER, *STAFF_ROLES))]
Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255,
                                              description="Replays the first answer for the same key and body.")]
ResultsShown = Annotated[Literal["all", "rejected"], Query(description="`rejected`: list only the failures.")]


def _settings(runtime: Any) -> IntakeSettings:
    return runtime.settings  # type: ignore[no-any-return]


def _cipher(runtime: Any) -> FieldCipher:
    return _settings(runtime).field_cipher


def _keys(runtime: Any) -> IdempotencyKeys:
    return IdempotencyKeys(idempotency_keys, retention=_settings(runtime).idempotency_retention)


async def _idempotent(request: Request, runtime: Any, uow: Any, actor: Actor, key: str | None, payload: Any,
                      operation: Any, *, location: Any = None) -> JSONResponse:
    """Run a write once per Idempotency-Key (and natural key) and answer with its status and body."""
    result = await _keys(runtime).run(
        uow, scope=actor.subject, key=key, operation=operation,
        fingerprint=request_fingerprint("POST", request.url.path, payload.model_dump(mode="json")),
    )
    headers = {"Location": location(result.body)} if location else {}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


# -- defaults -------------------------------------------------------------------------------------------


@router.post("/defaults", status_code=status.HTTP_201_CREATED, response_model=DebtOut,
             summary="Register a defaulted loan (or newer figures for one)",
             responses={200: {"model": DebtOut, "description": "Already registered: unchanged, or updated by "
                                                               "figures with a newer as-of date."}})
async def post_default(request: Request, payload: DefaultIn, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                       idempotency_key: IdempotencyKey = None) -> Response:
    cipher = _cipher(runtime)

    async def register(unit: Any) -> tuple[int, Any]:
        [registration] = await register_defaults(unit, [payload], source_system=actor.subject, cipher=cipher)
        debt = registration.debt or await queries.get_debt(unit.session, registration.debt_id, actor=actor)
        code = status.HTTP_201_CREATED if registration.outcome == "created" else status.HTTP_200_OK
        return code, DebtOut.of(debt).model_dump(mode="json")

    return await _idempotent(request, runtime, uow, actor, idempotency_key, payload, register,
                             location=lambda body: f"/v1/debts/{body['id']}")


def _batch_body(schema: str, csv_columns: tuple[str, ...]) -> dict[str, Any]:
    """OpenAPI request body of a batch endpoint: the same items as JSON, NDJSON or CSV."""
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}}},
        "application/x-ndjson": {"schema": {"type": "string", "description": f"One {schema} JSON object per line."}},
        "text/csv": {"schema": {"type": "string", "description": "A header row of some of these columns: "
                                + ", ".join(csv_columns)}},
    }}}


async def _batch_items(request: Request, settings: IntakeSettings, *, csv_row: Any, csv_columns: Any) -> list[Any]:
    body = await read_body(request, max_bytes=settings.batch_max_bytes)
    try:
        return read_items(body, request.headers.get("content-type", ""), max_items=settings.batch_max_items,
                          csv_row=csv_row, csv_columns=csv_columns)
    except BatchFormatError as error:
        if error.rule == "content_type":
            raise UnsupportedMediaType(f"send the batch as one of {', '.join(SUPPORTED_TYPES)}") from None
        if error.rule == "max_items":
            raise PayloadTooLarge(str(error)) from None
        raise InvalidInput(str(error), errors=[field_error("body", error.rule, str(error))]) from None


async def _run_batch(request: Request, runtime: Any, uow: Any, *, results: str, model: Any, key_field: str,
                     csv_row: Any, csv_columns: tuple[str, ...], handle_chunk: Any) -> BatchOut:
    settings = _settings(runtime)
    items = await _batch_items(request, settings, csv_row=csv_row, csv_columns=csv_columns)
    outcome = await batches.run_batch(uow, items, model=model, key_field=key_field,
                                      chunk_size=settings.batch_chunk_size, handle_chunk=handle_chunk)
    if results == "rejected":
        return outcome.model_copy(update={"results": [item for item in outcome.results if item.outcome == "rejected"]})
    return outcome


@router.post("/defaults:batch", summary="Register many defaults (JSON array, NDJSON or CSV)",
             openapi_extra=_batch_body("DefaultIn", batches.DEFAULT_CSV_COLUMNS))
async def post_defaults_batch(request: Request, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                              results: ResultsShown = "all") -> BatchOut:
    return await _run_batch(
        request, runtime, uow, results=results, model=DefaultIn, key_field="loan_id",
        csv_row=batches.default_from_csv, csv_columns=batches.DEFAULT_CSV_COLUMNS,
        handle_chunk=batches.defaults_handler(source_system=actor.subject, cipher=_cipher(runtime)),
    )


# -- payments -------------------------------------------------------------------------------------------


@router.post("/payments", status_code=status.HTTP_201_CREATED, response_model=PaymentOut,
             summary="Record a payment; it is allocated by the waterfall",
             responses={200: {"model": PaymentOut, "description": "This payment id was already recorded."}})
async def post_payment(request: Request, payload: PaymentIn, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                       idempotency_key: IdempotencyKey = None) -> Response:
    waterfall = _settings(runtime).waterfall

    async def record(unit: Any) -> tuple[int, Any]:
        outcome = await record_payment(unit, payload, source_system=actor.subject, waterfall=waterfall)
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return code, PaymentOut.model_validate(outcome.payment).model_dump(mode="json")

    return await _idempotent(request, runtime, uow, actor, idempotency_key, payload, record)


@router.post("/payments:batch", summary="Record many payments (JSON array, NDJSON or CSV)",
             openapi_extra=_batch_body("PaymentIn", batches.PAYMENT_CSV_COLUMNS))
async def post_payments_batch(request: Request, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                              results: ResultsShown = "all") -> BatchOut:
    return await _run_batch(
        request, runtime, uow, results=results, model=PaymentIn, key_field="payment_id",
        csv_row=batches.plain_from_csv, csv_columns=batches.PAYMENT_CSV_COLUMNS,
        handle_chunk=batches.payments_handler(source_system=actor.subject, waterfall=_settings(runtime).waterfall),
    )


@router.post("/payments/{payment_id}/reversal", status_code=status.HTTP_201_CREATED, response_model=PaymentOut,
             summary="Reverse a payment (bounced, charged back, posted in error)",
             responses={200: {"model": PaymentOut, "description": "Already reversed for this reason."}})
async def post_reversal(request: Request, payment_id: Annotated[str, Path(max_length=64)], payload: ReversalIn,
                        runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                        idempotency_key: IdempotencyKey = None) -> Response:
    async def reverse(unit: Any) -> tuple[int, Any]:
        outcome = await reverse_payment(unit, source_system=actor.subject, payment_id=payment_id,
                                        reason_code=payload.reason_code)
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return code, PaymentOut.model_validate(outcome.payment).model_dump(mode="json")

    return await _idempotent(request, runtime, uow, actor, idempotency_key, payload, reverse)


@router.get("/payments", summary="The payments of a debt, oldest first")
async def get_payments(session: ReadSession, actor: Reader,
                       debt_id: Annotated[uuid.UUID, Query(description="The debt whose payments to list.")]
                       ) -> list[PaymentOut]:
    await queries.get_debt(session, debt_id, actor=actor)
    return [PaymentOut.model_validate(payment) for payment in await payments_of(session, debt_id)]


# -- snapshots ------------------------------------------------------------------------------------------


@router.post("/snapshots:batch", summary="Daily balance/DPD snapshots (JSON array, NDJSON or CSV)",
             openapi_extra=_batch_body("SnapshotIn", batches.SNAPSHOT_CSV_COLUMNS))
async def post_snapshots_batch(request: Request, runtime: Runtime, uow: UnitOfWorks, actor: Lender,
                               results: ResultsShown = "all") -> BatchOut:
    return await _run_batch(
        request, runtime, uow, results=results, model=SnapshotIn, key_field="loan_id",
        csv_row=batches.plain_from_csv, csv_columns=batches.SNAPSHOT_CSV_COLUMNS,
        handle_chunk=batches.snapshots_handler(source_system=actor.subject),
    )


# -- reading the register -------------------------------------------------------------------------------


@router.get("/debts", summary="Debts, filtered, in pages (keyset pagination)")
async def list_debts(
    session: ReadSession, actor: Reader,
    status_: Annotated[Literal["open", "settled", "sold", "written_off"] | None, Query(alias="status")] = None,
    borrower_id: Annotated[str | None, Query(max_length=64)] = None,
    product: Annotated[Product | None, Query()] = None,
    as_of_from: Annotated[date | None, Query()] = None,
    as_of_to: Annotated[date | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[str | None, Query(max_length=64, description="`next_cursor` of the previous page.")] = None,
) -> DebtPage:
    where = queries.DebtFilter(status=status_, borrower_id=borrower_id, product=product, as_of_from=as_of_from,
                               as_of_to=as_of_to)
    debts = await queries.list_debts(session, actor=actor, where=where, limit=limit,
                                     after=queries.decode_cursor(after) if after else None)
    last = debts[-1].id if len(debts) == limit else None
    return DebtPage(debts=[DebtOut.of(debt) for debt in debts],
                    next_cursor=queries.encode_cursor(last) if last else None)


@router.get("/debts/{debt_id}", summary="A debt in the register")
async def get_debt(debt_id: uuid.UUID, session: ReadSession, actor: Reader) -> DebtOut:
    return DebtOut.of(await queries.get_debt(session, debt_id, actor=actor))


@router.get("/debts/{debt_id}/history", summary="Every change to a debt's balances and status, oldest first")
async def get_history(debt_id: uuid.UUID, session: ReadSession, actor: Reader) -> list[HistoryEntryOut]:
    return [HistoryEntryOut.model_validate(entry)
            for entry in await queries.debt_history(session, debt_id, actor=actor)]


@router.get("/borrowers/{borrower_id}", summary="A borrower; personal data masked without `pii:read`")
async def get_borrower(borrower_id: Annotated[str, Path(max_length=64)], session: ReadSession, runtime: Runtime, actor: Reader) -> BorrowerOut:
    borrower = await queries.get_borrower(session, borrower_id, actor=actor)
    return BorrowerOut(**queries.borrower_view(borrower, _cipher(runtime), actor=actor))


@router.post("/borrowers:search", summary="Find borrowers by identity number, phone or email (exact match)")
async def search_borrowers(search: BorrowerSearchIn, session: ReadSession, runtime: Runtime,
                           actor: Staff) -> list[BorrowerOut]:
    cipher = _cipher(runtime)
    return [BorrowerOut(**queries.borrower_view(borrower, cipher, actor=actor))
            for borrower in await queries.search_borrowers(session, search, cipher)]

