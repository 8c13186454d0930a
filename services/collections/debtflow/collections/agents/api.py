"""Collectors, the worklist, claims and outcomes over HTTP: supervisors manage collectors and reassign cases,
collectors take their worklist, claim cases and log what their contacts came to."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Query

from debtflow.collections.agents import service
from debtflow.collections.agents.schemas import (
    ClaimOut,
    CollectorIn,
    CollectorOut,
    OutcomeIn,
    OutcomeOut,
    ReassignIn,
    RecordedOutcomeOut,
    Subject,
    WorkItemOut,
    Worklist,
)
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.clock import utcnow
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router

router = service_router(prefix="/v1", tags=["agents"])
Supervisor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
CollectorRole = Annotated[Actor, Depends(require_roles(Role.COLLECTOR))]
Agent = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR))]
SubjectPath = Annotated[Subject, Path(description="The collector's token subject.")]


@router.put("/collectors/{subject}", summary="Set a collector's team, skills and languages")
async def put_collector(subject: SubjectPath, body: CollectorIn, uow: UnitOfWorks, actor: Supervisor) -> CollectorOut:
    async with uow() as unit:
        collector = await service.put_collector(unit, subject, body, actor=actor, now=utcnow())
    return CollectorOut.model_validate(collector)


@router.get("/collectors/{subject}", summary="A collector", responses=answers(404))
async def get_collector(subject: SubjectPath, session: ReadSession, _: Staff) -> CollectorOut:
    return CollectorOut.model_validate(await service.get_collector(session, subject))


@router.get("/collectors", summary="Collectors, by identity")
async def list_collectors(session: ReadSession, _: Staff, team: Annotated[str | None, Query(max_length=64)] = None,
                          limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[CollectorOut]:
    rows, next_cursor = await service.list_collectors(session, team=team, limit=limit, after=after)
    return Page(items=[CollectorOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/worklist", summary="The calling collector's next best cases to call now")
async def get_worklist(session: ReadSession, runtime: Runtime, actor: CollectorRole,
                       limit: Annotated[int, Query(ge=1, le=500, description="Most cases.")] = 20) -> Worklist:
    settings = runtime.settings
    items = await service.worklist(session, actor=actor, settings=settings,
                                   policy=ContactPolicy.from_settings(settings), now=utcnow(),
                                   limit=min(limit, settings.agent_worklist_max))
    return Worklist(items=[WorkItemOut(
        debt_id=item.case.debt_id, borrower_id=item.case.borrower_id, dpd_bucket=item.case.dpd_bucket,
        exposure=item.case.exposure, currency=item.case.currency, priority_score=item.case.priority_score,
        priority_tier=item.case.priority_tier, promise_due_on=item.promise_due_on, callback_at=item.callback_at,
        claimed_until=item.claimed_until) for item in items])


@router.post("/cases/{debt_id}:claim", summary="Lock a case for yourself for a while", responses=answers(404, 409))
async def claim_case(debt_id: uuid.UUID, uow: UnitOfWorks, runtime: Runtime, actor: CollectorRole) -> ClaimOut:
    async with uow() as unit:
        held = await service.claim(unit, debt_id, actor=actor, minutes=runtime.settings.agent_claim_minutes,
                                   now=utcnow())
    return ClaimOut.model_validate(held)


@router.post("/cases/{debt_id}:release", status_code=204, summary="Give a claimed case back",
             responses=answers(409))
async def release_case(debt_id: uuid.UUID, uow: UnitOfWorks, actor: Agent) -> None:
    async with uow() as unit:
        await service.release(unit, debt_id, actor=actor, now=utcnow())


@router.post("/cases/{debt_id}:reassign", summary="Give a case to another collector", responses=answers(404, 409))
async def reassign_case(debt_id: uuid.UUID, body: ReassignIn, uow: UnitOfWorks, runtime: Runtime,
                        actor: Supervisor) -> ClaimOut:
    async with uow() as unit:
        held = await service.reassign(unit, debt_id, collector=body.collector, actor=actor,
                                      minutes=runtime.settings.agent_claim_minutes, now=utcnow())
    return ClaimOut.model_validate(held)


@router.post("/cases/{debt_id}/outcomes", status_code=201, summary="Log a contact and what it came to",
             responses=answers(404, 409))
async def record_outcome(debt_id: uuid.UUID, body: OutcomeIn, uow: UnitOfWorks, runtime: Runtime,
                         actor: Agent) -> RecordedOutcomeOut:
    recorded = await service.record_outcome(uow, debt_id, body, actor=actor, settings=runtime.settings,
                                            policy=ContactPolicy.from_settings(runtime.settings), now=utcnow())
    return RecordedOutcomeOut.model_validate(recorded.outcome).model_copy(update={"next_step": recorded.next_step})


@router.get("/cases/{debt_id}/outcomes", summary="A case's logged contacts, newest first")
async def list_outcomes(debt_id: uuid.UUID, session: ReadSession, _: Staff, limit: Limit = DEFAULT_LIMIT,
                        after: After = None) -> Page[OutcomeOut]:
    rows, next_cursor = await service.list_outcomes(session, debt_id, limit=limit, after=after)
    return Page(items=[OutcomeOut.model_validate(row) for row in rows], next_cursor=next_cursor)
