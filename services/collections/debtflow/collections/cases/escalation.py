"""Escalation triggers: a case goes to legal before its path says so when its strategy's triggers fire (a large
exposure, too many broken promises, too long without a conversation); checked once a day for every active case."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.cases.service import escalate_to_legal
from debtflow.collections.contact_policy.models import ContactAttempt
from debtflow.collections.promises.models import CasePromiseStats
from debtflow.collections.strategies.rules import EscalationTriggers
from debtflow.collections.strategies.service import strategy_book
from debtflow.common.db.expressions import one_of


def fired(triggers: EscalationTriggers, *, exposure: Decimal, broken_promises: int, entered_at: datetime,
          last_conversation_at: datetime | None, now: datetime) -> str | None:
    """The reason code of the first trigger that fires, or None: exposure, then broken promises, then silence
    (counted from the last conversation, or from when the case opened if there was none)."""
    if triggers.exposure_at_least is not None and exposure >= triggers.exposure_at_least:
        return "exposure_threshold"
    if triggers.broken_promises is not None and broken_promises >= triggers.broken_promises:
        return "broken_promises"
    if triggers.no_contact_days is not None:
        since = last_conversation_at or entered_at
        if now - since >= timedelta(days=triggers.no_contact_days):
            return "no_contact"
    return None


async def escalate_on_triggers(uow_factory: Callable[[], Any], *, now: datetime, chunk: int = 5_000) -> int:
    """Every active case on a strategy with triggers, in chunks (three queries each): the ones whose trigger fires
    are escalated to legal with the trigger as the reason. Returns how many were."""
    escalated, after = 0, None
    while True:
        async with uow_factory() as unit:
            book = await strategy_book(unit.session)
            with_triggers = [s.code for s in book.strategies if s.definition.escalation is not None]
            if not with_triggers:
                return escalated
            query = (select(CollectionCase.debt_id, CollectionCase.strategy_code, CollectionCase.exposure,
                            CollectionCase.entered_at)
                     .where(CollectionCase.status == "active", CollectionCase.strategy_code.in_(with_triggers))
                     .order_by(CollectionCase.debt_id).limit(chunk))
            page = list(await unit.session.execute(query if after is None else query.where(
                CollectionCase.debt_id > after)))
            if not page:
                return escalated
            after = page[-1].debt_id
            due = await _fired_in(unit.session, page, book, now)
        for debt_id, reason in due:  # rare: one short transaction each, as a collector's escalation is
            async with uow_factory() as unit:
                await escalate_to_legal(unit, debt_id=debt_id, reason_code=reason, actor=None)
            escalated += 1


async def _fired_in(session: Any, page: list[Any], book: Any, now: datetime) -> list[tuple[uuid.UUID, str]]:
    ids = {row.debt_id for row in page}
    broken = dict((await session.execute(select(CasePromiseStats.debt_id, CasePromiseStats.broken).where(
        one_of(CasePromiseStats.debt_id, ids)))).all())
    spoken = dict((await session.execute(select(ContactAttempt.debt_id, func.max(ContactAttempt.at)).where(
        one_of(ContactAttempt.debt_id, ids), ContactAttempt.connected.is_(True)).group_by(ContactAttempt.debt_id))).all())
    due = []
    for row in page:
        triggers = book.by_code(row.strategy_code).definition.escalation
        reason = fired(triggers, exposure=row.exposure, broken_promises=broken.get(row.debt_id, 0),
                       entered_at=row.entered_at, last_conversation_at=spoken.get(row.debt_id), now=now)
        if reason is not None:
            due.append((row.debt_id, reason))
    return due
