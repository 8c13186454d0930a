"""Agency use cases: agencies and their schedules, placement rules, placing debts (a run or one case), recalls
(manual, on expiry, when a case closes, on a dispute or hardship), and reading placements."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.agencies.models import (
    Agency,
    CommissionScheduleVersion,
    Placement,
    PlacementRuleRow,
)
from debtflow.collections.agencies.rules import (
    AgencyStanding,
    Allocation,
    CaseFacts,
    CommissionSchedule,
    CommissionTier,
    PlacementRule,
    allocate,
    ratio,
    schedule_problems,
)
from debtflow.collections.agencies.schemas import (
    AgencyIn,
    AgencyPatch,
    CommissionScheduleIn,
    PlacementRuleIn,
    PlacementRulePatch,
)
from debtflow.collections.cases.models import CollectionCase
from debtflow.common.auth import Actor
from debtflow.common.db import UnitOfWork, money_sum
from debtflow.common.db.bulk import insert_returning_new
from debtflow.common.db.expressions import one_of
from debtflow.common.events import AgencyPlaced, AgencyRecalled, CloudEvent
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Conflict, InvalidInput, NotFound, field_error

# -- agencies and their commission schedules ----------------------------------------------------------------


@dataclass(frozen=True)
class AgencyView:
    agency: Agency
    schedule: CommissionScheduleVersion
    active_placements: int


def _checked_tiers(schedule: CommissionScheduleIn) -> list[dict[str, Any]]:
    tiers = [CommissionTier(tier.bucket, tier.min_age_days, tier.rate_percent) for tier in schedule.tiers]
    problems = schedule_problems(tiers)
    if problems:
        raise InvalidInput("the commission schedule is not sound",
                           errors=[field_error(field, rule, message) for field, rule, message in problems])
    return [{"bucket": tier.bucket, "min_age_days": tier.min_age_days, "rate_percent": format(tier.rate_percent, "f")}
            for tier in tiers]


def _schedule_version(code: str, version: int, schedule: CommissionScheduleIn, actor: Actor,
                      now: datetime) -> CommissionScheduleVersion:
    return CommissionScheduleVersion(agency_code=code, version=version, tiers=_checked_tiers(schedule),
                                     source=schedule.source, created_by=actor.identity, created_at=now)


def schedule_of(version: CommissionScheduleVersion) -> CommissionSchedule:
    return CommissionSchedule(tuple(CommissionTier(tier["bucket"], int(tier["min_age_days"]),
                                                   Decimal(tier["rate_percent"])) for tier in version.tiers))


async def create_agency(uow: UnitOfWork, body: AgencyIn, *, actor: Actor, now: datetime) -> AgencyView:
    """A new agency with version 1 of its commission schedule."""
    if await uow.session.get(Agency, body.code) is not None:
        raise Conflict(f"agency {body.code} exists already", slug="agency-exists")
    schedule = _schedule_version(body.code, 1, body.commission_schedule, actor, now)
    agency = Agency(code=body.code, name=body.name, active=body.active, max_placements=body.max_placements,
                    schedule_version=1, created_by=actor.identity, created_at=now, updated_at=now)
    uow.session.add(agency)
    await uow.session.flush()  # the agency before its schedule (the schedule's foreign key)
    uow.session.add(schedule)
    return AgencyView(agency, schedule, 0)


async def update_agency(uow: UnitOfWork, code: str, patch: AgencyPatch, *, actor: Actor,
                        now: datetime) -> AgencyView:
    """Change an agency; a new schedule becomes the next version, for placements from now on."""
    agency = (await uow.session.scalars(select(Agency).where(Agency.code == code).with_for_update())).first()
    if agency is None:
        raise NotFound(f"no agency {code}")
    for name in ("name", "active", "max_placements"):
        if getattr(patch, name) is not None:
            setattr(agency, name, getattr(patch, name))
    if patch.commission_schedule is not None:
        agency.schedule_version += 1
        uow.session.add(_schedule_version(code, agency.schedule_version, patch.commission_schedule, actor, now))
    agency.updated_at = now
    await uow.session.flush()
    return await get_agency(uow.session, code)


async def get_agency(session: AsyncSession, code: str) -> AgencyView:
    views = await _views(session, select(Agency).where(Agency.code == code))
    if not views:
        raise NotFound(f"no agency {code}")
    return views[0]


async def list_agencies(session: AsyncSession, *, limit: int, after: str | None) -> tuple[list[AgencyView], str | None]:
    query = select(Agency).order_by(Agency.code).limit(limit + 1)
    if after:
        (last,) = decode_cursor(after, str)
        query = query.where(Agency.code > last)
    views = await _views(session, query)
    return page_of(views, limit, lambda view: (view.agency.code,))


async def _views(session: AsyncSession, query: Any) -> list[AgencyView]:
    agencies = list(await session.scalars(query))
    codes = {agency.code for agency in agencies}
    schedules = {(row.agency_code, row.version): row for row in await session.scalars(
        select(CommissionScheduleVersion).where(one_of(CommissionScheduleVersion.agency_code, codes)))}
    counts = await _active_counts(session, codes)
    return [AgencyView(agency, schedules[(agency.code, agency.schedule_version)], counts.get(agency.code, 0))
            for agency in agencies]


async def _active_counts(session: AsyncSession, codes: Iterable[str]) -> dict[str, int]:
    rows = await session.execute(select(Placement.agency_code, func.count()).where(
        one_of(Placement.agency_code, set(codes)), Placement.status == "active").group_by(Placement.agency_code))
    return {code: int(count) for code, count in rows}


# -- placement rules ----------------------------------------------------------------------------------------


def _check_band(currency: str | None, low: Decimal | None, high: Decimal | None) -> None:
    if (low is not None or high is not None) and currency is None:
        raise InvalidInput("an exposure band needs its currency", errors=[
            field_error("currency", "band_currency", "required with min_exposure or max_exposure")])
    if low is not None and high is not None and high <= low:
        raise InvalidInput("the exposure band is empty", errors=[
            field_error("max_exposure", "band_order", "must be above min_exposure")])


async def _check_agencies(session: AsyncSession, codes: Sequence[str], field: str) -> None:
    known = set(await session.scalars(select(Agency.code).where(one_of(Agency.code, set(codes)))))
    unknown = [index for index, code in enumerate(codes) if code not in known]
    if unknown:
        raise InvalidInput("the rule names agencies that do not exist", errors=[
            field_error(f"{field}.{index}", "unknown_agency", "no agency with this code") for index in unknown])


async def create_rule(uow: UnitOfWork, body: PlacementRuleIn, *, actor: Actor, now: datetime) -> PlacementRuleRow:
    _check_band(body.currency, body.min_exposure, body.max_exposure)
    await _check_agencies(uow.session, body.agency_codes, "agency_codes")
    rule = PlacementRuleRow(id=uuid.uuid4(), **body.model_dump(), created_by=actor.identity, created_at=now,
                            updated_at=now)
    uow.session.add(rule)
    return rule


async def update_rule(uow: UnitOfWork, rule_id: uuid.UUID, patch: PlacementRulePatch, *, now: datetime
                      ) -> PlacementRuleRow:
    rule = (await uow.session.scalars(select(PlacementRuleRow).where(PlacementRuleRow.id == rule_id)
                                      .with_for_update())).first()
    if rule is None:
        raise NotFound(f"no placement rule {rule_id}")
    if patch.agency_codes is not None:
        await _check_agencies(uow.session, patch.agency_codes, "agency_codes")
    for name, value in patch.model_dump(exclude_unset=True).items():
        setattr(rule, name, value)
    rule.updated_at = now
    return rule


async def list_rules(session: AsyncSession) -> list[PlacementRuleRow]:
    return list(await session.scalars(select(PlacementRuleRow).order_by(PlacementRuleRow.priority,
                                                                        PlacementRuleRow.id)))


def _rule_of(row: PlacementRuleRow) -> PlacementRule:
    return PlacementRule(id=row.id, priority=row.priority, buckets=frozenset(row.buckets), currency=row.currency,
                         min_exposure=row.min_exposure, max_exposure=row.max_exposure,
                         regions=frozenset(row.regions), products=frozenset(row.products),
                         agency_codes=tuple(row.agency_codes), placement_days=row.placement_days)


def _rule_condition(rule: PlacementRule) -> Any:
    """The rule as SQL over the case table, so the candidates come in one query (regions and products too)."""
    case = CollectionCase
    conditions = [
        one_of(case.dpd_bucket, rule.buckets) if rule.buckets else None,
        case.currency == rule.currency if rule.currency else None,
        case.exposure >= rule.min_exposure if rule.min_exposure is not None else None,
        case.exposure < rule.max_exposure if rule.max_exposure is not None else None,
        one_of(case.region, rule.regions) if rule.regions else None,
        one_of(case.product, rule.products) if rule.products else None,
    ]
    present = [condition for condition in conditions if condition is not None]
    return and_(*present) if present else case.debt_id.is_not(None)


# -- placing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    candidates: int
    placed: int

    @property
    def unplaced(self) -> int:
        return self.candidates - self.placed


def _facts(case: CollectionCase) -> CaseFacts:
    return CaseFacts(debt_id=case.debt_id, dpd_bucket=case.dpd_bucket, exposure=case.exposure,
                     currency=case.currency, days_past_due=case.days_past_due, region=case.region,
                     product=case.product)


def _unplaced_active_cases() -> Any:
    held = select(Placement.debt_id).where(Placement.status == "active")
    return select(CollectionCase).where(CollectionCase.status == "active", CollectionCase.debt_id.not_in(held))


async def run_placements(uow: UnitOfWork, *, actor: Actor, now: datetime, default_days: int) -> RunResult:
    """Place every active case no agency holds that an active rule takes: the candidates in one query, the
    agencies' room and results in two, the placements in one insert."""
    rules = [_rule_of(row) for row in await uow.session.scalars(
        select(PlacementRuleRow).where(PlacementRuleRow.active.is_(True)))]
    if not rules:
        return RunResult(0, 0)
    cases = {case.debt_id: case for case in await uow.session.scalars(
        _unplaced_active_cases().where(or_(*map(_rule_condition, rules))))}
    placed = await _place(uow, cases, rules, actor=actor, now=now, default_days=default_days)
    return RunResult(len(cases), len(placed))


