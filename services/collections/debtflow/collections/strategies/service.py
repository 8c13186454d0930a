"""Strategy use cases: write a version, activate it (maker-checker), the strategies in force, a dry run, and
champion/challenger experiments (start and promotion are maker-checker too)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.costs.models import CollectionCost
from debtflow.collections.promises.models import CasePromiseStats
from debtflow.collections.strategies.defaults import BUILT_IN
from debtflow.collections.strategies.models import Experiment, StrategyVersion
from debtflow.collections.strategies.results import ArmResult, Comparison, DebtOutcome, arm_result, compare
from debtflow.collections.strategies.rules import (
    Arm,
    CaseSegment,
    Strategy,
    StrategyDefinition,
    arm_of,
    arms_valid,
    strategy_for,
)
from debtflow.common.auth import Actor, normalise_identity
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.db.sums import money_sum
from debtflow.common.problems import Conflict, InvalidInput, NotFound, field_error

BASIS_POINTS = 10_000


@dataclass(frozen=True)
class StrategyBook:
    """What decides a case's strategy: the strategies in force and the running experiments by champion."""

    strategies: list[Strategy]
    experiments: dict[str, Experiment]
    #: The planner looks a strategy up for every case it plans: by code, not by scanning the list.
    index: dict[str, Strategy] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {strategy.code: strategy for strategy in self.strategies})

    def by_code(self, code: str) -> Strategy | None:
        return self.index.get(code)

    def choose(self, case: CollectionCase) -> tuple[Strategy, Experiment | None, str | None]:
        """The case's strategy, and the experiment and arm that chose it when its segment is being tested."""
        champion = strategy_for(self.strategies, segment_of(case)) or self.strategies[-1]
        experiment = self.experiments.get(champion.code)
        if experiment is None:
            return champion, None, None
        arm = arm_of(case.debt_id, experiment.id, tuple(Arm.model_validate(a) for a in experiment.arms))
        return self.by_code(arm.strategy_code) or champion, experiment, arm.strategy_code


def segment_of(case: CollectionCase) -> CaseSegment:
    probability = None if case.recovery_probability_bp is None else (
        Decimal(case.recovery_probability_bp) / BASIS_POINTS)
    return CaseSegment(dpd_bucket=case.dpd_bucket, five_tier_class=case.five_tier_class,
                       overdue_type=case.overdue_type, exposure=case.exposure, recovery_probability=probability,
                       product=case.product, region=case.region, vulnerable=case.vulnerable)


async def strategy_book(session: AsyncSession) -> StrategyBook:
    """The built-in strategies overlaid by the active versions (a code's active version replaces its built-in
    one), with the running experiments; two queries, once per run of events or per planning chunk."""
    active = {row.code: Strategy(row.code, row.version, StrategyDefinition.model_validate(row.definition))
              for row in await session.scalars(select(StrategyVersion).where(StrategyVersion.status == "active"))}
    strategies = [active.pop(strategy.code, strategy) for strategy in BUILT_IN] + list(active.values())
    strategies.sort(key=lambda s: (s.definition.rank, s.code))
    experiments = {row.champion_code: row for row in await session.scalars(
        select(Experiment).where(Experiment.status == "running"))}
    return StrategyBook(strategies, experiments)


async def write_version(uow: UnitOfWork, *, code: str, definition: StrategyDefinition, actor: Actor,
                        ) -> StrategyVersion:
    """A new draft version of a strategy (the next number after every version of the code, built-in is 0)."""
    latest = await uow.session.scalar(select(func.max(StrategyVersion.version)).where(StrategyVersion.code == code))
    row = StrategyVersion(code=code, version=(latest or 0) + 1, status="draft",
                          definition=definition.model_dump(mode="json"), authored_by=actor.subject,
                          authored_at=utcnow())
    uow.session.add(row)
    await uow.session.flush()
    return row


async def activate_version(uow: UnitOfWork, *, code: str, version: int, actor: Actor) -> StrategyVersion:
    """Put a draft in force (its author may not: four eyes); the version in force before is retired. Cases take
    it on their next classification or planning run; those it moves start its path from the first step."""
    row = await _version(uow.session, code, version, lock=True)
    if row.status != "draft":
        raise Conflict(f"strategy {code} version {version} is {row.status}, only a draft can be activated",
                       slug="invalid-transition", current_state=row.status, allowed_from=["draft"])
    _four_eyes(row.authored_by, actor, what=f"strategy {code} version {version}")
    now = utcnow()
    for previous in await uow.session.scalars(select(StrategyVersion).where(
            StrategyVersion.code == code, StrategyVersion.status == "active").with_for_update()):
        previous.status, previous.retired_at = "retired", now
    row.status, row.activated_by, row.activated_at = "active", actor.subject, now
    return row


