"""Cost use cases: record what actions cost (set-based, announced as cost_incurred) and sum them by kind."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.costs.models import CollectionCost
from debtflow.collections.costs.rules import CHANNEL_OF_KIND, CostItem, check_item, cost_amount
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork, money_sum
from debtflow.common.db.bulk import insert_returning_new
from debtflow.common.events import CostIncurred


async def record_cost(uow: UnitOfWork, *, debt_id: uuid.UUID, borrower_id: str, kind: str, quantity: Decimal,
                      unit_cost: Decimal, currency: str, source_id: str, tenant: str | None = None) -> None:
    """Record one action's cost (see `record_costs`)."""
    await record_costs(uow, [CostItem(debt_id=debt_id, borrower_id=borrower_id, kind=kind, quantity=quantity,
                                      unit_cost=unit_cost, currency=currency, source_id=source_id, tenant=tenant)])


async def record_costs(uow: UnitOfWork, items: Sequence[CostItem], *, at: datetime | None = None) -> int:
    """Record costs in one insert and announce each new one; an item already recorded (same kind and source) is
    skipped, so a redelivered event or a retried dispatch costs nothing twice. Returns how many were new."""
    for item in items:
        check_item(item)
    now = at or utcnow()
    rows = [_row(item, now) for item in items]
    new = await insert_returning_new(uow.session, CollectionCost.__table__, rows, key="id")
    for item, row in zip(items, rows, strict=True):
        if row["id"] not in new:
            continue
        with uow.on_behalf_of(item.cause) if item.cause is not None else nullcontext():
            uow.emit(_announcement(row), tenant=row["tenant"])
    return len(new)


def _row(item: CostItem, now: datetime) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "debt_id": item.debt_id, "borrower_id": item.borrower_id, "tenant": item.tenant,
            "kind": item.kind, "channel": CHANNEL_OF_KIND[item.kind], "quantity": item.quantity,
            "unit_cost": item.unit_cost, "amount": cost_amount(item.quantity, item.unit_cost),
            "currency": item.currency, "source_id": item.source_id, "incurred_at": now}


def _announcement(row: dict[str, Any]) -> CostIncurred:
    return CostIncurred(cost_id=row["id"], debt_id=row["debt_id"], borrower_id=row["borrower_id"], kind=row["kind"],
                        channel=row["channel"], quantity=row["quantity"], unit_cost=row["unit_cost"],
                        amount=row["amount"], currency=row["currency"], source_id=row["source_id"],
                        incurred_at=row["incurred_at"])


async def cost_summary(session: AsyncSession, *, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Costs incurred in [start, end) by kind, channel and currency: how many items, units and how much."""
    cost = CollectionCost
    rows = await session.execute(
        select(cost.kind, cost.channel, cost.currency, func.count(), money_sum(cost.amount))
        .where(cost.incurred_at >= start, cost.incurred_at < end)
        .group_by(cost.kind, cost.channel, cost.currency).order_by(cost.currency, cost.kind))
    return [{"kind": kind, "channel": channel, "currency": currency, "items": items, "amount": amount}
            for kind, channel, currency, items, amount in rows]
