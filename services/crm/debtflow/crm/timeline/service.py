"""The timeline's use cases: record every lifecycle event on its tenant's borrower's timeline; page through one
(tenant, borrower) timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.db import UnitOfWork
from debtflow.common.events import CloudEvent, event_tenant
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import NotFound
from debtflow.common.tenants import the_one_tenant
from debtflow.crm.timeline.models import TimelineEntry
from debtflow.crm.timeline.wording import describe


async def record_on_timeline(uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    payload = event.payload
    tenant = event_tenant(event)
    if tenant is None:
        tenant = await _tenant_of_debt(uow.session, payload.debt_id)
    elif payload.debt_id is not None:
        # An old, tenantless event about this debt may have come first (another topic): it is this tenant's.
        await uow.session.execute(update(TimelineEntry).where(TimelineEntry.debt_id == payload.debt_id,
                                                              TimelineEntry.tenant.is_(None)).values(tenant=tenant))
    uow.session.add(
        TimelineEntry(
            tenant=tenant, borrower_id=payload.borrower_id, debt_id=payload.debt_id, event_id=event.id,
            event_type=event.type, source_service=payload.producer, occurred_at=event.time,
            summary=describe(payload),
        )
    )


async def _tenant_of_debt(session: AsyncSession, debt_id: Any) -> str | None:
    """For an event from before tenants: the tenant an earlier event about the same debt carried."""
    if debt_id is None:
        return None
    return await session.scalar(select(TimelineEntry.tenant).where(
        TimelineEntry.debt_id == debt_id, TimelineEntry.tenant.is_not(None)).limit(1))


async def timeline_page(session: AsyncSession, borrower_id: str, *, tenant: str | None, limit: int,
                        after: str | None) -> tuple[list[TimelineEntry], str | None]:
    """Newest first (ties by entry id, newest first too), one keyset page of one tenant's borrower; without a
    tenant, the only tenant that has this borrower id (else 409); a borrower never seen is 404."""
    if tenant is None:
        found = await session.scalars(select(TimelineEntry.tenant).where(
            TimelineEntry.borrower_id == borrower_id, TimelineEntry.tenant.is_not(None)).distinct().limit(2))
        tenant = the_one_tenant(set(found), f"timeline for borrower {borrower_id}")
    query = select(TimelineEntry).where(TimelineEntry.tenant == tenant, TimelineEntry.borrower_id == borrower_id)
    if after is not None:
        moment, entry_id = decode_cursor(after, datetime, int)
        query = query.where(or_(TimelineEntry.occurred_at < moment,
                                and_(TimelineEntry.occurred_at == moment, TimelineEntry.id < entry_id)))
    query = query.order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc()).limit(limit + 1)
    entries, next_cursor = page_of(list(await session.scalars(query)), limit,
                                   lambda entry: (entry.occurred_at, entry.id))
    if not entries and after is None:
        raise NotFound(f"no timeline for borrower {borrower_id} of tenant {tenant}")
    return entries, next_cursor