async def reject_version(uow: UnitOfWork, *, code: str, version: int, actor: Actor) -> StrategyVersion:
    row = await _version(uow.session, code, version, lock=True)
    if row.status != "draft":
        raise Conflict(f"strategy {code} version {version} is {row.status}", slug="invalid-transition",
                       current_state=row.status, allowed_from=["draft"])
    row.status, row.retired_at, row.activated_by = "rejected", utcnow(), actor.subject
    return row


async def list_versions(session: AsyncSession, code: str | None) -> list[StrategyVersion]:
    query = select(StrategyVersion).order_by(StrategyVersion.code, StrategyVersion.version)
    if code is not None:
        query = query.where(StrategyVersion.code == code)
    return list(await session.scalars(query.limit(1000)))


async def _version(session: AsyncSession, code: str, version: int, *, lock: bool = False) -> StrategyVersion:
    query = select(StrategyVersion).where(StrategyVersion.code == code, StrategyVersion.version == version)
    row = (await session.scalars(query.with_for_update() if lock else query)).first()
    if row is None:
        raise NotFound(f"no strategy {code} version {version}")
    return row


def _four_eyes(maker: str, checker: Actor, *, what: str) -> None:
    if normalise_identity(maker) == normalise_identity(checker.subject):
        raise Conflict(f"{what} was written by {maker}: another supervisor must approve it", slug="four-eyes")


async def _cases_in_pages(session: AsyncSession, *where: Any, size: int = 5_000) -> AsyncIterator[list[CollectionCase]]:
    """The cases matching `where`, a keyset page at a time (by debt id), so a big book is never held at once."""
    after = None
    while True:
        query = select(CollectionCase).where(*where).order_by(CollectionCase.debt_id).limit(size)
        page = list(await session.scalars(query if after is None else query.where(CollectionCase.debt_id > after)))
        if not page:
            return
        yield page
        after = page[-1].debt_id


@dataclass(frozen=True)
class DryRun:
    """How open cases would be assigned with a proposed version in force, against today's assignment."""

    cases: int
    by_strategy_now: dict[str, int]
    by_strategy_proposed: dict[str, int]
    would_change: int
    examples: list[dict[str, Any]]


async def dry_run(session: AsyncSession, *, code: str, definition: StrategyDefinition) -> DryRun:
    """Assign every active case with and without the proposed definition of `code`; nothing is written. The cases
    are read in pages so a big book is not held at once."""
    book = await strategy_book(session)
    proposed = Strategy(code, -1, definition)
    others = [strategy for strategy in book.strategies if strategy.code != code]
    proposed_book = StrategyBook(sorted([*others, proposed], key=lambda s: (s.definition.rank, s.code)), {})
    now_counts: Counter[str] = Counter()
    proposed_counts: Counter[str] = Counter()
    changed, examples, total = 0, [], 0
    async for page in _cases_in_pages(session, CollectionCase.status == "active"):
        for case in page:
            segment = segment_of(case)
            current = strategy_for(book.strategies, segment) or book.strategies[-1]
            new = strategy_for(proposed_book.strategies, segment) or proposed_book.strategies[-1]
            now_counts[current.code] += 1
            proposed_counts[new.code] += 1
            if current.code != new.code:
                changed += 1
                if len(examples) < 20:
                    examples.append({"debt_id": str(case.debt_id), "from": current.code, "to": new.code})
        total += len(page)
    return DryRun(total, dict(now_counts), dict(proposed_counts), changed, examples)


async def create_experiment(uow: UnitOfWork, *, experiment_id: str, champion_code: str, arms: tuple[Arm, ...],
                            description: str, actor: Actor) -> Experiment:
    """A draft experiment: the champion's share and each challenger's, by whole percent."""
    book = await strategy_book(uow.session)
    problem = arms_valid(champion_code, arms)
    if problem is None:
        unknown = [arm.strategy_code for arm in arms if book.by_code(arm.strategy_code) is None]
        problem = f"no strategy in force with code {', '.join(unknown)}" if unknown else None
    if problem:
        raise InvalidInput(problem, errors=[field_error("arms", "valid_split", problem)])
    if await uow.session.get(Experiment, experiment_id) is not None:
        raise Conflict(f"experiment {experiment_id} exists already")
    row = Experiment(id=experiment_id, champion_code=champion_code, arms=[arm.model_dump() for arm in arms],
                     status="draft", description=description, created_by=actor.subject, created_at=utcnow())
    uow.session.add(row)
    return row


async def start_experiment(uow: UnitOfWork, *, experiment_id: str, actor: Actor) -> Experiment:
    """Start splitting (four eyes: not by its author); one running experiment per champion."""
    row = await _experiment(uow.session, experiment_id)
    if row.status != "draft":
        raise Conflict(f"experiment {experiment_id} is {row.status}", slug="invalid-transition",
                       current_state=row.status, allowed_from=["draft"])
    _four_eyes(row.created_by, actor, what=f"experiment {experiment_id}")
    running = await uow.session.scalar(select(Experiment.id).where(
        Experiment.champion_code == row.champion_code, Experiment.status == "running"))
    if running:
        raise Conflict(f"experiment {running} already tests {row.champion_code}")
    row.status, row.started_by, row.started_at = "running", actor.subject, utcnow()
    return row


