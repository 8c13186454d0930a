"""The rule set in force: the active version, or the built-in one until another is activated."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.classification.rulesets.document import BUILTIN_VERSION, RuleSet
from debtflow.classification.rulesets.models import RuleSetRow

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
