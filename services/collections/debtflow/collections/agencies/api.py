"""Agencies over HTTP: supervisors manage agencies, placement rules, placements and recalls; staff read them; an
agency (role `agency`, its code in the token) reads only its own placements and reports contacts and payments."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from debtflow.collections.agencies import performance, recoveries, reports, service
from debtflow.collections.agencies.schemas import (
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    CommissionTierOut,
    ContactReportIn,
    ContactReportOut,
    CurrencyPerformance,
    PaymentReportIn,
    PaymentReportOut,
    PerformanceOut,
    PlaceIn,
    PlacementOut,
    PlacementRuleIn,
    PlacementRuleOut,
    PlacementRulePatch,
    PlacementRunOut,
    PlacementStatus,
    RecallIn,
    ScheduleOut,
)
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.costs.schemas import ReportPeriod
from debtflow.common.auth import Actor, Role, Staff, require_roles
from debtflow.common.clock import utcnow
from debtflow.common.pagination import DEFAULT_LIMIT, After, Limit, Page
from debtflow.common.problems import Forbidden
from debtflow.common.web import ReadSession, Runtime, UnitOfWorks, answers, service_router

router = service_router(prefix="/v1", tags=["agencies"])
#: Contracting agencies, their rates and what they get is a supervisor's decision.
Supervisor = Annotated[Actor, Depends(require_roles(Role.SUPERVISOR))]
Code = Annotated[str, Path(min_length=2, max_length=32, pattern=r"^[a-z0-9][a-z0-9-]*$")]


async def _agency_caller(actor: Annotated[Actor, Depends(require_roles(Role.AGENCY))]) -> Actor:
    if not actor.agency:
        raise Forbidden("an agency token must name its agency (the `agency` claim)")
    return actor


AgencyCaller = Annotated[Actor, Depends(_agency_caller)]


def _agency_out(view: service.AgencyView) -> AgencyOut:
    schedule = view.schedule
    return AgencyOut(code=view.agency.code, name=view.agency.name, active=view.agency.active,
                     max_placements=view.agency.max_placements, active_placements=view.active_placements,
                     schedule=ScheduleOut(version=schedule.version, source=schedule.source,
                                          created_by=schedule.created_by, created_at=schedule.created_at,
                                          tiers=[CommissionTierOut.model_validate(tier) for tier in schedule.tiers]),
                     created_at=view.agency.created_at, updated_at=view.agency.updated_at)


@router.post("/agencies", status_code=201, summary="Contract an agency, with its commission schedule",
             responses=answers(409))
async def create_agency(body: AgencyIn, uow: UnitOfWorks, actor: Supervisor) -> AgencyOut:
    async with uow() as unit:
        view = await service.create_agency(unit, body, actor=actor, now=utcnow())
    return _agency_out(view)


@router.get("/agencies", summary="Agencies by code")
async def list_agencies(session: ReadSession, _: Staff, limit: Limit = DEFAULT_LIMIT,
                        after: After = None) -> Page[AgencyOut]:
    views, next_cursor = await service.list_agencies(session, limit=limit, after=after)
    return Page(items=[_agency_out(view) for view in views], next_cursor=next_cursor)


@router.get("/agencies/{code}", summary="An agency and its current commission schedule", responses=answers(404))
async def get_agency(code: Code, session: ReadSession, _: Staff) -> AgencyOut:
    return _agency_out(await service.get_agency(session, code))


@router.patch("/agencies/{code}", summary="Change an agency; a new schedule is the next version",
              responses=answers(404))
async def update_agency(code: Code, body: AgencyPatch, uow: UnitOfWorks, actor: Supervisor) -> AgencyOut:
    async with uow() as unit:
        view = await service.update_agency(unit, code, body, actor=actor, now=utcnow())
    return _agency_out(view)


@router.get("/agencies/{code}/performance", summary="What an agency placed, recovered and cost in a period",
            responses=answers(404))
async def get_performance(code: Code, period: ReportPeriod, session: ReadSession, _: Staff) -> PerformanceOut:
    figures = await performance.agency_performance(session, code, start=period.start, end=period.end)
    return PerformanceOut(
        agency_code=code, first_day=period.first_day, last_day=period.last_day, complaints=figures.complaints,
        conduct_breaches=figures.conduct_breaches,
        by_currency=[CurrencyPerformance(currency=item.currency, placements=item.placements,
                                         placed_exposure=item.placed_exposure, recovered=item.recovered,
                                         recovery_rate=item.recovery_rate, commission_cost=item.commission_cost,
                                         cost_per_unit_recovered=item.cost_per_unit_recovered)
                     for item in figures.by_currency])


@router.post("/placement-rules", status_code=201, summary="A rule for which debts go to which agencies, how long")
async def create_rule(body: PlacementRuleIn, uow: UnitOfWorks, actor: Supervisor) -> PlacementRuleOut:
    async with uow() as unit:
        rule = await service.create_rule(unit, body, actor=actor, now=utcnow())
    return PlacementRuleOut.model_validate(rule)


@router.get("/placement-rules", summary="Placement rules in the order they are tried")
async def list_rules(session: ReadSession, _: Staff) -> list[PlacementRuleOut]:
    return [PlacementRuleOut.model_validate(rule) for rule in await service.list_rules(session)]


@router.patch("/placement-rules/{rule_id}", summary="Switch a placement rule off or on, reorder or retarget it",
              responses=answers(404))
async def update_rule(rule_id: uuid.UUID, body: PlacementRulePatch, uow: UnitOfWorks,
                      _: Supervisor) -> PlacementRuleOut:
    async with uow() as unit:
        rule = await service.update_rule(unit, rule_id, body, now=utcnow())
    return PlacementRuleOut.model_validate(rule)


@router.post("/placements:run", summary="Place every eligible active case by the placement rules")
async def run_placements(uow: UnitOfWorks, runtime: Runtime, actor: Supervisor) -> PlacementRunOut:
    async with uow() as unit:
        result = await service.run_placements(unit, actor=actor, now=utcnow(),
                                              default_days=runtime.settings.agency_default_placement_days)
    return PlacementRunOut(candidates=result.candidates, placed=result.placed, unplaced=result.unplaced)


@router.post("/cases/{debt_id}:place", status_code=201, summary="Place one case with an agency",
             responses=answers(404, 409))
async def place_case(debt_id: uuid.UUID, body: PlaceIn, uow: UnitOfWorks, runtime: Runtime,
                     actor: Supervisor) -> PlacementOut:
    async with uow() as unit:
        placement = await service.place_case(unit, debt_id, agency_code=body.agency_code, days=body.placement_days,
                                             actor=actor, now=utcnow(),
                                             default_days=runtime.settings.agency_default_placement_days)
    return PlacementOut.model_validate(placement)


@router.post("/placements/{placement_id}:recall", summary="Take a debt back from its agency",
             responses=answers(404, 409))
async def recall(placement_id: uuid.UUID, body: RecallIn, uow: UnitOfWorks, actor: Supervisor) -> PlacementOut:
    async with uow() as unit:
        placement = await service.recall(unit, placement_id, actor=actor, now=utcnow())
    return PlacementOut.model_validate(placement)


@router.get("/placements", summary="Placements, newest first")
async def list_placements(session: ReadSession, _: Staff, agency_code: Code | None = None,
                          status: PlacementStatus | None = None, debt_id: uuid.UUID | None = None,
                          limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[PlacementOut]:
    rows, next_cursor = await service.list_placements(session, agency_code=agency_code, status=status,
                                                      debt_id=debt_id, limit=limit, after=after)
    return Page(items=[PlacementOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/placements/{placement_id}", summary="A placement", responses=answers(404))
async def get_placement(placement_id: uuid.UUID, session: ReadSession, _: Staff) -> PlacementOut:
    return PlacementOut.model_validate(await service.get_placement(session, placement_id))


# -- the agency's own API ---------------------------------------------------------------------------------


@router.get("/agency/placements", summary="The calling agency's placements, newest first", tags=["agency"])
async def own_placements(session: ReadSession, actor: AgencyCaller, status: PlacementStatus | None = None,
                         limit: Limit = DEFAULT_LIMIT, after: After = None) -> Page[PlacementOut]:
    rows, next_cursor = await service.list_placements(session, agency_code=actor.agency, status=status,
                                                      debt_id=None, limit=limit, after=after)
    return Page(items=[PlacementOut.model_validate(row) for row in rows], next_cursor=next_cursor)


@router.get("/agency/placements/{placement_id}", summary="One of the calling agency's placements",
            responses=answers(404), tags=["agency"])
async def own_placement(placement_id: uuid.UUID, session: ReadSession, actor: AgencyCaller) -> PlacementOut:
    return PlacementOut.model_validate(await service.get_placement(session, placement_id, agency_code=actor.agency))


@router.post("/agency/placements/{placement_id}/contacts", status_code=201, tags=["agency"],
             summary="Report a contact and its outcome; a contact the policy forbids is refused, naming the rule",
             responses=answers(404))
async def report_contact(placement_id: uuid.UUID, body: ContactReportIn, uow: UnitOfWorks, runtime: Runtime,
                         actor: AgencyCaller) -> ContactReportOut:
    contact = await reports.report_contact(uow, placement_id, body, actor=actor, agency_code=str(actor.agency),
                                           policy=ContactPolicy.from_settings(runtime.settings), now=utcnow())
    return ContactReportOut.model_validate(contact)


@router.post("/agency/placements/{placement_id}/payments", status_code=201, tags=["agency"],
             summary="Report a payment collected; it counts once the lending core's payment reconciles it",
             responses=answers(404))
async def report_payment(placement_id: uuid.UUID, body: PaymentReportIn, uow: UnitOfWorks, runtime: Runtime,
                         actor: AgencyCaller) -> PaymentReportOut:
    async with uow() as unit:
        report = await recoveries.report_payment(unit, placement_id, body, actor=actor, agency_code=str(actor.agency),
                                                 now=utcnow(), match_days=runtime.settings.agency_payment_match_days)
    return PaymentReportOut.model_validate(report)


@router.get("/agency/placements/{placement_id}/payments", summary="Payments the agency reported on a placement",
            responses=answers(404), tags=["agency"])
async def own_payment_reports(placement_id: uuid.UUID, session: ReadSession,
                              actor: AgencyCaller) -> list[PaymentReportOut]:
    placement = await service.get_placement(session, placement_id, agency_code=actor.agency)
    return [PaymentReportOut.model_validate(row) for row in await recoveries.list_payment_reports(session,
                                                                                                  placement.id)]
