"""Satisfaction use cases: record a borrower's score for a resolved contact (once per contact, announced), and
the scores per collector, agency, strategy or month."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import SatisfactionRecorded
from debtflow.common.problems import Conflict, InvalidInput, field_error
from debtflow.crm.borrowers.repository import borrower_of
from debtflow.crm.interactions.models import Interaction
from debtflow.crm.satisfaction.models import SatisfactionAnswer
from debtflow.crm.satisfaction.rules import figures
from debtflow.crm.satisfaction.schemas import SatisfactionIn
from debtflow.crm.screening import NotesPolicy, screened

#: What the scores group by, and the column that says it.
GROUPS = {"collector": SatisfactionAnswer.agent, "agency": SatisfactionAnswer.agency,
          "strategy": SatisfactionAnswer.strategy_code, "month": SatisfactionAnswer.month}


async def record_answer(uow: UnitOfWork, borrower_id: str, request: SatisfactionIn, *, tenant: str | None,
                        actor: Actor, today: date, notes: NotesPolicy) -> SatisfactionAnswer:
    """The contact must be this borrower's; who handled it is copied from it, so a score is never misattributed."""
    profile = await borrower_of(uow.session, borrower_id, tenant=tenant)
    interaction = await uow.session.get(Interaction, request.interaction_id)
    if interaction is None or (interaction.tenant, interaction.borrower_id) != (profile.tenant, profile.borrower_id):
        raise InvalidInput(f"interaction {request.interaction_id} is not a contact with borrower {borrower_id}",
                           errors=[field_error("interaction_id", "known_interaction",
                                               "must be a logged contact with this borrower")])
    existing = await uow.session.scalar(select(SatisfactionAnswer.id).where(
        SatisfactionAnswer.interaction_id == interaction.id))
    if existing is not None:
        raise _answered_already(interaction.id)
    now = utcnow()
    answer = SatisfactionAnswer(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, interaction_id=interaction.id,
        score=request.score, comment=screened(request.comment, field="comment", policy=notes),
        agent=interaction.agent, agency=interaction.agency, strategy_code=interaction.strategy_code,
        month=f"{today:%Y-%m}", answered_at=now, recorded_by=actor.identity)
    async with uow.savepoint():
        uow.session.add(answer)
        try:
            await uow.session.flush()
        except IntegrityError:  # two answers for one contact at once: the unique constraint decides
            raise _answered_already(interaction.id) from None
    uow.emit(SatisfactionRecorded(borrower_id=answer.borrower_id, answer_id=answer.id,
                                  interaction_id=answer.interaction_id, score=answer.score, agent=answer.agent,
                                  agency=answer.agency, strategy_code=answer.strategy_code, answered_at=now),
             tenant=answer.tenant)
    return answer


def _answered_already(interaction_id: uuid.UUID) -> Conflict:
    return Conflict(f"the borrower already scored contact {interaction_id}", slug="already-answered")


async def scores(session: AsyncSession, *, group_by: str, tenant: str | None, month_from: str | None,
                 month_to: str | None) -> list[dict[str, Any]]:
    """One row per group (ordered by group), each with its answer count, mean, CSAT share and distribution."""
    column = GROUPS[group_by]
    query = select(column, SatisfactionAnswer.score, func.count()).group_by(column, SatisfactionAnswer.score)
    if tenant is not None:
        query = query.where(SatisfactionAnswer.tenant == tenant)
    if month_from is not None:
        query = query.where(SatisfactionAnswer.month >= month_from)
    if month_to is not None:
        query = query.where(SatisfactionAnswer.month <= month_to)
    counts: dict[str | None, dict[int, int]] = {}
    for group, score, count in (await session.execute(query)).all():
        counts.setdefault(group, {})[score] = count
    rows = []
    for group in sorted(counts, key=lambda name: (name is None, name or "")):
        answers, average, share = figures(counts[group])
        rows.append({"group": group, "answers": answers, "average": average, "csat_percent": share,
                     "distribution": {str(score): counts[group].get(score, 0) for score in range(1, 6)}})
    return rows
