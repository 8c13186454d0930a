"""What every batch endpoint does over HTTP: read the body (JSON array, NDJSON or CSV) within the limits, run it
through its capability's chunk handler, answer every item. The routes live with their capabilities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from pydantic import BaseModel

from debtflow.common.db import UnitOfWorkFactory
from debtflow.common.problems import InvalidInput, PayloadTooLarge, UnsupportedMediaType, field_error
from debtflow.common.web.app import read_body
from debtflow.common.web.gate import larger_body
from debtflow.common.web.openapi import named_schema
from debtflow.intake.batches.input import SUPPORTED_TYPES, BatchFormatError, read_items
from debtflow.intake.batches.schemas import BatchOut
from debtflow.intake.batches.service import ChunkHandler, run_batch
from debtflow.intake.settings import IntakeSettings

ResultsShown = Annotated[Literal["all", "rejected"], Query(description="`rejected`: list only the failures.")]


def batch_body(item: type[BaseModel], csv_columns: tuple[str, ...]) -> dict[str, Any]:
    """OpenAPI request body of a batch endpoint: the same items as JSON, NDJSON or CSV, up to
    `DEBTFLOW_INTAKE_BATCH_MAX_BYTES` (the gate refuses more before reading it)."""
    return {**larger_body("batch_max_bytes"), "requestBody": {"required": True, "content": {
        "application/json": {"schema": {"type": "array", "items": {"$ref": named_schema(item)}}},
        "application/x-ndjson": {"schema": {"type": "string",
                                            "description": f"One {item.__name__} JSON object per line."}},
        "text/csv": {"schema": {"type": "string", "description": "A header row of some of these columns: "
                                + ", ".join(csv_columns)}},
    }}}


async def answer_batch(request: Request, settings: IntakeSettings, uow_factory: UnitOfWorkFactory, *,
                       results: str, model: type[BaseModel], key_field: str,
                       csv_row: Callable[[dict[str, str]], dict[str, Any]], csv_columns: tuple[str, ...],
                       handle_chunk: ChunkHandler) -> BatchOut:
    items = await _batch_items(request, settings, csv_row=csv_row, csv_columns=csv_columns)
    outcome = await run_batch(uow_factory, items, model=model, key_field=key_field,
                              chunk_size=settings.batch_chunk_size, handle_chunk=handle_chunk)
    if results == "rejected":
        return outcome.model_copy(update={"results": [item for item in outcome.results if item.outcome == "rejected"]})
    return outcome


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
