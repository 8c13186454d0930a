"""Storing a classification: the current row, and when a dimension changed the history row and bucket spells."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.classification.classifications.models import (
    BucketSpell,
    ClassificationHistoryRow,
    DebtClassificationRow,
)
from debtflow.classification.classifications.rules import Classification
from debtflow.classification.classifications.walk import snapshot_of
from debtflow.classification.facts.models import DebtFactsRow


@dataclass(frozen=True)
class Cause:
    """Why a debt is being classified, as its history records it: an event (type and id) or a job (re-ageing,
    rule-set activation, borrower contagion) and its reference."""

    kind: str
    ref: str | None = None


async def store(session: AsyncSession, facts: DebtFactsRow, current: DebtClassificationRow | None,
                result: Classification, *, as_of: date, ruleset_version: str, cause: Cause,
                now: datetime) -> DebtClassificationRow:
    """Write the current row; when a dimension changed, also a history row and the bucket spells, dated `as_of`."""
    previous = snapshot_of(current)
    if current is None:
        current = DebtClassificationRow(debt_id=facts.debt_id, first_classified_at=now)
        session.add(current)
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
    await _move_bucket(session, facts.debt_id, previous, result, day=as_of, now=now)
    session.add(ClassificationHistoryRow(
        debt_id=facts.debt_id, as_of_date=as_of, days_past_due=result.days_past_due, dpd_bucket=result.dpd_bucket,
        five_tier_class=result.five_tier_class, ifrs9_stage=result.ifrs9_stage, default_flag=result.default_flag,
        overdue_type=result.overdue_type, priority_score=result.priority_score, priority_tier=result.priority_tier,
        exposure=facts.exposure, status=facts.status, first_unpaid_due_date=facts.first_unpaid_due_date,
        reason_codes=list(result.reason_codes), ruleset_version=ruleset_version, cause=cause.kind,
        cause_ref=cause.ref, classified_at=now,
    ))
    return current


async def _move_bucket(session: AsyncSession, debt_id: uuid.UUID, previous: dict[str, object],
                       result: Classification, *, day: date, now: datetime) -> None:
    """Close the open bucket spell and open the next one: every entry and exit, dated and timestamped."""
    if previous.get("dpd_bucket") == result.dpd_bucket:
        return
    if previous:
        await session.execute(update(BucketSpell).where(BucketSpell.debt_id == debt_id, BucketSpell.exited_on.is_(None))
                              .values(exited_on=day, exited_at=now))
    session.add(BucketSpell(debt_id=debt_id, bucket=result.dpd_bucket, entered_on=day, entered_at=now))