async def place_case(uow: UnitOfWork, debt_id: uuid.UUID, *, agency_code: str | None, days: int | None,
                     actor: Actor, now: datetime, default_days: int) -> Placement:
    """Place one case: with the agency named, else as the placement rules say."""
    case = await uow.session.get(CollectionCase, debt_id)
    if case is None:
        raise NotFound(f"no collection case for debt {debt_id}")
    if case.status != "active":
        raise Conflict(f"the case of debt {debt_id} is {case.status}", slug="invalid-transition",
                       current_state=case.status, allowed_from=["active"])
    if await uow.session.scalar(select(Placement.id).where(Placement.debt_id == debt_id,
                                                           Placement.status == "active")):
        raise Conflict(f"debt {debt_id} is placed with an agency already", slug="already-placed")
    rules = [_rule_of(row) for row in await uow.session.scalars(
        select(PlacementRuleRow).where(PlacementRuleRow.active.is_(True)))]
    if agency_code is not None:
        await _check_agencies(uow.session, [agency_code], "agency_code")
        rules = [PlacementRule(uuid.UUID(int=0), 0, frozenset(), None, None, None, frozenset(), frozenset(),
                               (agency_code,), days)]  # the request is the rule
    placed = await _place(uow, {debt_id: case}, rules, actor=actor, now=now, default_days=default_days,
                          days=days, manual=agency_code is not None)
    if not placed:
        raise Conflict(f"no placement rule takes debt {debt_id}, or its agencies are inactive or full",
                       slug="no-agency")
    return placed[0]


