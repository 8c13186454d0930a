"""Batch requests: every item judged on its own, accepted items committed in chunks, results per line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from debtflow.common.db import UnitOfWork, UnitOfWorkFactory
from debtflow.common.pii import FieldCipher
from debtflow.common.problems import Problem, problem_document, validation_errors
from debtflow.intake.batch_input import RawItem
from debtflow.intake.payments import record_payment
from debtflow.intake.registration import register_defaults
from debtflow.intake.schemas import BatchOut, ItemResult, PaymentIn, SnapshotIn
from debtflow.intake.snapshots import record_snapshot

ModelT = TypeVar("ModelT", bound=BaseModel)
Accepted = list[tuple[RawItem, Any]]
ChunkHandler = Callable[[UnitOfWork, Accepted], Awaitable[list[ItemResult]]]

# -- CSV layouts -----------------------------------------------------------------------------------

DEFAULT_CSV_COLUMNS = (
    "loan_id", "borrower_id", "product", "currency", "as_of_date", "disbursed_amount", "disbursed_on",
    "maturity_date", "contract_rate", "principal_outstanding", "interest_outstanding",
    "penalty_interest_outstanding", "fees_outstanding", "first_unpaid_due_date", "collateralised", "guaranteed",
    "borrower_name", "borrower_id_type", "borrower_id_number", "borrower_phones", "borrower_emails",
    "borrower_address", "borrower_region", "borrower_timezone", "borrower_date_of_birth",
)
PAYMENT_CSV_COLUMNS = ("payment_id", "loan_id", "currency", "amount", "paid_at", "channel")
SNAPSHOT_CSV_COLUMNS = tuple(SnapshotIn.model_fields)
_LIST_COLUMNS = {"phones", "emails"}  # several values in one cell, separated by ";"


def default_from_csv(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the JSON a default would be: `borrower_*` columns form the borrower; empty cells are absent."""
    item: dict[str, Any] = {}
    borrower: dict[str, Any] = {}
    for column, cell in row.items():
        value = cell.strip()
        if not value:
            continue
        if column.startswith("borrower_") and column != "borrower_id":
            name = column.removeprefix("borrower_")
            borrower[name] = [part.strip() for part in value.split(";") if part.strip()] if name in _LIST_COLUMNS \
                else value
        else:
            item[column] = value
    if borrower:
        item["borrower"] = borrower
    return item


def plain_from_csv(row: dict[str, str]) -> dict[str, Any]:
    return {column: cell.strip() for column, cell in row.items() if cell.strip()}


# -- running a batch -------------------------------------------------------------------------------


def _rejected(item: RawItem, problem: dict[str, Any], key: str | None = None) -> ItemResult:
    return ItemResult(line=item.line, key=key, outcome="rejected", problem=problem)


def validate_items(items: Sequence[RawItem], model: type[ModelT], key_field: str
                   ) -> tuple[list[tuple[RawItem, ModelT]], dict[int, ItemResult]]:
    """Split items into the valid (parsed) and the rejected (with a problem naming fields and rules)."""
    accepted: list[tuple[RawItem, ModelT]] = []
    rejected: dict[int, ItemResult] = {}
    for item in items:
        key = str(item.data.get(key_field)) if item.data and item.data.get(key_field) is not None else None
        if item.data is None:
            rejected[item.line] = _rejected(item, problem_document(
                422, "malformed-item", "Malformed item", f"line {item.line}: {item.error}"))
            continue
        try:
            accepted.append((item, model.model_validate(item.data)))
        except ValidationError as error:
            errors = validation_errors(error.errors(include_input=False), location="body")
            fields = ", ".join(sorted({entry["field"] for entry in errors}))
            rejected[item.line] = _rejected(item, problem_document(
                422, "validation-error", "Invalid input", f"line {item.line}: invalid {fields}", errors=errors), key)
    return accepted, rejected


async def run_batch(uow_factory: UnitOfWorkFactory, items: Sequence[RawItem], *, model: type[BaseModel],
                    key_field: str, chunk_size: int, handle_chunk: ChunkHandler) -> BatchOut:
    accepted, rejected = validate_items(items, model, key_field)
    results: dict[int, ItemResult] = dict(rejected)
    for start in range(0, len(accepted), chunk_size):
        chunk = accepted[start:start + chunk_size]
        try:
            async with uow_factory() as uow:
                chunk_results = await handle_chunk(uow, chunk)
        except IntegrityError:
            # Another request committed some of the same keys meanwhile; once more sees their rows.
            async with uow_factory() as uow:
                chunk_results = await handle_chunk(uow, chunk)
        results.update({result.line: result for result in chunk_results})
    ordered = [results[item.line] for item in items]
    return BatchOut(received=len(items), outcomes=dict(Counter(result.outcome for result in ordered)),
                    results=ordered)


def defaults_handler(*, source_system: str, cipher: FieldCipher) -> ChunkHandler:
    async def handle(uow: UnitOfWork, chunk: Accepted) -> list[ItemResult]:
        registrations = await register_defaults(uow, [default for _, default in chunk], source_system=source_system,
                                                cipher=cipher)
        return [ItemResult(line=item.line, key=default.loan_id, outcome=registration.outcome, id=registration.debt_id)
                for (item, default), registration in zip(chunk, registrations, strict=True)]

    return handle


def _one_by_one(apply: Callable[[UnitOfWork, Any], Awaitable[ItemResult]], key_field: str) -> ChunkHandler:
    """Items that each touch one debt under a lock: applied in turn, each in a savepoint so one failure
    rolls back only itself."""
    async def handle(uow: UnitOfWork, chunk: Accepted) -> list[ItemResult]:
        results = []
        for item, parsed in chunk:
            emitted = len(uow.emitted)
            try:
                async with uow.session.begin_nested():
                    result = await apply(uow, parsed)
                results.append(result.model_copy(update={"line": item.line}))
            except Problem as problem:
                del uow.emitted[emitted:]  # its events go with its rows
                results.append(_rejected(item, problem.document(), getattr(parsed, key_field)))
        return results

    return handle


def payments_handler(*, source_system: str, waterfall: tuple[str, ...]) -> ChunkHandler:
    async def apply(uow: UnitOfWork, payment: PaymentIn) -> ItemResult:
        outcome = await record_payment(uow, payment, source_system=source_system, waterfall=waterfall)
        return ItemResult(line=0, key=payment.payment_id, outcome="created" if outcome.created else "unchanged",
                          id=outcome.payment.id)

    return _one_by_one(apply, "payment_id")


def snapshots_handler(*, source_system: str) -> ChunkHandler:
    async def apply(uow: UnitOfWork, snapshot: SnapshotIn) -> ItemResult:
        outcome = await record_snapshot(uow, snapshot, source_system=source_system)
        return ItemResult(line=0, key=snapshot.loan_id, outcome=outcome.outcome)

    return _one_by_one(apply, "loan_id")

