"""The recall check collections runs by itself: every `agency_recall_interval_seconds`, placements past their term
are recalled (on every replica; SKIP LOCKED keeps two from recalling one twice)."""

from __future__ import annotations

from typing import Any

from debtflow.collections.agencies.service import recall_expired
from debtflow.common.clock import utcnow
from debtflow.common.web.jobs import every


async def recall_expired_once(runtime: Any) -> int:
    """One pass, in chunks of a thousand per transaction, until none is left."""
    total = 0
    while True:
        async with runtime.uow() as unit:
            recalled = await recall_expired(unit, now=utcnow())
        total += recalled
        if recalled < 1000:
            return total


placement_expiry = every("agency_recall_interval_seconds", recall_expired_once, name="placement_expiry",
                         what="expired placement recall")
