"""Running a batch: every item judged on its own, accepted items handled in chunks (one transaction each) by the
capability's chunk handler, a result per line. The capabilities bring their handlers (debts.defaults_chunk,
payments.payments_chunk, snapshots.snapshots_chunk)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError

from debtflow.common.db import UnitOfWork, UnitOfWorkFactory
from debtflow.common.db.conflicts import lost_to_another_transaction
from debtflow.common.problems import Problem, problem_document, validation_errors
from debtflow.common.text import refused_character
from debtflow.intake.batches.input import RawItem
from debtflow.intake.batches.schemas import BatchOut, ItemResult

ModelT = TypeVar("ModelT", bound=BaseModel)
Accepted = list[tuple[RawItem, Any]]
ChunkHandler = Callable[[UnitOfWork, Accepted], Awaitable[list[ItemResult]]]

# -- running a batch -------------------------------------------------------------------------------


def _rejected(item: RawItem, problem: dict[str, Any], key: str | None = None) -> ItemResult:
    return ItemResult(line=item.line, key=key, outcome="rejected", problem=problem)


def _echoable(key: Any) -> str | None:
    """The item's key as the answer may repeat it: never a control character or a lone surrogate (which no
    JSON answer can encode), never more than a key's length."""
    if key is None:
        return None
    text = str(key)
    return text if len(text) <= 64 and refused_character(text) is None else None


def validate_items(items: Sequence[RawItem], model: type[ModelT], key_field: str
                   ) -> tuple[list[tuple[RawItem, ModelT]], dict[int, ItemResult]]:
    """Split items into the valid (parsed) and the rejected (with a problem naming fields and rules)."""
    accepted: list[tuple[RawItem, ModelT]] = []
    rejected: dict[int, ItemResult] = {}
    for item in items:
        key = _echoable(item.data.get(key_field)) if item.data else None
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
        chunk_results = await _chunk_in_one_transaction(uow_factory, handle_chunk, chunk)
        results.update({result.line: result for result in chunk_results})
    ordered = [results[item.line] for item in items]
    return BatchOut(received=len(items), outcomes=dict(Counter(result.outcome for result in ordered)),
                    results=ordered)


#: A chunk that collides with concurrent requests (the same new borrower or loan in both) is tried again, each
#: try seeing what the others committed. Every collision means another request committed, so a chunk collides
#: at most about as often as requests are in flight; two tries (as before) refused files at two in flight.
CHUNK_ATTEMPTS = 8


async def _chunk_in_one_transaction(uow_factory: UnitOfWorkFactory, handle_chunk: ChunkHandler,
                                    chunk: Accepted) -> list[ItemResult]:
    for attempt in range(1, CHUNK_ATTEMPTS + 1):
        try:
            async with uow_factory() as uow:
                return await handle_chunk(uow, chunk)
        except (IntegrityError, DBAPIError) as error:
            if attempt == CHUNK_ATTEMPTS or not (isinstance(error, IntegrityError)
                                                 or lost_to_another_transaction(error)):
                raise
            # Another request committed some of the same keys meanwhile (or deadlocked with this one); the next
            # try sees their rows. The jitter keeps two requests from colliding again in lockstep.
            await asyncio.sleep(random.uniform(0.005, 0.03) * attempt)
    raise AssertionError("unreachable")


def one_by_one(apply: Callable[[UnitOfWork, Any], Awaitable[ItemResult]], key_field: str) -> ChunkHandler:
    """Items that each touch one debt under a lock: applied in turn, each in a savepoint so one failure
    rolls back only itself."""
    async def handle(uow: UnitOfWork, chunk: Accepted) -> list[ItemResult]:
        results = []
        for item, parsed in chunk:
            try:
                async with uow.savepoint():  # its rows and its events go together if it fails
                    result = await apply(uow, parsed)
                results.append(result.model_copy(update={"line": item.line}))
            except Problem as problem:
                results.append(_rejected(item, problem.document(), getattr(parsed, key_field)))
        return results

    return handle


def plain_from_csv(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the JSON item it stands for: each column a field; empty cells are absent."""
    return {column: cell.strip() for column, cell in row.items() if cell.strip()}
