"""Hardship use cases: a collector records the request, a supervisor (not the requester) grants or declines it,
and a granted arrangement ends; each move is an event, and a grant pauses collection and the clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.events import HardshipDeclined, HardshipEnded, HardshipGranted, HardshipRequested
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Forbidden, InvalidInput, NotFound, field_error
from debtflow.crm.borrowers.repository import borrower_of, check_debt_of
from debtflow.crm.checks import locked_or_404, not_in_future, require_state
from debtflow.crm.hardship.models import HardshipRequest
from debtflow.crm.hardship.schemas import HardshipDecisionIn, HardshipEndIn, HardshipRequestIn
from debtflow.crm.screening import NotesPolicy, screened


async def request_hardship(uow: UnitOfWork, request: HardshipRequestIn, *, actor: Actor,
                           notes: NotesPolicy) -> HardshipRequest:
    profile = await borrower_of(uow.session, request.borrower_id, tenant=request.tenant)
    await check_debt_of(uow.session, profile, request.debt_id)
    now = utcnow()
    hardship = HardshipRequest(
        id=uuid.uuid4(), tenant=profile.tenant, borrower_id=profile.borrower_id, debt_id=request.debt_id,
        reasons=list(request.reasons), channel=request.channel,
        circumstances=screened(request.circumstances, field="circumstances", policy=notes),
        currency=request.currency, monthly_income=request.monthly_income, monthly_expenses=request.monthly_expenses,
        status="requested", requested_by=actor.identity, requested_at=now)
    uow.session.add(hardship)
    uow.emit(HardshipRequested(debt_id=hardship.debt_id, borrower_id=hardship.borrower_id, hardship_id=hardship.id,
                               reasons=tuple(hardship.reasons), requested_at=now), tenant=hardship.tenant)
    return hardship


async def decide_hardship(uow: UnitOfWork, hardship_id: uuid.UUID, decision: HardshipDecisionIn, *,
                          actor: Actor, today: date) -> HardshipRequest:
    """Four eyes: whoever recorded the request does not decide it."""
    hardship = await locked_or_404(uow.session, HardshipRequest, hardship_id, what="hardship request")
    require_state(hardship.status, ("requested",), what=f"hardship request {hardship_id}", move="decide")
    if actor.identity == hardship.requested_by:
        raise Forbidden("the person who recorded a hardship request does not decide it", slug="four-eyes")
    now = utcnow()
    hardship.decision_reason, hardship.decided_by, hardship.decided_at = decision.reason, actor.identity, now
    if decision.decision == "decline":
        hardship.status = "declined"
        uow.emit(HardshipDeclined(debt_id=hardship.debt_id, borrower_id=hardship.borrower_id,
                                  hardship_id=hardship.id, declined_at=now), tenant=hardship.tenant)
        return hardship
    _grant(hardship, decision, today=today)
    uow.emit(HardshipGranted(debt_id=hardship.debt_id, borrower_id=hardship.borrower_id, hardship_id=hardship.id,
                             starts_on=hardship.starts_on, ends_on=hardship.ends_on,  # type: ignore[arg-type]
                             arrangement=hardship.arrangement, review_on=hardship.review_on,  # type: ignore[arg-type]
                             granted_at=now), tenant=hardship.tenant)
    return hardship


def _grant(hardship: HardshipRequest, decision: HardshipDecisionIn, *, today: date) -> None:
    """The arrangement's terms: what it is, from when, until when, when reviewed (each checked against the others)."""
    errors = []
    if decision.arrangement is None:
        errors.append(field_error("arrangement", "required_to_grant", "is required to grant a request"))
    if decision.review_on is None:
        errors.append(field_error("review_on", "required_to_grant", "is required to grant a request"))
    if decision.arrangement == "reduced_payments" and decision.reduced_payment is None:
        errors.append(field_error("reduced_payment", "required_for_reduced_payments",
                                  "is required for a reduced_payments arrangement"))
    if decision.reduced_payment is not None and hardship.currency is None:
        errors.append(field_error("reduced_payment", "needs_currency",
                                  "needs the request's currency: record income or expenses with a currency first"))
    starts_on = decision.starts_on or today
    for field, day in (("ends_on", decision.ends_on), ("review_on", decision.review_on)):
        if day is not None and day < starts_on:
            errors.append(field_error(field, "not_before_start", f"must be on or after starts_on ({starts_on})"))
    if errors:
        raise InvalidInput("the arrangement's terms are incomplete or inconsistent", errors=errors)
    hardship.status, hardship.arrangement = "granted", decision.arrangement
    hardship.starts_on, hardship.ends_on, hardship.review_on = starts_on, decision.ends_on, decision.review_on
    hardship.reduced_payment = decision.reduced_payment


async def end_hardship(uow: UnitOfWork, hardship_id: uuid.UUID, ending: HardshipEndIn, *,
                       actor: Actor, today: date) -> HardshipRequest:
    hardship = await locked_or_404(uow.session, HardshipRequest, hardship_id, what="hardship request")
    require_state(hardship.status, ("granted",), what=f"hardship request {hardship_id}", move="end")
    now = utcnow()
    ended_on = not_in_future(ending.ended_on, today, "ended_on")
    if hardship.starts_on is not None and ended_on < hardship.starts_on:
        raise InvalidInput("an arrangement cannot end before it started", errors=[field_error(
            "ended_on", "not_before_start", f"must be on or after {hardship.starts_on}")])
    hardship.status, hardship.ended_on, hardship.end_reason = "ended", ended_on, ending.reason
    hardship.ended_by, hardship.ended_at = actor.identity, now
    uow.emit(HardshipEnded(debt_id=hardship.debt_id, borrower_id=hardship.borrower_id, hardship_id=hardship.id,
                           ended_on=ended_on, ended_at=now), tenant=hardship.tenant)
    return hardship


async def get_hardship(session: AsyncSession, hardship_id: uuid.UUID) -> HardshipRequest:
    hardship = await session.get(HardshipRequest, hardship_id)
    if hardship is None:
        raise NotFound(f"no hardship request {hardship_id}")
    return hardship


async def list_hardship(session: AsyncSession, *, borrower_id: str | None, tenant: str | None, status: str | None,
                        review_due_by: date | None, limit: int,
                        after: str | None) -> tuple[list[HardshipRequest], str | None]:
    """Newest first, one keyset page; `review_due_by` finds granted arrangements to review by that day."""
    query = select(HardshipRequest)
    if borrower_id is not None:
        query = query.where(HardshipRequest.borrower_id == borrower_id)
    if tenant is not None:
        query = query.where(HardshipRequest.tenant == tenant)
    if status is not None:
        query = query.where(HardshipRequest.status == status)
    if review_due_by is not None:
        query = query.where(HardshipRequest.status == "granted", HardshipRequest.review_on <= review_due_by)
    if after is not None:
        requested_at, last_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where((HardshipRequest.requested_at < requested_at)
                            | ((HardshipRequest.requested_at == requested_at) & (HardshipRequest.id < last_id)))
    query = query.order_by(HardshipRequest.requested_at.desc(), HardshipRequest.id.desc()).limit(limit + 1)
    return page_of(list(await session.scalars(query)), limit, lambda row: (row.requested_at, row.id))
