"""Contact policy use cases: decide proposed contacts set-based, record decisions and attempts, authorise logged
contacts, keep the holds and borrower context from crm's and intake's events, read the audit."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.contact_policy.models import (
    ContactAttempt,
    ContactBorrower,
    ContactDecisionRecord,
    ContactHold,
)
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.contact_policy.rules import (
    Attempt,
    ContactDecision,
    Hold,
    ProposedContact,
    Situation,
    StatedTime,
    as_refused,
    decide_all,
    local_moment,
    requirements,
)
from debtflow.common.clock import check_time_zone, utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import (
    BorrowerCircumstanceRecorded,
    BorrowerConsentChanged,
    CloudEvent,
    ComplaintReceived,
    ComplaintResolved,
    ContactPreferencesChanged,
    ContactRestricted,
    DisputeOpened,
    DisputeResolved,
    HardshipEnded,
    HardshipGranted,
    VulnerabilityRecorded,
    event_tenant,
)
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import NotFound, Problem

#: crm's events that open or close a hold.
HOLD_EVENTS = (DisputeOpened, DisputeResolved, HardshipGranted, HardshipEnded, ContactRestricted,
               BorrowerCircumstanceRecorded, VulnerabilityRecorded, ComplaintReceived, ComplaintResolved)
#: crm's events that change the borrower's context (preferences, consent).
CONTEXT_EVENTS = (ContactPreferencesChanged, BorrowerConsentChanged)
CRM_EVENTS = (*HOLD_EVENTS, *CONTEXT_EVENTS)


class ContactRefused(Problem):
    """An agent or agency logged a contact that broke a rule of the contact policy."""

    status, slug, title = 422, "contact-policy-breach", "The contact breaks the contact policy"

    def __init__(self, decision: ContactDecision) -> None:
        super().__init__(f"{decision.rule}: {decision.reason}", rule=decision.rule, reason=decision.reason,
                         not_before=decision.not_before.isoformat() if decision.not_before else None)


# -- deciding -------------------------------------------------------------------------------------------------------

TenantKey = tuple[str | None, str]
R = TypeVar("R")


@dataclass
class _Known:
    """What the database holds about the proposals' borrowers, read in one query per table."""

    tenants: dict[uuid.UUID, str | None]
    holds: dict[str, list[ContactHold]]             # by borrower id
    borrowers: dict[str, list[Any]]                # rows of _CONTEXT_COLUMNS
    attempts: dict[str, list[ContactAttempt]]


async def decide(session: AsyncSession, proposals: Sequence[ProposedContact], *, policy: ContactPolicy,
                 tenants: Mapping[uuid.UUID, str | None] | None = None) -> list[ContactDecision]:
    """Set-based: four queries for the whole list, then the rules in memory (`decide_all`: in time order, an
    allowed proposal counting as an attempt for the later ones)."""
    if not proposals:
        return []
    known = await _read_known(session, proposals, policy, tenants)

    def key_of(proposal: ProposedContact) -> TenantKey:
        return known.tenants.get(proposal.debt_id), proposal.borrower_id
    situations = {key: _situation(key, known, policy) for key in set(map(key_of, proposals))}
    return decide_all(proposals, situations, key_of, policy.profile)


async def _read_known(session: AsyncSession, proposals: Sequence[ProposedContact], policy: ContactPolicy,
                      tenants_known: Mapping[uuid.UUID, str | None] | None = None) -> _Known:
    borrower_ids = {proposal.borrower_id for proposal in proposals}
    moments = [proposal.at for proposal in proposals]
    # Attempts after a proposal's moment count too (a whole day's cap, an interval on either side).
    earliest, latest = min(moments) - policy.profile.lookback(), max(moments) + policy.profile.lookback()
    # The planner knows each debt's lender (it holds the cases): no need to read them again.
    tenants = dict(tenants_known) if tenants_known is not None else await _tenants_of(session, proposals)
    holds = await session.scalars(select(ContactHold).where(
        one_of(ContactHold.borrower_id, borrower_ids),
        or_(ContactHold.ends_at.is_(None), ContactHold.ends_at > min(moments))))
    # Plain rows of the columns the rules read, not ORM objects: a planning run asks about thousands at a time.
    borrowers = await session.execute(select(*_CONTEXT_COLUMNS).where(
        one_of(ContactBorrower.borrower_id, borrower_ids)))
    attempts = await session.scalars(select(ContactAttempt).where(
        one_of(ContactAttempt.borrower_id, borrower_ids), ContactAttempt.at >= earliest, ContactAttempt.at <= latest))
    return _Known(tenants, _by_borrower(holds), _by_borrower(borrowers), _by_borrower(attempts))


