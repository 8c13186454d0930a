"""Collections use cases: assign a strategy when a debt is classified, escalate a case to legal, read cases."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.contact_policy.rules import ContactWindow, first_permitted_contact
from debtflow.collections.strategies.rules import strategy_for_bucket
from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import (
    CloudEvent,
    DebtClassified,
    DebtEscalatedToLegal,
    ScheduledAction,
    StrategyAssigned,
)
from debtflow.common.problems import Conflict, NotFound


async def assign_strategies(uow: UnitOfWork, events: list[CloudEvent[Any]], *, window: ContactWindow) -> None:
    """Set-based: the run's cases in one query, each classification applied in order in memory (a debt's later
    events see its earlier ones), new cases added; the unit of work flushes them in bulk."""
    cases = {case.debt_id: case for case in await uow.session.scalars(
        select(CollectionCase).where(one_of(CollectionCase.debt_id, {event.payload.debt_id for event in events})))}
    for event in events:
        with uow.on_behalf_of(event):  # what it emits, and the case's tenant, are this event's
            _assign_strategy(uow, cases, event.payload, window=window)


def _assign_strategy(uow: UnitOfWork, cases: dict[uuid.UUID, CollectionCase], classified: DebtClassified, *,
                     window: ContactWindow) -> None:
    """Open or update the debt's case; a new strategy schedules its first action inside contact hours."""
    case = cases.get(classified.debt_id)
    if case is not None and case.classified_as_of > classified.as_of_date:
        return  # an older classification arriving late changes nothing
    strategy = strategy_for_bucket(classified.dpd_bucket)
    now = utcnow()
    previous_strategy = case.strategy_code if case else None
    if case is None:
        case = cases[classified.debt_id] = CollectionCase(debt_id=classified.debt_id, status="active",
                                                          assigned_at=now)
        uow.session.add(case)
    case.borrower_id = classified.borrower_id
    case.tenant = uow.tenant or case.tenant
    case.dpd_bucket = classified.dpd_bucket
    case.five_tier_class = classified.five_tier_class
    case.classified_as_of = classified.as_of_date
    case.updated_at = now
    if previous_strategy == strategy.code:
        return
    case.strategy_code = strategy.code
    case.assigned_at = now
    case.next_action_channel = strategy.first_channel
    case.next_action_at = first_permitted_contact(now, window)
    uow.emit(
        StrategyAssigned(
            debt_id=case.debt_id, borrower_id=case.borrower_id, strategy_code=strategy.code,
            previous_strategy_code=previous_strategy, dpd_bucket=case.dpd_bucket,
            first_action=ScheduledAction(channel=strategy.first_channel, scheduled_for=case.next_action_at),  # type: ignore[arg-type]
            assigned_at=now,
        )
    )


async def escalate_to_legal(uow: UnitOfWork, *, debt_id: uuid.UUID, reason_code: str, actor: Actor) -> CollectionCase:
    """Hand a case over to legal; the legal service opens a legal case when it receives the event."""
    case = await uow.session.get(CollectionCase, debt_id)
    if case is None:
        raise NotFound(f"no collection case for debt {debt_id}")
    if case.status == "escalated":
        raise Conflict(f"debt {debt_id} was already escalated to legal at {case.escalated_at:%Y-%m-%d %H:%M} UTC")
    now = utcnow()
    case.status = "escalated"
    case.escalated_at = now
    case.escalation_reason = reason_code
    case.updated_at = now
    uow.emit(
        DebtEscalatedToLegal(
            debt_id=debt_id, borrower_id=case.borrower_id, reason_code=reason_code, escalated_by=actor.subject,
            escalated_at=now,
        ),
        tenant=case.tenant,  # a request has no event to take the tenant from: the case remembers it
    )
    return case


async def get_case(session: AsyncSession, debt_id: uuid.UUID) -> CollectionCase:
    case = await session.get(CollectionCase, debt_id)
    if case is None:
        raise NotFound(f"no collection case for debt {debt_id} (yet)")
    return case
