"""Interaction use cases: log a contact (note screened, announced, on the timeline through crm's own event),
read a borrower's in pages."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import InteractionLogged
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import InvalidInput, NotFound, field_error
from debtflow.crm.borrowers.repository import borrower_of, check_debt_of
from debtflow.crm.interactions.models import Interaction
from debtflow.crm.interactions.schemas import InteractionIn
from debtflow.crm.screening import NotesPolicy, screened


async def log_interaction(uow: UnitOfWork, borrower_id: str, request: InteractionIn, *, tenant: str | None,
                          actor: Actor, notes: NotesPolicy) -> Interaction:
    profile = await borrower_of(uow.session, borrower_id, tenant=tenant)
    await check_debt_of(uow.session, profile, request.debt_id)
    now = utcnow()
    occurred_at = request.occurred_at or now
    if occurred_at > now:
        raise InvalidInput("occurred_at is in the future", errors=[field_error(
            "occurred_at", "not_in_future", "must not be later than now")])
    interaction = Interaction(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, debt_id=request.debt_id,
        channel=request.channel, direction=request.direction, outcome=request.outcome, party=request.party,
        duration_seconds=request.duration_seconds, recording_ref=request.recording_ref,
        note=screened(request.note, field="note", policy=notes), agent=actor.identity, agency=request.agency,
        strategy_code=request.strategy_code, occurred_at=occurred_at, recorded_at=now)
    uow.session.add(interaction)
    uow.emit(InteractionLogged(
        debt_id=interaction.debt_id, borrower_id=interaction.borrower_id, interaction_id=interaction.id,
        channel=request.channel, direction=request.direction, party=request.party, outcome=request.outcome,
        duration_seconds=request.duration_seconds, agent=interaction.agent, agency=request.agency,
        occurred_at=occurred_at), tenant=interaction.tenant)
    return interaction


async def interactions_page(session: AsyncSession, borrower_id: str, *, tenant: str | None, limit: int,
                            after: str | None) -> tuple[list[Interaction], str | None]:
    """Newest first, one keyset page."""
    profile = await borrower_of(session, borrower_id, tenant=tenant)
    query = select(Interaction).where(Interaction.tenant == profile.tenant,
                                      Interaction.borrower_id == profile.borrower_id)
    if after is not None:
        occurred_at, last_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where((Interaction.occurred_at < occurred_at)
                            | ((Interaction.occurred_at == occurred_at) & (Interaction.id < last_id)))
    query = query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit + 1)
    return page_of(list(await session.scalars(query)), limit, lambda row: (row.occurred_at, row.id))


async def get_interaction(session: AsyncSession, interaction_id: uuid.UUID) -> Interaction:
    interaction = await session.get(Interaction, interaction_id)
    if interaction is None:
        raise NotFound(f"no interaction {interaction_id}")
    return interaction
