"""The timeline's use cases: record every lifecycle event on the borrower's timeline; page through it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.db import UnitOfWork
from debtflow.common.events import CloudEvent
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import NotFound
from debtflow.crm.timeline.models import TimelineEntry
from debtflow.crm.timeline.wording import describe


async def record_on_timeline(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    payload = event.payload
    uow.session.add(
        TimelineEntry(
            borrower_id=payload.borrower_id, debt_id=payload.debt_id, event_id=event.id, event_type=event.type,
            source_service=payload.producer, occurred_at=event.time, summary=describe(payload),
        )
    )


async def timeline_page(session: AsyncSession, borrower_id: str, *, limit: int, after: str | None
                        ) -> tuple[list[TimelineEntry], str | None]:
    """Newest first (ties by entry id, newest first too), one keyset page; a borrower never seen is 404."""
    query = select(TimelineEntry).where(TimelineEntry.borrower_id == borrower_id)
    if after is not None:
        moment, entry_id = decode_cursor(after, datetime, int)
        query = query.where(or_(TimelineEntry.occurred_at < moment,
                                and_(TimelineEntry.occurred_at == moment, TimelineEntry.id < entry_id)))
    query = query.order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc()).limit(limit + 1)
    entries, next_cursor = page_of(list(await session.scalars(query)), limit,
                                   lambda entry: (entry.occurred_at, entry.id))
    if not entries and after is None:
        raise NotFound(f"no timeline for borrower {borrower_id}")
    return entries, next_cursor