async def _place(uow: UnitOfWork, cases: dict[uuid.UUID, CollectionCase], rules: list[PlacementRule], *,
                 actor: Actor, now: datetime, default_days: int, days: int | None = None,
                 manual: bool = False) -> list[Placement]:
    standings, schedules = await _standings(uow.session)
    allocations = allocate(map(_facts, cases.values()), rules, standings)
    rows = [_placement_row(cases[allocation.case.debt_id], allocation, schedules[allocation.agency_code],
                           rule_id=None if manual else allocation.rule.id, actor=actor, now=now,
                           days=days or allocation.rule.placement_days or default_days)
            for allocation in allocations]
    new = await insert_returning_new(uow.session, Placement.__table__, rows, key="id")
    placements = [Placement(**row) for row in rows if row["id"] in new]
    for placement in placements:
        uow.emit(_placed(placement), tenant=placement.tenant)
    return placements


async def _standings(session: AsyncSession) -> tuple[dict[str, AgencyStanding], dict[str, tuple[int, Any]]]:
    """Active agencies with their room left and recovery rate so far, and the schedule each places under now."""
    agencies = list(await session.scalars(select(Agency).where(Agency.active.is_(True)).with_for_update()))
    codes = {agency.code for agency in agencies}
    counts = await _active_counts(session, codes)
    results = {code: ratio(recovered or Decimal(0), exposure or Decimal(0)) for code, recovered, exposure in
               await session.execute(select(Placement.agency_code, money_sum(Placement.recovered),
                                            money_sum(Placement.exposure))
                                     .where(one_of(Placement.agency_code, codes)).group_by(Placement.agency_code))}
    versions = {(row.agency_code, row.version): row for row in await session.scalars(
        select(CommissionScheduleVersion).where(one_of(CommissionScheduleVersion.agency_code, codes)))}
    standings = {agency.code: AgencyStanding(agency.code, max(0, agency.max_placements - counts.get(agency.code, 0)),
                                             results.get(agency.code) or Decimal(0)) for agency in agencies}
    schedules = {agency.code: (agency.schedule_version,
                               schedule_of(versions[(agency.code, agency.schedule_version)])) for agency in agencies}
    return standings, schedules


