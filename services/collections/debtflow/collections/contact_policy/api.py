"""The contact policy over HTTP: the decision audit, the rules in force, and a check before dialling."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query

from debtflow.collections.contact_policy import service
from debtflow.collections.contact_policy.profiles import ContactPolicy, describe
from debtflow.collections.contact_policy.schemas import (
    CheckOut,
    DecisionOut,
    OutcomeName,
    PolicyChannel,
    PolicyOut,
    RuleCode,
    RuleOut,
)
from debtflow.common.auth import Staff
from debtflow.common.dates import Instant
from debtflow.common.events.intake import ExternalRef
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.problems import InvalidInput, field_error
from debtflow.common.web import ReadSession, Runtime, answers, service_router

router = service_router(prefix="/v1", tags=["contact policy"])


@router.get("/contact-decisions", summary="Every contact decision, newest first (audit)")
async def list_decisions(
    session: ReadSession, _: Staff,
    debt_id: uuid.UUID | None = None, borrower_id: Annotated[ExternalRef | None, Query()] = None,
    outcome: OutcomeName | None = None, rule: RuleCode | None = None,
    since: Annotated[Instant | None, Query(alias="from", description="Decided at or after (ISO 8601).")] = None,
    until: Annotated[Instant | None, Query(alias="to", description="Decided before (ISO 8601).")] = None,
    limit: Limit = DEFAULT_LIMIT, after: After = None,
) -> Page[DecisionOut]:
    if since is not None and until is not None and until <= since:
        raise InvalidInput("`to` must be after `from`", errors=[
            field_error("to", "after_from", "must be after `from`", "query")])
    where = service.DecisionFilter(debt_id=debt_id, borrower_id=borrower_id, outcome=outcome, rule=rule,
                                   since=since, until=until)
    rows, next_cursor = await service.decisions_page(session, where, limit=limit, after=after)
    return Page(items=[DecisionOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/contact-policy", summary="The profile in force and its rules, with their sources")
async def get_policy(runtime: Runtime, _: Staff) -> PolicyOut:
    policy = ContactPolicy.from_settings(runtime.settings)
    profile = policy.profile
    return PolicyOut(profile=profile.code, title=profile.title, sources=profile.sources,
                     default_timezone=policy.default_zone.key, hours_start=f"{profile.hours_start:%H:%M}",
                     hours_end=f"{profile.hours_end:%H:%M}",
                     holidays=[] if profile.holiday_contact_allowed else sorted(profile.holidays),
                     working_days=sorted(profile.working_days),
                     rules=[RuleOut(code=rule.code, says=rule.says, source=rule.source) for rule in describe(profile)])


@router.get("/contact-policy/check", summary="What the policy would decide for a contact now, recording nothing",
            responses=answers(404))
async def check_contact(
    session: ReadSession, runtime: Runtime, _: Staff, debt_id: uuid.UUID, channel: PolicyChannel,
    at: Annotated[Instant | None, Query(description="When the contact would happen (default now).")] = None,
    party: Literal["borrower", "third_party", "representative"] = "borrower",
    contact_point_id: uuid.UUID | None = None,
    collectors: Annotated[int, Query(ge=1, le=10, description="Collectors on a field visit.")] = 1,
) -> CheckOut:
    proposal, decision, needed = await service.check(
        session, debt_id=debt_id, channel=channel, at=at, party=party, contact_point_id=contact_point_id,
        collectors=collectors, policy=ContactPolicy.from_settings(runtime.settings))
    return CheckOut(debt_id=proposal.debt_id, borrower_id=proposal.borrower_id, channel=proposal.channel,
                    at=proposal.at, party=proposal.party, outcome=decision.outcome, rule=decision.rule,
                    reason=decision.reason, not_before=decision.not_before, requirements=sorted(needed))


