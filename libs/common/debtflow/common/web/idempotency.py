"""Idempotency keys with Stripe's semantics: same key and body replay the first answer; a different body is 409."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, delete, insert, select
from sqlalchemy.exc import IntegrityError

from debtflow.common.clock import utcnow
from debtflow.common.db.types import UTCDateTime
from debtflow.common.db.uow import UnitOfWork, UnitOfWorkFactory
from debtflow.common.housekeeping import Purge
from debtflow.common.problems import Conflict, InvalidInput, field_error

_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
Operation = Callable[[UnitOfWork], Awaitable[tuple[int, Any]]]


def _columns() -> list[Any]:
    return [
        Column("scope", String(64), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response_body", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
    ]


def add_idempotency_table(metadata: MetaData) -> Table:
    table = Table("idempotency_keys", metadata, *_columns())
    Index("ix_idempotency_keys_created_at", table.c.created_at)
    return table


def create_idempotency_table(op: Any) -> None:
    """Alembic operations for a service that accepts Idempotency-Key headers."""
    op.create_table("idempotency_keys", *_columns())
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """What "the same request" means: method, path and the parsed body in canonical form."""
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    if not _KEY_PATTERN.match(key):
        raise InvalidInput("the Idempotency-Key header is not acceptable",
                           errors=[field_error("Idempotency-Key", "pattern",
                                               "1-255 visible ASCII characters", "header")])
    return key


@dataclass(frozen=True)
class IdempotentResult:
    status_code: int
    body: Any
    replayed: bool


class IdempotencyKeys:
    """Runs an operation at most once per (scope, key) within the retention window."""

    def __init__(self, table: Table, *, retention: timedelta = timedelta(hours=24)) -> None:
        self.table = table
        self.retention = retention

    async def run(self, uow_factory: UnitOfWorkFactory, *, scope: str, key: str | None, fingerprint: str,
                  operation: Operation) -> IdempotentResult:
        if key is not None:
            check_key(key)
        try:
            return await self._run_once(uow_factory, scope, key, fingerprint, operation)
        except IntegrityError:
            # A concurrent request with this key (or the same natural key) committed first; a second run
            # sees its rows, so it replays or answers "already there" instead of failing.
            return await self._run_once(uow_factory, scope, key, fingerprint, operation)

    async def _run_once(self, uow_factory: UnitOfWorkFactory, scope: str, key: str | None, fingerprint: str,
                        operation: Operation) -> IdempotentResult:
        table = self.table
        if key is None:
            async with uow_factory() as uow:
                status_code, body = await operation(uow)
            return IdempotentResult(status_code, body, replayed=False)
        async with uow_factory() as uow:
            stored = (await uow.session.execute(
                select(table.c.fingerprint, table.c.status_code, table.c.response_body, table.c.created_at)
                .where(table.c.scope == scope, table.c.key == key)
            )).one_or_none()
            if stored is not None and stored.created_at >= utcnow() - self.retention:
                if stored.fingerprint != fingerprint:
                    raise Conflict("this Idempotency-Key was already used with a different request",
                                   slug="idempotency-key-reused")
                return IdempotentResult(stored.status_code, json.loads(stored.response_body), replayed=True)
            if stored is not None:  # expired: the key may be used afresh
                await uow.session.execute(delete(table).where(table.c.scope == scope, table.c.key == key))
            status_code, body = await operation(uow)
            await uow.session.execute(insert(table).values(
                scope=scope, key=key, fingerprint=fingerprint, status_code=status_code,
                response_body=json.dumps(body, separators=(",", ":")), created_at=utcnow(),
            ))
        return IdempotentResult(status_code, body, replayed=False)

    @property
    def purge(self) -> Purge:
        """For housekeeping: keys past their retention answer afresh anyway, so they can go."""
        return Purge("idempotency_keys", self.table, "created_at", self.retention)


#: The `Idempotency-Key` request header, as routes declare it.
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255,
                                              description="Replays the first answer for the same key and body.")]


async def get_idempotency_keys(request: Request) -> IdempotencyKeys:
    keys: IdempotencyKeys | None = request.app.state.runtime.definition.idempotency
    if keys is None:
        raise RuntimeError("this service declares no idempotency_keys table (add_idempotency_table)")
    return keys


IdempotentWrites = Annotated[IdempotencyKeys, Depends(get_idempotency_keys)]


async def answer_idempotently(request: Request, keys: IdempotencyKeys, uow_factory: UnitOfWorkFactory, *,
                              scope: str, key: str | None, payload: BaseModel, operation: Operation,
                              location: Callable[[Any], str] | None = None) -> JSONResponse:
    """Run a write once per Idempotency-Key (and natural key) and answer with its status and body: the same key
    and body replay the first answer (`Idempotent-Replayed: true`), the same key with another body is 409."""
    result = await keys.run(
        uow_factory, scope=scope, key=key, operation=operation,
        fingerprint=request_fingerprint(request.method, request.url.path, payload.model_dump(mode="json")),
    )
    headers = {"Location": location(result.body)} if location else {}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)
