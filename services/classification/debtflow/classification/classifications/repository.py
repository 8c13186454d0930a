"""Storing a classification: the current row, and when a dimension changed the history row and bucket spells.

`record` changes the current row in memory and gathers the history and spell rows in `PendingWrites`, which
writes them table by table: a handler classifying a poll's events, or one debt, flushes once either way."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.classification.classifications.models import (
    BucketSpell,
    ClassificationHistoryRow,
    DebtClassificationRow,
)
from debtflow.classification.classifications.rules import Classification
from debtflow.classification.classifications.walk import snapshot_of
from debtflow.classification.facts.models import DebtFactsRow
from debtflow.common.db.bulk import update_rows

HISTORY = ClassificationHistoryRow.__table__
SPELLS = BucketSpell.__table__


@dataclass(frozen=True)
class Cause:
    """Why a debt is being classified, as its history records it: an event (type and id) or a job (re-ageing,
    rule-set activation, borrower contagion) and its reference."""

    kind: str
    ref: str | None = None


@dataclass
class PendingWrites:
    """History rows and bucket-spell moves of many classifications, not yet written."""

    history: list[dict[str, Any]] = field(default_factory=list)
    #: Debts whose spell open in the database closes, and on which day.
    spells_closed: list[dict[str, Any]] = field(default_factory=list)
    #: Spells opened since the last flush, the last one per debt still open.
    spells_opened: dict[uuid.UUID, list[dict[str, Any]]] = field(default_factory=dict)
    #: Current rows of debts classified for the first time, added to the session after the facts rows are
    #: written: without a relationship between them, one ORM flush would not order the inserts by foreign key.
    new_current: list[DebtClassificationRow] = field(default_factory=list)

    def add_history(self, facts: Any, result: Classification, *, as_of: date, ruleset_version: str, cause: Cause,
                    now: datetime) -> None:
        """One history row; `facts` is the facts row or a plain row with its columns (the daily run's)."""
        self.history.append({
            "debt_id": facts.debt_id, "as_of_date": as_of, "days_past_due": result.days_past_due,
            "dpd_bucket": result.dpd_bucket, "five_tier_class": result.five_tier_class,
            "ifrs9_stage": result.ifrs9_stage, "default_flag": result.default_flag,
            "overdue_type": result.overdue_type, "priority_score": result.priority_score,
            "priority_tier": result.priority_tier, "exposure": facts.exposure, "status": facts.status,
            "first_unpaid_due_date": facts.first_unpaid_due_date, "reason_codes": list(result.reason_codes),
            "ruleset_version": ruleset_version, "cause": cause.kind, "cause_ref": cause.ref, "classified_at": now,
        })

    def move_bucket(self, debt_id: uuid.UUID, bucket: str, *, day: date, now: datetime, had_spell: bool) -> None:
        """Close the spell the debt is in (one opened since the last flush, else the one open in the database
        if `had_spell`) and open one in `bucket` from `day`: every entry and exit, dated and timestamped."""
        opened = self.spells_opened.setdefault(debt_id, [])
        if opened:
            opened[-1]["exited_on"], opened[-1]["exited_at"] = day, now
        elif had_spell:
            self.spells_closed.append({"debt_id": debt_id, "exited_on": day, "exited_at": now})
        opened.append({"debt_id": debt_id, "bucket": bucket, "entered_on": day, "entered_at": now,
                       "exited_on": None, "exited_at": None})

    async def flush(self, session: AsyncSession) -> None:
        """Write everything gathered: what the session holds (facts first), then what refers to it."""
        await session.flush()
        if self.new_current:
            session.add_all(self.new_current)
            await session.flush()
        await update_rows(session, SPELLS, "debt_id", self.spells_closed, where=[SPELLS.c.exited_on.is_(None)])
        opened = [spell for spells in self.spells_opened.values() for spell in spells]
        if opened:
            await session.execute(insert(SPELLS), opened)
        if self.history:
            await session.execute(insert(HISTORY), self.history)
        self.history, self.spells_closed, self.spells_opened, self.new_current = [], [], {}, []


def record(writes: PendingWrites, facts: DebtFactsRow, current: DebtClassificationRow | None,
           result: Classification, *, as_of: date, ruleset_version: str, cause: Cause,
           now: datetime) -> DebtClassificationRow:
    """Set the current row (made if there is none); when a dimension changed, gather a history row and the bucket
    spells, dated `as_of`. Nothing is written until `writes` and the session flush."""
    previous = snapshot_of(current)
    if current is None:
        current = DebtClassificationRow(debt_id=facts.debt_id, first_classified_at=now)
        writes.new_current.append(current)
    if current.registered_at is None and facts.registered_at is not None:
        current.registered_at = facts.registered_at
        current.seconds_to_classify = max(0, int((current.first_classified_at - facts.registered_at).total_seconds()))
    current.borrower_id, current.currency, current.exposure = facts.borrower_id, facts.currency, facts.exposure
    current.status, current.as_of_date = facts.status, as_of
    current.days_past_due, current.dpd_bucket = result.days_past_due, result.dpd_bucket
    current.five_tier_class, current.ifrs9_stage = result.five_tier_class, result.ifrs9_stage
    current.stage_improving_since, current.default_flag = result.stage_improving_since, result.default_flag
    current.overdue_type, current.priority_score = result.overdue_type, result.priority_score
    current.priority_tier, current.reason_codes = result.priority_tier, list(result.reason_codes)
    current.ruleset_version, current.next_change_on = ruleset_version, result.next_change_on
    current.classified_at = now
    if previous == snapshot_of(current):
        return current
    if previous.get("dpd_bucket") != result.dpd_bucket:
        writes.move_bucket(facts.debt_id, result.dpd_bucket, day=as_of, now=now, had_spell=bool(previous))
    writes.add_history(facts, result, as_of=as_of, ruleset_version=ruleset_version, cause=cause, now=now)
    return current


async def store(session: AsyncSession, facts: DebtFactsRow, current: DebtClassificationRow | None,
                result: Classification, *, as_of: date, ruleset_version: str, cause: Cause,
                now: datetime) -> DebtClassificationRow:
    """`record` one classification and write it at once."""
    writes = PendingWrites()
    current = record(writes, facts, current, result, as_of=as_of, ruleset_version=ruleset_version,
                     cause=cause, now=now)
    await writes.flush(session)
    return current
