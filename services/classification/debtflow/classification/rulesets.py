"""Managing rule sets: drafts, dry runs that change nothing, and activation by a second person (maker-checker)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.problems import Conflict, Forbidden, InvalidInput, NotFound, validation_errors
from debtflow.classification.facts import borrower_nonperforming_shares, debt_facts, pauses_of
from debtflow.classification.models import DebtClassificationRow, DebtFactsRow, RuleSetRow
from debtflow.classification.rules import PriorState, classify
from debtflow.classification.ruleset import BUILTIN_VERSION, RuleSet

_parsed: dict[str, RuleSet] = {}  # version -> rules; a version's document never changes once stored


@dataclass(frozen=True)
class ActiveRules:
    version: str
    rules: RuleSet


async def active_rules(session: AsyncSession) -> ActiveRules:
    """The active rule set; the built-in one until another is activated."""
    row = (await session.execute(
        select(RuleSetRow.version, RuleSetRow.document).where(RuleSetRow.status == "active")
    )).one_or_none()
    if row is None:
        return ActiveRules(BUILTIN_VERSION, RuleSet())
    if row.version not in _parsed:
        _parsed[row.version] = RuleSet.model_validate(row.document)
    return ActiveRules(row.version, _parsed[row.version])


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


async def create_draft(session: AsyncSession, *, version: str, document: dict[str, Any], description: str | None,
                       actor: Actor) -> RuleSetRow:
    rules = parse_rules(document)
    if version == BUILTIN_VERSION or await session.scalar(select(RuleSetRow.id).where(RuleSetRow.version == version)):
        raise Conflict(f"rule set version {version} exists already; versions are never reused")
    row = RuleSetRow(id=uuid.uuid4(), version=version, document=rules.model_dump(mode="json"), status="draft",
                     description=description, author=actor.subject, created_at=utcnow())
    session.add(row)
    return row


async def get_ruleset(session: AsyncSession, ruleset_id: uuid.UUID) -> RuleSetRow:
    row = await session.get(RuleSetRow, ruleset_id)
    if row is None:
        raise NotFound(f"no rule set {ruleset_id}")
    return row


async def list_rulesets(session: AsyncSession) -> list[RuleSetRow]:
    return list(await session.scalars(select(RuleSetRow).order_by(RuleSetRow.created_at)))


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
        pauses = await pauses_of(session, [current.debt_id for current, _ in rows])
        # Contagion is judged on today's classes (a full answer would iterate with the new rules' classes).
        shares = await borrower_nonperforming_shares(session, {facts.borrower_id for _, facts in rows}) \
            if rules.contagion.enabled else {}
        for current, facts in rows:
            result = classify(debt_facts(facts, pauses.get(current.debt_id, ()), shares.get(facts.borrower_id)),
                              max(as_of, current.as_of_date), rules,
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


async def activate(session: AsyncSession, ruleset: RuleSetRow, *, actor: Actor, today: date) -> int:
    """Make the rule set the active one. The checker must not be the maker. Every open debt is due for
    reclassification from today (the re-ageing run that follows applies it); returns how many."""
    if ruleset.status == "active":
        raise Conflict(f"rule set {ruleset.version} is already active")
    if ruleset.status != "draft":
        raise Conflict(f"rule set {ruleset.version} was retired; submit a new version instead")
    if actor.subject == ruleset.author:
        raise Forbidden("maker-checker: a rule set must be activated by a supervisor other than its author",
                        slug="maker-checker")
    await session.execute(update(RuleSetRow).where(RuleSetRow.status == "active").values(status="retired"))
    ruleset.status, ruleset.activated_by, ruleset.activated_at = "active", actor.subject, utcnow()
    result = await session.execute(update(DebtClassificationRow).where(DebtClassificationRow.status == "open")
                                   .values(next_change_on=today))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
