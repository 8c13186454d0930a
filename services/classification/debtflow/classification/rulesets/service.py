"""Managing rule sets: drafts, dry runs that change nothing, and activation by a second person (maker-checker),
applied to every open debt at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.classification.classifications.models import DebtClassificationRow
from debtflow.classification.classifications.rules import PriorState, classify
from debtflow.classification.facts.models import DebtFactsRow
from debtflow.classification.facts.repository import load_facts
from debtflow.classification.reageing.models import ReageRun
from debtflow.classification.reageing.service import queue_reage
from debtflow.classification.rulesets.active import ActiveRules, active_rules
from debtflow.classification.rulesets.document import BUILTIN_VERSION, RuleSet
from debtflow.classification.rulesets.models import RuleSetRow
from debtflow.common.auth import Actor, normalise_identity
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork, UnitOfWorkFactory
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Conflict, Forbidden, InvalidInput, NotFound, validation_errors

__all__ = ["ActiveRules", "activate", "active_rules", "create_draft", "dry_run", "get_ruleset", "list_rulesets",
           "parse_rules"]

def parse_rules(document: Any) -> RuleSet:
    """Validate a rule set document; overlapping or gapped buckets and the like are named field by field."""
    try:
        return RuleSet.model_validate(document)
    except ValidationError as error:
        # The document is submitted under `rules`; point there, so a client can find the field.
        located = [{**item, "loc": ("rules", *item["loc"])} for item in error.errors(include_input=False)]
        errors = validation_errors(located, location="body")
        raise InvalidInput("the rule set is not valid: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                           errors=errors) from None


async def create_draft(uow: UnitOfWork, *, version: str, document: dict[str, Any], description: str | None,
                       actor: Actor) -> RuleSetRow:
    """A new version as a draft; it classifies nothing until a second person activates it."""
    session = uow.session
    rules = parse_rules(document)
    if version == BUILTIN_VERSION or await session.scalar(select(RuleSetRow.id).where(RuleSetRow.version == version)):
        raise Conflict(f"rule set version {version} exists already; versions are never reused")
    row = RuleSetRow(id=uuid.uuid4(), version=version, document=rules.model_dump(mode="json"), status="draft",
                     description=description, author=actor.identity, created_at=utcnow())
    session.add(row)
    return row


async def get_ruleset(session: AsyncSession, ruleset_id: uuid.UUID) -> RuleSetRow:
    row = await session.get(RuleSetRow, ruleset_id)
    if row is None:
        raise NotFound(f"no rule set {ruleset_id}")
    return row


async def list_rulesets(session: AsyncSession, *, limit: int, after: str | None
                        ) -> tuple[list[RuleSetRow], str | None]:
    """Every version, drafts and retired ones included, oldest first, one keyset page."""
    query = select(RuleSetRow).order_by(RuleSetRow.created_at, RuleSetRow.id).limit(limit + 1)
    if after is not None:
        created_at, ruleset_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where(tuple_(RuleSetRow.created_at, RuleSetRow.id) > tuple_(created_at, ruleset_id))
    return page_of(list(await session.scalars(query)), limit, lambda row: (row.created_at, row.id))


@dataclass
class DryRun:
    examined: int = 0
    changes: dict[str, int] = field(default_factory=lambda: {"dpd_bucket": 0, "five_tier_class": 0,
                                                             "ifrs9_stage": 0, "default_flag": 0,
                                                             "priority_tier": 0})
    examples: list[dict[str, Any]] = field(default_factory=list)


async def dry_run(session: AsyncSession, ruleset: RuleSetRow, *, as_of: date, chunk_size: int = 2000,
                  max_examples: int = 20) -> DryRun:
    """What the rule set would change for every open debt today, computed and thrown away."""
    rules = RuleSet.model_validate(ruleset.document)
    report = DryRun()
    after: uuid.UUID | None = None
    while True:
        query = (select(DebtClassificationRow, DebtFactsRow).join(DebtFactsRow)
                 .where(DebtClassificationRow.status == "open").order_by(DebtClassificationRow.debt_id)
                 .limit(chunk_size))
        if after is not None:
            query = query.where(DebtClassificationRow.debt_id > after)
        rows = (await session.execute(query)).all()
        if not rows:
            return report
        # Contagion is judged on today's classes (a full answer would iterate with the new rules' classes).
        known = await load_facts(session, [facts for _, facts in rows], contagion=rules.contagion.enabled)
        for current, _ in rows:
            result = classify(known[current.debt_id], max(as_of, current.as_of_date), rules,
                              PriorState(current.ifrs9_stage, current.stage_improving_since))
            report.examined += 1
            differences = {name: (getattr(current, name), getattr(result, name)) for name in report.changes
                           if getattr(current, name) != getattr(result, name)}
            for name in differences:
                report.changes[name] += 1
            if differences and len(report.examples) < max_examples:
                report.examples.append({"debt_id": str(current.debt_id), "changes": {
                    name: {"from": old, "to": new} for name, (old, new) in differences.items()}})
        after = rows[-1][0].debt_id


@dataclass(frozen=True)
class Activation:
    ruleset: RuleSetRow
    debts_due: int
    reage_run: ReageRun  # queued: the service's background job carries it out


async def activate(uow_factory: UnitOfWorkFactory, ruleset_id: uuid.UUID, *, actor: Actor,
                   today: date) -> Activation:
    """Make a draft the active rule set (the checker must not be its maker) and queue a re-ageing run that
    applies it to every open debt now, rather than at the next daily run. One transaction: every open debt is
    due from today and the run is queued, so a stop at any moment leaves the debts due for whichever run comes
    next. The request answers at once, however many debts there are."""
    async with uow_factory() as uow:
        ruleset = await get_ruleset(uow.session, ruleset_id)
        due = await _make_active(uow, ruleset, actor=actor, today=today)
        run = queue_reage(uow, as_of=today, cause="ruleset_activation")
    return Activation(ruleset, due, run)


async def _make_active(uow: UnitOfWork, ruleset: RuleSetRow, *, actor: Actor, today: date) -> int:
    if ruleset.status == "active":
        raise Conflict(f"rule set {ruleset.version} is already active")
    if ruleset.status != "draft":
        raise Conflict(f"rule set {ruleset.version} was retired; submit a new version instead")
    # Authors stored before identities were normalised are normalised here too, so old drafts are covered.
    if actor.identity == normalise_identity(ruleset.author):
        raise Forbidden("maker-checker: a rule set must be activated by a supervisor other than its author",
                        slug="maker-checker")
    session = uow.session
    await session.execute(update(RuleSetRow).where(RuleSetRow.status == "active").values(status="retired"))
    ruleset.status, ruleset.activated_by, ruleset.activated_at = "active", actor.identity, utcnow()
    result = await session.execute(update(DebtClassificationRow).where(DebtClassificationRow.status == "open")
                                   .values(next_change_on=today))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
