"""Reading re-ageing runs: the last day debts were aged to, and the runs themselves."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.classification.reageing.models import ReageRun


async def last_reage_day(session: AsyncSession) -> date:
    """The latest as-of date a finished re-ageing run reached (date.min before the first run)."""
    day = await session.scalar(select(func.max(ReageRun.as_of_date)).where(ReageRun.status == "finished"))
    return day or date.min
