"""Payment plans and settlements over HTTP: collectors and supervisors propose them, supervisors approve what is
beyond the proposer's authority, the agent records the borrower's acceptance, either cancels one."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends

from debtflow.collections.arrangements import rules, service
from debtflow.collections.arrangements.models import PaymentPlan, PlanInstalment, Settlement
from debtflow.collections.arrangements.schemas import (
    AcceptanceIn,
    PlanIn,
    PlanOut,
    SettlementIn,
    SettlementOut,
)
from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.clock import utcnow
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router

router = service_router(prefix="/v1", tags=["arrangements"])
Agent = Annotated[Actor, Depends(require_roles(Role.COLLECTOR, Role.SUPERVISOR))]
Supervisor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]


def _plan_out(plan: PaymentPlan, instalments: list[PlanInstalment]) -> PlanOut:
    return PlanOut.model_validate({**_columns(plan), "instalments": instalments})


def _columns(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


@router.post("/cases/{debt_id}/payment-plans", status_code=201, summary="Propose a payment plan",
             responses=answers(404, 409))
async def propose_plan(debt_id: uuid.UUID, body: PlanIn, uow: UnitOfWorks, runtime: Runtime,
                       actor: Agent) -> PlanOut:
    schedule = [rules.Instalment(item.due_on, item.amount) for item in (body.down_payment, *body.instalments)]
    async with uow() as unit:
        plan, instalments = await service.propose_plan(unit, debt_id, total_amount=body.total_amount,
                                                       instalments=schedule, actor=actor,
                                                       settings=runtime.settings, now=utcnow())
    return _plan_out(plan, instalments)


@router.get("/cases/{debt_id}/payment-plans", summary="A case's payment plans, newest first")
async def list_plans(debt_id: uuid.UUID, session: ReadSession, _: Staff, limit: Limit = DEFAULT_LIMIT,
                     after: After = None) -> Page[PlanOut]:
    plans, next_cursor = await service.list_of_case(session, PaymentPlan, debt_id, limit=limit, after=after)
    instalments = await service.instalments_of(session, {plan.id for plan in plans})
    return Page(items=[_plan_out(plan, instalments[plan.id]) for plan in plans], next_cursor=next_cursor)


@router.get("/payment-plans/{plan_id}", summary="A payment plan with its instalments", responses=answers(404))
async def get_plan(plan_id: uuid.UUID, session: ReadSession, _: Staff) -> PlanOut:
    plan = await service.get_arrangement(session, PaymentPlan, plan_id)
    return _plan_out(plan, (await service.instalments_of(session, {plan_id}))[plan_id])


async def _plan_move(uow: UnitOfWorks, plan_id: uuid.UUID, move: Any, **options: Any) -> PlanOut:
    async with uow() as unit:
        plan = await move(unit, PaymentPlan, plan_id, now=utcnow(), **options)
        instalments = (await service.instalments_of(unit.session, {plan_id}))[plan_id]
        return _plan_out(plan, instalments)


@router.post("/payment-plans/{plan_id}:approve", summary="Approve a plan's discount (a supervisor; four eyes)",
             responses=answers(404, 409))
async def approve_plan(plan_id: uuid.UUID, uow: UnitOfWorks, runtime: Runtime, actor: Supervisor) -> PlanOut:
    return await _plan_move(uow, plan_id, service.approve, actor=actor, settings=runtime.settings)


@router.post("/payment-plans/{plan_id}:accept", summary="Record that the borrower accepted the plan",
             responses=answers(404, 409))
async def accept_plan(plan_id: uuid.UUID, body: AcceptanceIn, uow: UnitOfWorks, actor: Agent) -> PlanOut:
    return await _plan_move(uow, plan_id, service.accept, actor=actor, channel=body.channel)


@router.post("/payment-plans/{plan_id}:cancel", summary="Cancel a plan", responses=answers(404, 409))
async def cancel_plan(plan_id: uuid.UUID, uow: UnitOfWorks, actor: Agent) -> PlanOut:
    return await _plan_move(uow, plan_id, service.cancel, actor=actor)


@router.post("/cases/{debt_id}/settlements", status_code=201, summary="Propose a settlement",
             responses=answers(404, 409))
async def propose_settlement(debt_id: uuid.UUID, body: SettlementIn, uow: UnitOfWorks, runtime: Runtime,
                             actor: Agent) -> SettlementOut:
    async with uow() as unit:
        settlement = await service.propose_settlement(unit, debt_id, amount=body.amount, pay_by=body.pay_by,
                                                      actor=actor, settings=runtime.settings, now=utcnow())
    return SettlementOut.model_validate(settlement)


@router.get("/cases/{debt_id}/settlements", summary="A case's settlements, newest first")
async def list_settlements(debt_id: uuid.UUID, session: ReadSession, _: Staff, limit: Limit = DEFAULT_LIMIT,
                           after: After = None) -> Page[SettlementOut]:
    rows, next_cursor = await service.list_of_case(session, Settlement, debt_id, limit=limit, after=after)
    return Page(items=[SettlementOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/settlements/{settlement_id}", summary="A settlement", responses=answers(404))
async def get_settlement(settlement_id: uuid.UUID, session: ReadSession, _: Staff) -> SettlementOut:
    return SettlementOut.model_validate(await service.get_arrangement(session, Settlement, settlement_id))


async def _settlement_move(uow: UnitOfWorks, settlement_id: uuid.UUID, move: Any, **options: Any) -> SettlementOut:
    async with uow() as unit:
        settlement = await move(unit, Settlement, settlement_id, now=utcnow(), **options)
        return SettlementOut.model_validate(settlement)


@router.post("/settlements/{settlement_id}:approve", summary="Approve a settlement's discount (a supervisor; four "
             "eyes)", responses=answers(404, 409))
async def approve_settlement(settlement_id: uuid.UUID, uow: UnitOfWorks, runtime: Runtime,
                             actor: Supervisor) -> SettlementOut:
    return await _settlement_move(uow, settlement_id, service.approve, actor=actor, settings=runtime.settings)


@router.post("/settlements/{settlement_id}:accept", summary="Record that the borrower accepted the settlement",
             responses=answers(404, 409))
async def accept_settlement(settlement_id: uuid.UUID, body: AcceptanceIn, uow: UnitOfWorks,
                            actor: Agent) -> SettlementOut:
    return await _settlement_move(uow, settlement_id, service.accept, actor=actor, channel=body.channel)


@router.post("/settlements/{settlement_id}:cancel", summary="Cancel a settlement", responses=answers(404, 409))
async def cancel_settlement(settlement_id: uuid.UUID, uow: UnitOfWorks, actor: Agent) -> SettlementOut:
    return await _settlement_move(uow, settlement_id, service.cancel, actor=actor)