async def stop_experiment(uow: UnitOfWork, *, experiment_id: str) -> Experiment:
    """Stop splitting: cases keep their arm's strategy until their next assignment, which takes the champion."""
    row = await _experiment(uow.session, experiment_id)
    if row.status not in ("draft", "running"):
        raise Conflict(f"experiment {experiment_id} is {row.status}", slug="invalid-transition",
                       current_state=row.status, allowed_from=["draft", "running"])
    row.status, row.stopped_at = "stopped", utcnow()
    return row


async def promote(uow: UnitOfWork, *, experiment_id: str, strategy_code: str, actor: Actor) -> Experiment:
    """Maker-checker: the first supervisor asks to promote a challenger, a second one approves. Approval writes
    and activates a new version of the champion's code with the challenger's path (the champion's segment and
    rank stay), and stops the experiment."""
    row = await _experiment(uow.session, experiment_id)
    if row.status not in ("running", "stopped"):
        raise Conflict(f"experiment {experiment_id} is {row.status}", slug="invalid-transition",
                       current_state=row.status, allowed_from=["running", "stopped"])
    if strategy_code not in [arm["strategy_code"] for arm in row.arms[1:]]:
        raise InvalidInput(f"{strategy_code} is not a challenger of {experiment_id}",
                           errors=[field_error("strategy_code", "challenger", "must name a challenger arm")])
    if row.promotion_requested_by is None or row.promoted_code != strategy_code:
        row.promotion_requested_by, row.promoted_code = actor.subject, strategy_code
        return row
    _four_eyes(row.promotion_requested_by, actor, what=f"the promotion in experiment {experiment_id}")
    book = await strategy_book(uow.session)
    champion, challenger = book.by_code(row.champion_code), book.by_code(strategy_code)
    if champion is None or challenger is None:
        raise Conflict(f"{row.champion_code} or {strategy_code} is no longer in force")
    merged = challenger.definition.model_copy(update={"segment": champion.definition.segment,
                                                       "rank": champion.definition.rank})
    version = await write_version(uow, code=row.champion_code, definition=merged,
                                  actor=Actor(subject=row.promotion_requested_by, roles=actor.roles))
    await activate_version(uow, code=row.champion_code, version=version.version, actor=actor)
    row.status, row.stopped_at = "promoted", row.stopped_at or utcnow()
    return row


async def get_experiment(session: AsyncSession, experiment_id: str) -> Experiment:
    return await _experiment(session, experiment_id)


async def _experiment(session: AsyncSession, experiment_id: str) -> Experiment:
    row = await session.get(Experiment, experiment_id)
    if row is None:
        raise NotFound(f"no experiment {experiment_id}")
    return row


async def experiment_results(session: AsyncSession, experiment_id: str) -> tuple[Experiment, list[ArmResult],
                                                                                   dict[str, list[Comparison]]]:
    """Each arm's measures over the debts it took (whatever became of them since), and each challenger
    compared with the champion. Cost comes from the cost ledger, promises from the promise statistics; both are
    read per debt in pages of the experiment's cases."""
    experiment = await _experiment(session, experiment_id)
    outcomes: dict[str, list[DebtOutcome]] = {arm["strategy_code"]: [] for arm in experiment.arms}
    async for page in _cases_in_pages(session, CollectionCase.experiment_id == experiment_id):
        ids = {case.debt_id for case in page}
        costs = dict((await session.execute(select(CollectionCost.debt_id, money_sum(CollectionCost.amount))
                                            .where(one_of(CollectionCost.debt_id, ids))
                                            .group_by(CollectionCost.debt_id))).all())
        promises = {row.debt_id: row for row in await session.scalars(
            select(CasePromiseStats).where(one_of(CasePromiseStats.debt_id, ids)))}
        for case in page:
            stats = promises.get(case.debt_id)
            outcomes.setdefault(case.arm or experiment.champion_code, []).append(DebtOutcome(
                exposure=case.exposure_at_entry, recovered=case.recovered,
                cured=case.close_reason in ("cured", "settled"),
                cost=Decimal(costs.get(case.debt_id) or 0), promises_made=stats.made if stats else 0,
                promises_kept=stats.kept if stats else 0, complaints=case.complaints))
    arms = [arm_result(code, debts) for code, debts in outcomes.items()]
    champion = arms[0]
    comparisons = {arm.strategy_code: compare(champion, arm, outcomes[champion.strategy_code],
                                              outcomes[arm.strategy_code]) for arm in arms[1:]}
    return experiment, arms, comparisons
