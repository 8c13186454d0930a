"""Rule sets over HTTP: list and read versions, submit a draft (JSON or YAML), dry-run it, activate it."""

from __future__ import annotations

import uuid
from typing import Annotated

import yaml
from fastapi import Depends, Request, Response
from pydantic import ValidationError

from debtflow.classification.reageing.jobs import wake_reage_jobs
from debtflow.classification.reageing.schemas import ReageOut
from debtflow.classification.rulesets import service
from debtflow.classification.rulesets.reading import read_document
from debtflow.classification.rulesets.schemas import ActivationOut, DryRunOut, RuleSetIn, RuleSetOut
from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.problems import InvalidInput, UnsupportedMediaType, field_error, validation_errors
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, named_schema, service_router
from debtflow.common.web.app import read_body
from debtflow.common.web.bodies import JsonRefused, refused_body
from debtflow.common.web.gate import larger_body

router = service_router(prefix="/v1", tags=["rule sets"])
RuleAuthor = Annotated[Actor, Depends(require_roles(Role.RISK, Role.SUPERVISOR))]
Supervisor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
MAX_RULE_SET_BYTES = 1024 * 1024


@router.get("/rulesets", summary="Every rule set version, drafts and retired ones included, oldest first")
async def list_rulesets(session: ReadSession, _: Staff, limit: Limit = DEFAULT_LIMIT,
                        after: After = None) -> Page[RuleSetOut]:
    rows, next_cursor = await service.list_rulesets(session, limit=limit, after=after)
    return Page(items=[RuleSetOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/rulesets/{ruleset_id}", summary="One rule set version")
async def get_ruleset(ruleset_id: uuid.UUID, session: ReadSession, _: Staff) -> RuleSetOut:
    return RuleSetOut.model_validate(await service.get_ruleset(session, ruleset_id))


_SUBMISSION = {**larger_body(MAX_RULE_SET_BYTES), "requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": named_schema(RuleSetIn)}},
    "application/yaml": {"schema": {"$ref": named_schema(RuleSetIn)}}}}}


@router.post("/rulesets", status_code=201, summary="Submit a rule set version as a draft (JSON or YAML)",
             responses=answers(409), openapi_extra=_SUBMISSION)
async def create_ruleset(request: Request, uow: UnitOfWorks, actor: RuleAuthor) -> RuleSetOut:
    submitted = await _rule_set_body(request)
    async with uow() as unit:
        row = await service.create_draft(unit, version=submitted.version, document=submitted.rules,
                                         description=submitted.description, actor=actor)
    return RuleSetOut.model_validate(row)


async def _rule_set_body(request: Request) -> RuleSetIn:
    """Parse JSON or YAML (data only, no tags that build objects; depth, keys and numbers as `reading` says)."""
    body = await read_body(request, max_bytes=MAX_RULE_SET_BYTES)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        document = read_document(body, media)
    except LookupError:
        raise UnsupportedMediaType("send the rule set as application/json or application/yaml") from None
    except JsonRefused as error:
        raise refused_body(error) from None
    except (ValueError, yaml.YAMLError) as error:
        raise InvalidInput(f"the body does not parse: {error}"[:500],
                           errors=[field_error("body", "syntax", "not valid JSON or YAML")]) from None
    try:
        return RuleSetIn.model_validate(document)
    except ValidationError as error:
        raise InvalidInput("the rule set submission is not valid", errors=validation_errors(
            error.errors(include_input=False), location="body")) from None


@router.post("/rulesets/{ruleset_id}:dry-run", summary="What the rule set would change, changing nothing")
async def dry_run_ruleset(ruleset_id: uuid.UUID, session: ReadSession, runtime: Runtime, _: Staff) -> DryRunOut:
    row = await service.get_ruleset(session, ruleset_id)
    today = runtime.settings.today()
    report = await service.dry_run(session, row, as_of=today)
    return DryRunOut(ruleset_version=row.version, as_of_date=today, examined=report.examined,
                     changes=report.changes, examples=report.examples)


@router.post("/rulesets/{ruleset_id}:activate", status_code=202,
             summary="Activate a draft (a supervisor other than its author); its re-ageing run is queued",
             responses=answers(409))
async def activate_ruleset(ruleset_id: uuid.UUID, uow: UnitOfWorks, runtime: Runtime, actor: Supervisor,
                           response: Response) -> ActivationOut:
    activation = await service.activate(uow, ruleset_id, actor=actor, today=runtime.settings.today())
    wake_reage_jobs()
    response.headers["Location"] = f"/v1/reage-runs/{activation.reage_run.id}"
    return ActivationOut(ruleset=RuleSetOut.model_validate(activation.ruleset),
                         debts_due_for_reclassification=activation.debts_due,
                         reage_run=ReageOut.model_validate(activation.reage_run))
