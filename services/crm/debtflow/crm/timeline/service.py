"""The timeline's use cases: record every lifecycle event on its tenant's borrower's timeline; page through one
(tenant, borrower) timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import CloudEvent, event_tenant
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import NotFound
from debtflow.common.tenants import the_one_tenant
from debtflow.crm.timeline.models import TimelineEntry
from debtflow.crm.timeline.wording import describe


async def record_on_timeline(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based: one entry per event, inserted in one statement. An event without a tenant (from before
    tenants) takes the tenant an event about the same debt carried; an event with one claims the debt's
    earlier tenantless entries (an old event may have come first, from another topic): one UPDATE per tenant."""
    known = await _tenants_of_debts(uow.session, {_debt_of(event) for event in events})
    entries: list[dict[str, Any]] = []
    tenantless: dict[Any, list[dict[str, Any]]] = {}  # entries of this run still without a tenant, by debt
    claimed: dict[str, set[Any]] = {}
    for event in events:
        payload, debt_id = event.payload, _debt_of(event)
        tenant = event_tenant(event)
        if tenant is None:
            tenant = known.get(debt_id)
        elif debt_id is not None:
            known.setdefault(debt_id, tenant)
            claimed.setdefault(tenant, set()).add(debt_id)
            for entry in tenantless.pop(debt_id, []):
                entry["tenant"] = tenant
        entry = {"tenant": tenant, "borrower_id": payload.borrower_id, "debt_id": debt_id,
                 "event_id": event.id, "event_type": event.type, "source_service": payload.producer,
                 "occurred_at": event.time, "summary": describe(payload)}
        if tenant is None and debt_id is not None:
            tenantless.setdefault(debt_id, []).append(entry)
        entries.append(entry)
    for tenant, debt_ids in claimed.items():
        await uow.session.execute(update(TimelineEntry).where(one_of(TimelineEntry.debt_id, debt_ids),
                                                              TimelineEntry.tenant.is_(None)).values(tenant=tenant))
    await uow.session.execute(insert(TimelineEntry), entries)


def _debt_of(event: CloudEvent[Any]) -> Any:
    """The debt an event is about; None for one about the borrower as a whole (consent, preferences)."""
    return getattr(event.payload, "debt_id", None)


async def _tenants_of_debts(session: AsyncSession, debt_ids: set[Any]) -> dict[Any, str]:
    """For events from before tenants: the tenant an earlier event about each debt carried (one query)."""
    debt_ids.discard(None)
    if not debt_ids:
        return {}
    found = await session.execute(select(TimelineEntry.debt_id, TimelineEntry.tenant).where(
        one_of(TimelineEntry.debt_id, debt_ids), TimelineEntry.tenant.is_not(None)).distinct())
    return {debt_id: tenant for debt_id, tenant in found.all()}


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