def _placement_row(case: CollectionCase, allocation: Allocation, schedule: tuple[int, CommissionSchedule], *,
                   rule_id: uuid.UUID | None, actor: Actor, now: datetime, days: int) -> dict[str, Any]:
    version, rates = schedule
    return {"id": uuid.uuid4(), "debt_id": case.debt_id, "borrower_id": case.borrower_id, "tenant": case.tenant,
            "agency_code": allocation.agency_code, "rule_id": rule_id, "schedule_version": version,
            "commission_rate_percent": rates.rate_for(case.dpd_bucket, case.days_past_due),
            "dpd_bucket": case.dpd_bucket, "age_days": case.days_past_due, "exposure": case.exposure,
            "currency": case.currency, "status": "active", "placed_by": actor.identity, "placed_at": now,
            "expires_at": now + timedelta(days=days), "recalled_at": None, "recall_reason": None,
            "recalled_by": None, "recovered": Decimal("0.00"), "commission": Decimal("0.00")}


def _placed(placement: Placement) -> AgencyPlaced:
    return AgencyPlaced(placement_id=placement.id, debt_id=placement.debt_id, borrower_id=placement.borrower_id,
                        agency_code=placement.agency_code, dpd_bucket=placement.dpd_bucket,
                        exposure=placement.exposure, currency=placement.currency,
                        schedule_version=placement.schedule_version,
                        commission_rate_percent=placement.commission_rate_percent, placed_at=placement.placed_at,
                        expires_at=placement.expires_at)


# -- recalls ------------------------------------------------------------------------------------------------


def _recall(uow: UnitOfWork, placement: Placement, *, reason: str, by: str, at: datetime) -> None:
    placement.status, placement.recall_reason, placement.recalled_by = "recalled", reason, by
    placement.recalled_at = at
    uow.emit(AgencyRecalled(placement_id=placement.id, debt_id=placement.debt_id, borrower_id=placement.borrower_id,
                            agency_code=placement.agency_code, reason=reason, recalled_at=at),  # type: ignore[arg-type]
             tenant=placement.tenant or uow.tenant)


async def recall(uow: UnitOfWork, placement_id: uuid.UUID, *, actor: Actor, now: datetime) -> Placement:
    """A supervisor takes a debt back from its agency."""
    placement = (await uow.session.scalars(select(Placement).where(Placement.id == placement_id)
                                           .with_for_update())).first()
    if placement is None:
        raise NotFound(f"no placement {placement_id}")
    if placement.status != "active":
        raise Conflict(f"cannot recall placement {placement_id}: it is {placement.status}",
                       slug="invalid-transition", current_state=placement.status, allowed_from=["active"])
    _recall(uow, placement, reason="manual", by=actor.identity, at=now)
    return placement


async def recall_placements(uow: UnitOfWork, debt_ids: Iterable[uuid.UUID], *, reason: str,
                            now: datetime) -> list[Placement]:
    """Recall whatever agencies hold of these debts (the lead's case closing calls this with `case_closed`)."""
    placements = list(await uow.session.scalars(select(Placement).where(
        one_of(Placement.debt_id, set(debt_ids)), Placement.status == "active").with_for_update()))
    for placement in placements:
        _recall(uow, placement, reason=reason, by="collections", at=now)
    return placements