_CONTEXT_COLUMNS = (ContactBorrower.tenant, ContactBorrower.borrower_id, ContactBorrower.timezone,
                    ContactBorrower.opted_out_channels, ContactBorrower.preferred_times,
                    ContactBorrower.collection_consent, ContactBorrower.third_party_consent)


def _by_borrower(rows: Iterable[R]) -> dict[str, list[R]]:
    grouped: dict[str, list[R]] = {}
    for row in rows:
        grouped.setdefault(row.borrower_id, []).append(row)  # type: ignore[attr-defined]
    return grouped


async def _tenants_of(session: AsyncSession, proposals: Sequence[ProposedContact]) -> dict[uuid.UUID, str | None]:
    """Each debt's lender, from its case: a borrower id names someone only within one lender."""
    rows = await session.execute(select(CollectionCase.debt_id, CollectionCase.tenant).where(
        one_of(CollectionCase.debt_id, {proposal.debt_id for proposal in proposals})))
    return {debt_id: tenant for debt_id, tenant in rows}


def _same_lender(row_tenant: str | None, tenant: str | None) -> bool:
    """A row or debt whose lender is not known reaches every lender's borrower of that id: a hold is never lost."""
    return row_tenant is None or tenant is None or row_tenant == tenant


def _situation(key: TenantKey, known: _Known, policy: ContactPolicy) -> Situation:
    tenant, borrower_id = key
    contexts = [row for row in known.borrowers.get(borrower_id, ()) if _same_lender(row.tenant, tenant)]
    zone = next((ZoneInfo(row.timezone) for row in contexts if row.timezone), policy.default_zone)
    return Situation(
        zone=zone,
        holds=tuple(_hold(row) for row in known.holds.get(borrower_id, ()) if _same_lender(row.tenant, tenant)),
        attempts=tuple(_attempt(row) for row in known.attempts.get(borrower_id, ())
                       if _same_lender(row.tenant, tenant)),
        # Several rows only when the lender is not known: the strictest of them holds.
        opted_out=frozenset(channel for row in contexts for channel in row.opted_out_channels),
        preferred_times=tuple(StatedTime.parse(window) for row in contexts for window in row.preferred_times),
        collection_consent_withdrawn=any(row.collection_consent == "withdrawn" for row in contexts),
        third_party_consent_withdrawn=any(row.third_party_consent == "withdrawn" for row in contexts))


def _hold(row: ContactHold) -> Hold:
    return Hold(kind=row.kind, starts_at=row.starts_at, ends_at=row.ends_at, debt_id=row.debt_id,
                channels=frozenset(row.channels) if row.channels is not None else None, detail=row.detail,
                allowed_times=tuple(StatedTime.parse(window) for window in row.allowed_times or ()),
                contact_point_id=row.contact_point_id)


def _attempt(row: ContactAttempt) -> Attempt:
    return Attempt(debt_id=row.debt_id, channel=row.channel, at=row.at, party=row.party,
                   contact_point_id=row.contact_point_id, connected=row.connected, actor=row.actor, agency=row.agency)


# -- recording ------------------------------------------------------------------------------------------------------

async def record(uow: UnitOfWork, proposals: Sequence[ProposedContact], decisions: Sequence[ContactDecision], *,
                 action_ids: Sequence[uuid.UUID | None] | None = None, actor_subject: str | None = None) -> None:
    """The audit row of every decision, and the attempt row of every allowed contact (what the caps count)."""
    await _write(uow.session, proposals, decisions, action_ids=action_ids, actor_subject=actor_subject,
                 counts=lambda decision: decision.outcome == "allowed")


async def authorise_logged_contact(uow_factory: Callable[[], UnitOfWork], proposal: ProposedContact, *,
                                   policy: ContactPolicy, actor_subject: str | None = None) -> ContactDecision:
    """For an agent or agency logging a contact they made: the decision is committed in its own unit of work (so a
    refusal is audited even when the caller's work is rolled back), then a breach raises ContactRefused."""
    async with uow_factory() as uow:
        [decision] = await decide(uow.session, [proposal], policy=policy)
        decision = as_refused(decision)
        # The contact happened whatever the policy says of it: the caps count it, so the next one is judged by
        # what the borrower actually received.
        await _write(uow.session, [proposal], [decision], action_ids=None, actor_subject=actor_subject,
                     counts=lambda _: True)
    if decision.outcome == "refused":
        raise ContactRefused(decision)
    return decision


