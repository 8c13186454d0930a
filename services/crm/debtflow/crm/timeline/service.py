"""CRM use cases: record every lifecycle event on the borrower's timeline; page through a timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.db import UnitOfWork
from debtflow.common.events import CloudEvent
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


async def timeline_page(
    session: AsyncSession, borrower_id: str, *, limit: int, before: tuple[datetime, int] | None
) -> list[TimelineEntry]:
    """Newest first. `before` is the (occurred_at, id) of the last entry of the previous page (keyset paging)."""
    query = select(TimelineEntry).where(TimelineEntry.borrower_id == borrower_id)
    if before is not None:
        moment, entry_id = before
        query = query.where(
            or_(TimelineEntry.occurred_at < moment,
                and_(TimelineEntry.occurred_at == moment, TimelineEntry.id < entry_id))
        )
    entries = list(
        await session.scalars(query.order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc()).limit(limit))
    )
    if not entries and before is None:
        raise NotFound(f"no timeline for borrower {borrower_id}")
    return entries