async def recall_expired(uow: UnitOfWork, *, now: datetime, limit: int = 1000) -> int:
    """Recall placements past their term, as of the term's end (a payment after it is not the agency's). Rows
    another replica is recalling are skipped."""
    placements = list(await uow.session.scalars(
        select(Placement).where(Placement.status == "active", Placement.expires_at <= now)
        .order_by(Placement.expires_at).limit(limit).with_for_update(skip_locked=True)))
    for placement in placements:
        _recall(uow, placement, reason="expired", by="collections", at=placement.expires_at)
    return len(placements)


#: What a crm event about the borrower means for a placement.
_HOLD_REASONS = {"DisputeOpened": "dispute", "HardshipGranted": "hardship"}


async def apply_holds(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based handler for crm's DisputeOpened and HardshipGranted: the agency stops at once (the placement is
    recalled); a debt-less event is about every debt of the borrower. One query for the run's placements."""
    debts = {event.payload.debt_id for event in events if event.payload.debt_id is not None}
    borrowers = {event.payload.borrower_id for event in events if event.payload.debt_id is None}
    placements = list(await uow.session.scalars(select(Placement).where(
        Placement.status == "active", or_(one_of(Placement.debt_id, debts), one_of(Placement.borrower_id, borrowers))
    ).with_for_update()))
    for event in events:
        with uow.on_behalf_of(event):
            for placement in placements:
                if placement.status == "active" and _concerns(event, placement, uow.tenant):
                    _recall(uow, placement, reason=_HOLD_REASONS[type(event.payload).__name__], by="collections",
                            at=event.time)


def _concerns(event: CloudEvent[Any], placement: Placement, tenant: str | None) -> bool:
    payload = event.payload
    if payload.debt_id is not None:
        return bool(placement.debt_id == payload.debt_id)
    return bool(placement.borrower_id == payload.borrower_id and (tenant is None or placement.tenant in (None, tenant)))


# -- reading placements -------------------------------------------------------------------------------------


async def list_placements(session: AsyncSession, *, agency_code: str | None, status: str | None,
                          debt_id: uuid.UUID | None, limit: int, after: str | None
                          ) -> tuple[list[Placement], str | None]:
    """Placements newest first; `agency_code` is how an agency sees only its own."""
    query = select(Placement).order_by(Placement.placed_at.desc(), Placement.id.desc()).limit(limit + 1)
    for column, value in ((Placement.agency_code, agency_code), (Placement.status, status),
                          (Placement.debt_id, debt_id)):
        if value is not None:
            query = query.where(column == value)
    if after:
        placed_at, last_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where(or_(Placement.placed_at < placed_at,
                                and_(Placement.placed_at == placed_at, Placement.id < last_id)))
    rows = list(await session.scalars(query))
    return page_of(rows, limit, lambda placement: (placement.placed_at, placement.id))


async def get_placement(session: AsyncSession, placement_id: uuid.UUID, *, agency_code: str | None = None
                        ) -> Placement:
    """A placement; for an agency, only one of its own (another's is as unknown as a missing one)."""
    placement = await session.get(Placement, placement_id)
    if placement is None or (agency_code is not None and placement.agency_code != agency_code):
        raise NotFound(f"no placement {placement_id}")
    return placement


async def recall_closed_cases(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based handler run after the cases' own for the events that may close a case (settled, sold, written
    off, paid): whatever an agency holds of a case that is now closed is recalled, in one query for the run."""
    debts = {event.payload.debt_id for event in events}
    closed = {debt_id: case for debt_id, case in (await uow.session.execute(
        select(Placement.debt_id, CollectionCase).join(CollectionCase, CollectionCase.debt_id == Placement.debt_id)
        .where(one_of(Placement.debt_id, debts), Placement.status == "active", CollectionCase.status == "closed")
    )).all()}
    if not closed:
        return
    placements = list(await uow.session.scalars(select(Placement).where(
        one_of(Placement.debt_id, set(closed)), Placement.status == "active").with_for_update()))
    for event in events:
        with uow.on_behalf_of(event):
            for placement in placements:
                if placement.status == "active" and placement.debt_id == event.payload.debt_id:
                    case = closed[placement.debt_id]
                    _recall(uow, placement, reason="case_closed", by="collections", at=case.closed_at or event.time)