async def _write(session: AsyncSession, proposals: Sequence[ProposedContact], decisions: Sequence[ContactDecision],
                 *, action_ids: Sequence[uuid.UUID | None] | None, actor_subject: str | None,
                 counts: Callable[[ContactDecision], bool]) -> None:
    if len(decisions) != len(proposals) or (action_ids is not None and len(action_ids) != len(proposals)):
        raise ValueError("proposals, decisions and action_ids must be of one length")
    if not proposals:
        return
    tenants = await _tenants_of(session, proposals)
    now = utcnow()
    actions = action_ids or [None] * len(proposals)
    audit, attempts = [], []
    for proposal, decision, action_id in zip(proposals, decisions, actions, strict=True):
        tenant = tenants.get(proposal.debt_id)
        audit.append(_audit_row(proposal, decision, tenant=tenant, action_id=action_id, actor_subject=actor_subject,
                                now=now))
        if counts(decision):
            attempts.append(_attempt_row(proposal, tenant=tenant, action_id=action_id, now=now))
    await session.execute(insert(ContactDecisionRecord), audit)
    if attempts:
        await session.execute(insert(ContactAttempt), attempts)


def _audit_row(proposal: ProposedContact, decision: ContactDecision, *, tenant: str | None,
               action_id: uuid.UUID | None, actor_subject: str | None, now: datetime) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "tenant": tenant, "debt_id": proposal.debt_id, "borrower_id": proposal.borrower_id,
            "channel": proposal.channel, "proposed_at": proposal.at, "actor": proposal.actor,
            "party": proposal.party, "contact_point_id": proposal.contact_point_id, "agency": proposal.agency,
            "collectors": proposal.collectors, "email_kind": proposal.email_kind, "connected": proposal.connected,
            "outcome": decision.outcome, "rule": decision.rule, "reason": decision.reason[:400],
            "not_before": decision.not_before, "action_id": action_id, "actor_subject": actor_subject,
            "decided_at": now}


def _attempt_row(proposal: ProposedContact, *, tenant: str | None, action_id: uuid.UUID | None,
                 now: datetime) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "tenant": tenant, "debt_id": proposal.debt_id, "borrower_id": proposal.borrower_id,
            "channel": proposal.channel, "contact_point_id": proposal.contact_point_id, "party": proposal.party,
            "actor": proposal.actor, "agency": proposal.agency, "connected": proposal.connected,
            "at": proposal.at, "action_id": action_id, "recorded_at": now}


# -- holds from crm ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _HoldChange:
    """What one crm event does to one hold: opens (or reopens) it, or ends it."""

    source_key: str
    kind: str
    opens: bool
    changed_at: datetime
    debt_id: uuid.UUID | None = None
    channels: tuple[str, ...] | None = None
    detail: str | None = None
    allowed_times: list[dict[str, Any]] | None = None
    starts_on: date | None = None
    ends_on: date | None = None


def _scope(payload: Any) -> str:
    return str(payload.debt_id) if getattr(payload, "debt_id", None) is not None else "*"


