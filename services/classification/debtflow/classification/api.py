"""Classification HTTP API: classifications on any day, rankings, rule sets, re-ageing, portfolio, roll rates, SLA."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

import yaml
from fastapi import Depends, Query, Request
from pydantic import ValidationError
from sqlalchemy import and_, func, or_, select

from debtflow.common.auth import STAFF_ROLES, Actor, Role, require_roles
from debtflow.common.clock import utcnow
from debtflow.common.problems import InvalidInput, UnsupportedMediaType, field_error, validation_errors
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, service_router
from debtflow.common.web.app import read_body
from debtflow.classification import reporting, rulesets
from debtflow.classification.models import DebtClassificationRow
from debtflow.classification.reage import reage, runs
from debtflow.classification.schemas import (
    ActivationOut,
    ClassificationOut,
    CurrencyPortfolio,
    DryRunOut,
    PortfolioOut,
    PriorityPage,
    RankedDebt,
    ReageIn,
    ReageOut,
    RollMatrixOut,
    RollRatesOut,
    RuleSetIn,
    RuleSetOut,
    SlaOut,
)
from debtflow.classification.settings import ClassificationSettings

router = service_router(prefix="/v1", tags=["classification"])
Staff = Annotated[Actor, Depends(require_roles(*STAFF_ROLES))]
RuleAuthor = Annotated[Actor, Depends(require_roles(Role.RISK, Role.SUPERVISOR))]
Supervisor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
Operator = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR, Role.RISK, Role.ADMIN))]


def _settings(runtime: Any) -> ClassificationSettings:
    return runtime.settings  # type: ignore[no-any-return]


def business_today(runtime: Any) -> date:
    return utcnow().astimezone(_settings(runtime).zone).date()


@router.get("/classifications/{debt_id}", summary="A debt's classification today, or on any past day")
async def get_classification(
    debt_id: uuid.UUID, session: ReadSession, runtime: Runtime, _: Staff,
    as_of: Annotated[date | None, Query(description="The day to answer for (default: today).")] = None,
) -> ClassificationOut:
    return ClassificationOut(**await reporting.classification_on(session, debt_id, as_of or business_today(runtime)))


@router.get("/priorities", summary="Open debts ranked by priority (expected recoverable value x urgency)")
async def priorities(
    session: ReadSession, _: Staff,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    tier: Annotated[str | None, Query(pattern=r"^P[1-4]$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")] = None,
) -> PriorityPage:
    row = DebtClassificationRow
    scope = [row.status == "open"] + ([row.currency == currency] if currency else []) + \
        ([row.priority_tier == tier] if tier else [])
    page = select(row).where(*scope).order_by(row.priority_score.desc(), row.debt_id).limit(limit)
    ahead = 0
    if after:
        score, last_id = _decode_cursor(after)
        beyond = or_(row.priority_score < score, and_(row.priority_score == score, row.debt_id > last_id))
        page = page.where(beyond)
        ahead = int(await session.scalar(select(func.count()).select_from(row).where(*scope, ~beyond)) or 0)
    debts = list(await session.scalars(page))
    ranked = [RankedDebt(rank=ahead + index, debt_id=debt.debt_id, borrower_id=debt.borrower_id,
                         currency=debt.currency, priority_score=debt.priority_score, priority_tier=debt.priority_tier,
                         dpd_bucket=debt.dpd_bucket, five_tier_class=debt.five_tier_class, exposure=debt.exposure)
              for index, debt in enumerate(debts, start=1)]
    last = debts[-1] if len(debts) == limit else None
    return PriorityPage(debts=ranked, next_cursor=_encode_cursor(last.priority_score, last.debt_id) if last else None)


def _encode_cursor(score: Decimal, debt_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{score}|{debt_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[Decimal, uuid.UUID]:
    try:
        score, debt_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return Decimal(score), uuid.UUID(debt_id)
    except (ValueError, ArithmeticError):
        raise InvalidInput("the cursor is not one this API returned",
                           errors=[field_error("after", "cursor", "not a valid cursor", "query")]) from None


# -- rule sets ------------------------------------------------------------------------------------------


@router.get("/rulesets", summary="Every rule set version, drafts and retired ones included")
async def list_rulesets(session: ReadSession, _: Staff) -> list[RuleSetOut]:
    return [RuleSetOut.model_validate(row) for row in await rulesets.list_rulesets(session)]


@router.get("/rulesets/{ruleset_id}", summary="One rule set version")
async def get_ruleset(ruleset_id: uuid.UUID, session: ReadSession, _: Staff) -> RuleSetOut:
    return RuleSetOut.model_validate(await rulesets.get_ruleset(session, ruleset_id))


@router.post("/rulesets", status_code=201, summary="Submit a rule set version as a draft (JSON or YAML)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"$ref": "#/components/schemas/RuleSetIn"}},
                 "application/yaml": {"schema": {"$ref": "#/components/schemas/RuleSetIn"}}}}})
async def create_ruleset(request: Request, uow: UnitOfWorks, actor: RuleAuthor) -> RuleSetOut:
    submitted = await _rule_set_body(request)
    async with uow() as unit:
        row = await rulesets.create_draft(unit.session, version=submitted.version, document=submitted.rules,
                                          description=submitted.description, actor=actor)
    return RuleSetOut.model_validate(row)


async def _rule_set_body(request: Request) -> RuleSetIn:
    """Parse JSON or YAML (safe loading: data only, no tags that build objects)."""
    body = await read_body(request, max_bytes=1024 * 1024)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media == "application/json":
            document = json.loads(body)
        elif media in ("application/yaml", "application/x-yaml", "text/yaml"):
            document = yaml.safe_load(body)
        else:
            raise UnsupportedMediaType("send the rule set as application/json or application/yaml")
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
    row = await rulesets.get_ruleset(session, ruleset_id)
    today = business_today(runtime)
    report = await rulesets.dry_run(session, row, as_of=today)
    return DryRunOut(ruleset_version=row.version, as_of_date=today, examined=report.examined,
                     changes=report.changes, examples=report.examples)


@router.post("/rulesets/{ruleset_id}:activate", summary="Activate a draft (a supervisor other than its author)")
async def activate_ruleset(ruleset_id: uuid.UUID, uow: UnitOfWorks, runtime: Runtime,
                           actor: Supervisor) -> ActivationOut:
    today = business_today(runtime)
    async with uow() as unit:
        row = await rulesets.get_ruleset(unit.session, ruleset_id)
        due = await rulesets.activate(unit.session, row, actor=actor, today=today)
    # Apply it now rather than at the next daily run: every open debt is due today.
    await reage(uow, as_of=today, chunk_size=_settings(runtime).reage_chunk_size, cause="ruleset_activation")
    return ActivationOut(ruleset=RuleSetOut.model_validate(row), debts_due_for_reclassification=due)


# -- re-ageing --------------------------------------------------------------------------------------------


@router.post("/reage-runs", summary="Re-age every open debt to a date (idempotent per date)")
async def run_reage(body: ReageIn, uow: UnitOfWorks, runtime: Runtime, _: Operator) -> ReageOut:
    today = business_today(runtime)
    if body.as_of_date is not None and body.as_of_date > today + timedelta(days=1):
        raise InvalidInput("debts cannot be aged into the future", errors=[
            field_error("as_of_date", "not_future", f"must be on or before {today + timedelta(days=1)}")])
    report = await reage(uow, as_of=body.as_of_date or today, chunk_size=_settings(runtime).reage_chunk_size)
    return ReageOut.model_validate(report)


@router.get("/reage-runs", summary="The latest re-ageing runs")
async def list_reage_runs(session: ReadSession, _: Staff) -> list[ReageOut]:
    return [ReageOut.model_validate(run) for run in await runs(session)]


# -- portfolio, roll rates, SLA ---------------------------------------------------------------------------


@router.get("/portfolio", summary="Open debts by bucket, class, stage, type and tier, per currency")
async def get_portfolio(session: ReadSession, _: Staff) -> PortfolioOut:
    summary = await reporting.portfolio(session)
    return PortfolioOut(generated_at=utcnow(), by_currency=[
        CurrencyPortfolio(currency=currency, **values) for currency, values in sorted(summary.items())])


@router.get("/roll-rates", summary="Month-to-month bucket transition matrices from the bucket history")
async def get_roll_rates(session: ReadSession, runtime: Runtime, _: Staff,
                         months: Annotated[int, Query(ge=1, le=36)] = 6) -> RollRatesOut:
    matrices = await reporting.roll_rates(session, through=business_today(runtime), months=months)
    return RollRatesOut(months=[
        RollMatrixOut(from_month_end=matrix.from_day, to_month_end=matrix.to_day, counts=matrix.counts,
                      rates={source: {target: (Decimal(count) / sum(row.values())).quantize(Decimal("0.0001"))
                                      for target, count in row.items()}
                             for source, row in matrix.counts.items()})
        for matrix in matrices])


@router.get("/sla", summary="Time from default to first classification against the one-month target")
async def get_sla(session: ReadSession, runtime: Runtime, _: Staff) -> SlaOut:
    report = await reporting.sla(session, target_days=_settings(runtime).sla_target_days, now=utcnow())
    sla_gauge(runtime).set(report.breached + report.waiting_past_target)
    return SlaOut.model_validate(report, from_attributes=True)


def sla_gauge(runtime: Any) -> Any:
    """The breach count exported on /metrics (refreshed by this endpoint and after each re-ageing run)."""
    return runtime.metrics.gauge("debtflow_classification_sla_breaches",
                                 "Debts classified later than the target after default, or still waiting past it.")
