"""Agency performance over a period, for allocation and the yearly assessment: what it was given, what it
recovered and at what commission, complaints about it and contacts the policy refused it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.agencies.models import (
    Agency,
    AgencyComplaint,
    AgencyConductBreach,
    AgencyRecovery,
    Placement,
)
from debtflow.collections.agencies.rules import ratio
from debtflow.common.db import money_sum
from debtflow.common.problems import NotFound

ZERO = Decimal("0.00")


@dataclass
class CurrencyFigures:
    currency: str
    placements: int = 0
    placed_exposure: Decimal = ZERO
    recovered: Decimal = ZERO
    commission_cost: Decimal = ZERO

    @property
    def recovery_rate(self) -> Decimal | None:
        return ratio(self.recovered, self.placed_exposure)

    @property
    def cost_per_unit_recovered(self) -> Decimal | None:
        return ratio(self.commission_cost, self.recovered)


@dataclass
class Performance:
    agency_code: str
    by_currency: list[CurrencyFigures] = field(default_factory=list)
    complaints: int = 0
    conduct_breaches: int = 0


async def agency_performance(session: AsyncSession, code: str, *, start: datetime, end: datetime) -> Performance:
    """Placements made in [start, end) and their exposure; payments made in it (net of reversals) and their
    commission; complaints received and refused contacts attempted in it."""
    if await session.get(Agency, code) is None:
        raise NotFound(f"no agency {code}")
    figures: dict[str, CurrencyFigures] = defaultdict(lambda: CurrencyFigures(""))
    for currency, count, exposure in await session.execute(
            select(Placement.currency, func.count(), money_sum(Placement.exposure))
            .where(Placement.agency_code == code, Placement.placed_at >= start, Placement.placed_at < end)
            .group_by(Placement.currency)):
        figures[currency].placements, figures[currency].placed_exposure = int(count), exposure or ZERO
    recovery = AgencyRecovery
    for currency, recovered, earned in await session.execute(
            select(recovery.currency, money_sum(recovery.amount), money_sum(recovery.commission))
            .where(recovery.agency_code == code, recovery.paid_at >= start, recovery.paid_at < end,
                   recovery.reversed_at.is_(None)).group_by(recovery.currency)):
        figures[currency].recovered, figures[currency].commission_cost = recovered or ZERO, earned or ZERO
    for currency, item in figures.items():
        item.currency = currency
    return Performance(code, sorted(figures.values(), key=lambda item: item.currency),
                       complaints=await _count(session, AgencyComplaint, code, AgencyComplaint.received_at,
                                               start, end),
                       conduct_breaches=await _count(session, AgencyConductBreach, code,
                                                     AgencyConductBreach.attempted_at, start, end))


async def _count(session: AsyncSession, table: Any, code: str, when: Any, start: datetime, end: datetime) -> int:
    return int(await session.scalar(select(func.count()).select_from(table).where(
        table.agency_code == code, when >= start, when < end)) or 0)