def _hold_change(payload: Any) -> _HoldChange | None:
    """The hold a crm event opens or ends; None for an event that holds nothing (a complaint that pauses nothing)."""
    match payload:
        case DisputeOpened() | DisputeResolved():
            opens = isinstance(payload, DisputeOpened)
            return _HoldChange(f"dispute:{payload.dispute_id}", "dispute", opens,
                               payload.opened_at if opens else payload.resolved_at, payload.debt_id)
        case HardshipGranted():
            return _HoldChange(f"hardship:{payload.hardship_id}", "hardship", True, payload.granted_at,
                               payload.debt_id, starts_on=payload.starts_on, ends_on=payload.ends_on)
        case HardshipEnded():
            return _HoldChange(f"hardship:{payload.hardship_id}", "hardship", False, payload.ended_at, payload.debt_id)
        case ContactRestricted():
            channels = tuple(sorted(payload.channels)) if payload.channels is not None else None
            key = (f"restriction:{payload.restriction_id}" if payload.restriction_id is not None else
                   f"restriction:{payload.restriction}:{_scope(payload)}:{','.join(channels or ('*',))}")
            times = [window.model_dump() for window in payload.allowed_times] if payload.allowed_times else None
            return _HoldChange(key, payload.restriction, payload.active, payload.recorded_at, payload.debt_id,
                               channels=channels, allowed_times=times)
        case BorrowerCircumstanceRecorded():
            # By circumstance and scope, not by record: a withdrawal ends the circumstance whichever record said it.
            return _HoldChange(f"circumstance:{payload.circumstance}:{_scope(payload)}", "circumstance",
                               payload.active, payload.recorded_at, payload.debt_id, detail=payload.circumstance)
        case VulnerabilityRecorded():
            return _HoldChange(f"vulnerability:{payload.vulnerability_id}", "vulnerability", payload.active,
                               payload.recorded_at, detail=payload.kind)
        case ComplaintReceived() if payload.pauses_collection:
            return _HoldChange(f"complaint:{payload.complaint_id}", "complaint", True, payload.received_at,
                               payload.debt_id)
        case ComplaintResolved():
            return _HoldChange(f"complaint:{payload.complaint_id}", "complaint", False, payload.resolved_at,
                               payload.debt_id)
    return None


async def apply_contact_holds(uow: UnitOfWork, events: list[CloudEvent[Any]], *, business_zone: ZoneInfo) -> None:
    """Set-based, for crm's events: the run's borrowers' holds and contexts in one query each, each event applied in
    order in memory; a hold binds from the moment collections receives it (or from its later start)."""
    borrower_ids = {event.payload.borrower_id for event in events}
    session = uow.session
    holds = {(row.tenant, row.borrower_id, row.source_key): row for row in await session.scalars(
        select(ContactHold).where(one_of(ContactHold.borrower_id, borrower_ids)))}
    contexts = await _contexts(session, borrower_ids)
    now = utcnow()
    for event in events:
        tenant, payload = event_tenant(event), event.payload
        if isinstance(payload, CONTEXT_EVENTS):
            _apply_context_change(_context(session, contexts, tenant, payload.borrower_id, now), payload, now)
        elif (change := _hold_change(payload)) is not None:
            key = (tenant, payload.borrower_id, change.source_key)
            holds[key] = _applied(session, holds.get(key), change, tenant=tenant, borrower_id=payload.borrower_id,
                                  now=now, zone=business_zone)


def _applied(session: AsyncSession, hold: ContactHold | None, change: _HoldChange, *, tenant: str | None,
             borrower_id: str, now: datetime, zone: ZoneInfo) -> ContactHold:
    if hold is not None and change.changed_at < hold.changed_at:
        return hold  # older than what the hold already reflects: a late event changes nothing
    if hold is None:
        # An end arriving before its start is kept as an ended hold, so the late start finds it and stays ended.
        hold = ContactHold(id=uuid.uuid4(), tenant=tenant, borrower_id=borrower_id, source_key=change.source_key,
                           kind=change.kind, starts_at=now, ends_at=None if change.opens else now)
        session.add(hold)
    elif change.opens and hold.ends_at is not None and hold.ends_at <= now:
        hold.starts_at, hold.ends_at = now, None  # reopened (a vulnerability recorded again)
    if change.opens:
        hold.debt_id, hold.channels, hold.detail = change.debt_id, _list(change.channels), change.detail
        hold.allowed_times = change.allowed_times
        if change.starts_on is not None:
            hold.starts_at = max(hold.starts_at, local_moment(change.starts_on, time(0), zone))
        if change.ends_on is not None:
            hold.ends_at = local_moment(change.ends_on + timedelta(days=1), time(0), zone)
    elif hold.ends_at is None or hold.ends_at > now:
        hold.ends_at = now
    hold.changed_at, hold.updated_at = change.changed_at, now
    return hold


def _list(values: tuple[str, ...] | None) -> list[str] | None:
    return list(values) if values is not None else None


# -- borrower context -------------------------------------------------------------------------------------------------

async def _contexts(session: AsyncSession, borrower_ids: set[str]) -> dict[TenantKey, ContactBorrower]:
    return {(row.tenant, row.borrower_id): row for row in await session.scalars(
        select(ContactBorrower).where(one_of(ContactBorrower.borrower_id, borrower_ids)))}


