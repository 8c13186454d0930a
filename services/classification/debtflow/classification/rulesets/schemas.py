"""What the rule-set endpoints take and answer."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from debtflow.classification.reageing.schemas import ReageOut
from debtflow.common.text import SafeMultilineText


class RuleSetIn(BaseModel):
    """A new rule set version; send it as JSON or YAML. Any threshold left out takes its built-in value."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "version": "2026.2", "description": "Stage 2 from 15 days past due",
        "rules": {"ifrs9": {"stage2_after_days": 15}},
    }]})

    version: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
    description: SafeMultilineText | None = Field(None, max_length=2000)
    rules: dict[str, Any] = Field(description="The rule set document (see the RuleSet schema in the docs).")


class RuleSetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: str
    status: Literal["draft", "active", "retired"]
    description: str | None
    author: str
    created_at: datetime
    activated_by: str | None
    activated_at: datetime | None
    document: dict[str, Any]


class DryRunOut(BaseModel):
    ruleset_version: str
    as_of_date: date
    examined: int
    changes: dict[str, int] = Field(description="How many open debts would change, per dimension.")
    examples: list[dict[str, Any]]


class ActivationOut(BaseModel):
    ruleset: RuleSetOut
    debts_due_for_reclassification: int
    reage_run: ReageOut = Field(description="The queued run that reclassifies them; poll its Location for progress.")
