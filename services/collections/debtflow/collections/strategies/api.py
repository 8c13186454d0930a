"""Strategies and experiments over HTTP: supervisors write and activate (four eyes), staff read, dry runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from debtflow.collections.strategies import results, service
from debtflow.collections.strategies.defaults import BUILT_IN
from debtflow.collections.strategies.rules import Code
from debtflow.collections.strategies.schemas import (
    ArmOut,
    ComparisonOut,
    DryRunIn,
    DryRunOut,
    EstimateOut,
    ExperimentIn,
    ExperimentOut,
    ExperimentResultsOut,
    PromotionIn,
    StrategyVersionIn,
    StrategyVersionOut,
)
from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.web import ReadSession, UnitOfWorks, answers, service_router

router = service_router(prefix="/v1", tags=["strategies"])
Supervisor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
Version = Annotated[int, Path(ge=1, le=1_000_000, description="The version's number (built-in versions are 0).")]


def _built_in_out(code: str | None) -> list[StrategyVersionOut]:
    return [StrategyVersionOut(code=s.code, version=0, status="built_in",
                               definition=s.definition.model_dump(mode="json"), authored_by="debtflow",
                               authored_at=None, activated_by=None, activated_at=None)
            for s in BUILT_IN if code is None or s.code == code]


@router.get("/strategies", summary="The strategies in force, in the order they are tried")
async def strategies_in_force(session: ReadSession, _: Staff) -> list[StrategyVersionOut]:
    book = await service.strategy_book(session)
    rows = {(row.code, row.version): row for row in await service.list_versions(session, None)}
    return [StrategyVersionOut.model_validate(rows[(s.code, s.version)]) if s.version else
            _built_in_out(s.code)[0] for s in book.strategies]


@router.get("/strategies/versions", summary="Every version of every strategy (or of one code), built-in first")
async def strategy_versions(session: ReadSession, _: Staff,
                            code: Annotated[Code | None, Query()] = None) -> list[StrategyVersionOut]:
    written = [StrategyVersionOut.model_validate(row) for row in await service.list_versions(session, code)]
    return _built_in_out(code) + written


@router.post("/strategies", status_code=201, summary="Write a draft version of a strategy", responses=answers())
async def write_strategy(body: StrategyVersionIn, uow: UnitOfWorks, actor: Supervisor) -> StrategyVersionOut:
    async with uow() as unit:
        row = await service.write_version(unit, code=body.code, definition=body.definition, actor=actor)
    return StrategyVersionOut.model_validate(row)


@router.post("/strategies/{code}/versions/{version}:activate", responses=answers(404, 409),
             summary="Put a draft in force (a supervisor other than its author)")
async def activate_strategy(code: Code, version: Version, uow: UnitOfWorks, actor: Supervisor) -> StrategyVersionOut:
    async with uow() as unit:
        row = await service.activate_version(unit, code=code, version=version, actor=actor)
    return StrategyVersionOut.model_validate(row)


@router.post("/strategies/{code}/versions/{version}:reject", responses=answers(404, 409),
             summary="Reject a draft")
async def reject_strategy(code: Code, version: Version, uow: UnitOfWorks, actor: Supervisor) -> StrategyVersionOut:
    async with uow() as unit:
        row = await service.reject_version(unit, code=code, version=version, actor=actor)
    return StrategyVersionOut.model_validate(row)


@router.post("/strategies:dry-run", summary="How many active cases each strategy would take with a definition "
             "in force, and which would change strategy; nothing is written")
async def dry_run(body: DryRunIn, session: ReadSession, _: Supervisor) -> DryRunOut:
    result = await service.dry_run(session, code=body.code, definition=body.definition)
    return DryRunOut(cases=result.cases, by_strategy_now=result.by_strategy_now,
                     by_strategy_proposed=result.by_strategy_proposed, would_change=result.would_change,
                     examples=result.examples)


@router.post("/experiments", status_code=201, summary="Draft a champion/challenger experiment",
             responses=answers(409))
async def create_experiment(body: ExperimentIn, uow: UnitOfWorks, actor: Supervisor) -> ExperimentOut:
    async with uow() as unit:
        row = await service.create_experiment(unit, experiment_id=body.id, champion_code=body.champion_code,
                                              arms=body.arms, description=body.description, actor=actor)
    return ExperimentOut.model_validate(row)


@router.get("/experiments/{experiment_id}", summary="An experiment", responses=answers(404))
async def get_experiment(experiment_id: Code, session: ReadSession, _: Staff) -> ExperimentOut:
    return ExperimentOut.model_validate(await service.get_experiment(session, experiment_id))


@router.post("/experiments/{experiment_id}:start", responses=answers(404, 409),
             summary="Start splitting the champion's debts (a supervisor other than its author)")
async def start_experiment(experiment_id: Code, uow: UnitOfWorks, actor: Supervisor) -> ExperimentOut:
    async with uow() as unit:
        row = await service.start_experiment(unit, experiment_id=experiment_id, actor=actor)
    return ExperimentOut.model_validate(row)


@router.post("/experiments/{experiment_id}:stop", responses=answers(404, 409), summary="Stop the experiment")
async def stop_experiment(experiment_id: Code, uow: UnitOfWorks, _: Supervisor) -> ExperimentOut:
    async with uow() as unit:
        row = await service.stop_experiment(unit, experiment_id=experiment_id)
    return ExperimentOut.model_validate(row)


@router.post("/experiments/{experiment_id}:promote", responses=answers(404, 409),
             summary="Ask to promote a challenger, or (a second supervisor) approve the promotion")
async def promote(experiment_id: Code, body: PromotionIn, uow: UnitOfWorks, actor: Supervisor) -> ExperimentOut:
    async with uow() as unit:
        row = await service.promote(unit, experiment_id=experiment_id, strategy_code=body.strategy_code, actor=actor)
    return ExperimentOut.model_validate(row)


@router.get("/experiments/{experiment_id}/results", responses=answers(404),
            summary="Each arm's recovery, cure, promise-kept, cost and complaint rates with 95 % intervals, and "
            "whether each challenger differs significantly from the champion")
async def experiment_results(experiment_id: Code, session: ReadSession, _: Staff) -> ExperimentResultsOut:
    experiment, arms, comparisons = await service.experiment_results(session, experiment_id)

    def estimate(value: results.Estimate) -> EstimateOut:
        return EstimateOut(value=value.value, low=value.low, high=value.high)

    return ExperimentResultsOut(
        experiment=ExperimentOut.model_validate(experiment),
        arms=[ArmOut(strategy_code=a.strategy_code, debts=a.debts, exposure_at_entry=a.exposure,
                     recovered=a.recovered, cost=a.cost, recovery_rate=estimate(a.recovery_rate),
                     cure_rate=estimate(a.cure_rate), promise_kept_rate=estimate(a.promise_kept_rate),
                     cost_per_unit_recovered=estimate(a.cost_per_unit_recovered),
                     complaints_per_1000=estimate(a.complaints_per_1000)) for a in arms],
        comparisons={code: [ComparisonOut(**c.__dict__) for c in found] for code, found in comparisons.items()},
        method=(results.__doc__ or "").strip())