def _context(session: AsyncSession, contexts: dict[TenantKey, ContactBorrower], tenant: str | None,
             borrower_id: str, now: datetime) -> ContactBorrower:
    row = contexts.get((tenant, borrower_id))
    if row is None:
        row = contexts[(tenant, borrower_id)] = ContactBorrower(
            tenant=tenant, borrower_id=borrower_id, intake_version=0, preferences_version=0, opted_out_channels=[],
            preferred_times=[], updated_at=now)
        session.add(row)
    return row


def _apply_context_change(row: ContactBorrower, payload: Any, now: datetime) -> None:
    if isinstance(payload, ContactPreferencesChanged):
        if payload.version <= row.preferences_version:
            return  # the preferences carry their whole state: only a newer version says anything
        row.preferences_version = payload.version
        row.opted_out_channels = sorted(set(payload.opted_out_channels))
        row.preferred_times = [window.model_dump() for window in payload.preferred_times]
    elif payload.purpose in ("collection_contact", "third_party_contact"):
        prefix = "collection" if payload.purpose == "collection_contact" else "third_party"
        changed_at = getattr(row, f"{prefix}_consent_at")
        if changed_at is not None and payload.recorded_at < changed_at:
            return
        setattr(row, f"{prefix}_consent", payload.status)
        setattr(row, f"{prefix}_consent_at", payload.recorded_at)
    row.updated_at = now


async def apply_borrower_context(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based, for intake's borrower events: only the time zone and region (never personal data), by version."""
    contexts = await _contexts(uow.session, {event.payload.borrower_id for event in events})
    now = utcnow()
    for event in events:
        payload = event.payload
        row = _context(uow.session, contexts, event_tenant(event), payload.borrower_id, now)
        if payload.version <= row.intake_version:
            continue
        row.intake_version, row.region, row.updated_at = payload.version, payload.region, now
        row.timezone = _known_zone(payload.timezone)


def _known_zone(zone: str | None) -> str | None:
    """A zone this machine knows, else None (the default zone decides rather than a name nobody can read)."""
    try:
        return check_time_zone(zone) if zone else None
    except ValueError:
        return None


# -- reading ----------------------------------------------------------------------------------------------------------

async def check(session: AsyncSession, *, debt_id: uuid.UUID, channel: str, at: datetime | None, party: str,
                contact_point_id: uuid.UUID | None, collectors: int, policy: ContactPolicy,
                actor: str = "agent") -> tuple[ProposedContact, ContactDecision, frozenset[str]]:
    """What the policy would decide for a contact now (or at `at`), recording nothing."""
    borrower_id = await session.scalar(select(CollectionCase.borrower_id).where(CollectionCase.debt_id == debt_id))
    if borrower_id is None:
        raise NotFound(f"no collection case for debt {debt_id}")
    proposal = ProposedContact(debt_id=debt_id, borrower_id=borrower_id, channel=channel, at=at or utcnow(),
                               actor=actor, party=party, contact_point_id=contact_point_id,  # type: ignore[arg-type]
                               collectors=collectors)
    [decision] = await decide(session, [proposal], policy=policy)
    return proposal, decision, requirements(proposal, policy.profile)


@dataclass(frozen=True)
class DecisionFilter:
    debt_id: uuid.UUID | None = None
    borrower_id: str | None = None
    outcome: str | None = None
    rule: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def decisions_page(session: AsyncSession, where: DecisionFilter, *, limit: int,
                         after: str | None) -> tuple[list[ContactDecisionRecord], str | None]:
    """The audit, newest first, one keyset page."""
    table = ContactDecisionRecord
    query = select(table)
    for column, value in ((table.debt_id, where.debt_id), (table.borrower_id, where.borrower_id),
                          (table.outcome, where.outcome), (table.rule, where.rule)):
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(table.decided_at >= where.since.astimezone(UTC))
    if where.until is not None:
        query = query.where(table.decided_at < where.until.astimezone(UTC))
    if after is not None:
        decided_at, last_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where((table.decided_at < decided_at) | ((table.decided_at == decided_at) & (table.id < last_id)))
    query = query.order_by(table.decided_at.desc(), table.id.desc()).limit(limit + 1)
    return page_of(list(await session.scalars(query)), limit, lambda row: (row.decided_at, row.id))
