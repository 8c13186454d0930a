"""Recoveries: the lending core's payments on placed debts attributed to the placement whose term they fall in
(earning its commission, a cost), payments agencies report reconciled against them, complaints about agencies."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.agencies.models import (
    AgencyComplaint,
    AgencyPaymentReport,
    AgencyRecovery,
    Placement,
)
from debtflow.collections.agencies.rules import HUNDRED, commission, in_term
from debtflow.collections.agencies.schemas import PaymentReportIn
from debtflow.collections.agencies.service import get_placement
from debtflow.collections.costs.rules import CostItem
from debtflow.collections.costs.service import record_costs
from debtflow.common.auth import Actor
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of
from debtflow.common.events import CloudEvent, ComplaintReceived, PaymentReceived, PaymentReversed
from debtflow.common.logging import get_logger
from debtflow.common.problems import InvalidInput, field_error

log = get_logger(__name__)


async def apply_payments(uow: UnitOfWork, events: list[CloudEvent[Any]], *, match_days: int) -> None:
    """Set-based handler for intake's PaymentReceived and PaymentReversed: the run's placements, recoveries and
    unreconciled agency reports in three queries; each payment in order; the commissions as costs in one insert."""
    debts = {event.payload.debt_id for event in events}
    placements = list(await uow.session.scalars(select(Placement).where(one_of(Placement.debt_id, debts))))
    if not placements:
        return  # the common case: none of these debts was ever with an agency
    recoveries = {row.payment_id: row for row in await uow.session.scalars(select(AgencyRecovery).where(
        one_of(AgencyRecovery.payment_id, {event.payload.payment_id for event in events})))}
    reports = list(await uow.session.scalars(select(AgencyPaymentReport).where(
        one_of(AgencyPaymentReport.debt_id, debts), AgencyPaymentReport.status == "reported")))
    costs: list[CostItem] = []
    for event in events:
        with uow.on_behalf_of(event):
            if isinstance(event.payload, PaymentReceived):
                cost = _attribute(uow, event, placements, recoveries, reports, match_days=match_days)
            else:
                cost = _reverse(event, placements, recoveries)
        if cost is not None:
            costs.append(cost)
    await record_costs(uow, costs)


def _placement_at(placements: list[Placement], debt_id: uuid.UUID, moment: datetime) -> Placement | None:
    during = [placement for placement in placements
              if placement.debt_id == debt_id and in_term(moment, placement.placed_at, placement.ended_at)]
    return max(during, key=lambda placement: placement.placed_at, default=None)


def _attribute(uow: UnitOfWork, event: CloudEvent[Any], placements: list[Placement],
               recoveries: dict[uuid.UUID, AgencyRecovery], reports: list[AgencyPaymentReport], *,
               match_days: int) -> CostItem | None:
    payment: PaymentReceived = event.payload
    placement = _placement_at(placements, payment.debt_id, payment.paid_at)
    if placement is None or payment.payment_id in recoveries:
        return None
    earned = commission(payment.amount, placement.commission_rate_percent)
    recovery = recoveries[payment.payment_id] = AgencyRecovery(
        payment_id=payment.payment_id, placement_id=placement.id, agency_code=placement.agency_code,
        debt_id=payment.debt_id, amount=payment.amount, currency=payment.currency,
        rate_percent=placement.commission_rate_percent, commission=earned, paid_at=payment.paid_at,
        attributed_at=event.time, reversed_at=None)
    uow.session.add(recovery)
    placement.recovered += payment.amount
    placement.commission += earned
    _reconcile(reports, recovery, match_days=match_days, at=event.time)
    return _commission_cost(placement, payment.amount, str(payment.payment_id), event)


def _reverse(event: CloudEvent[Any], placements: list[Placement],
             recoveries: dict[uuid.UUID, AgencyRecovery]) -> CostItem | None:
    reversal: PaymentReversed = event.payload
    recovery = recoveries.get(reversal.payment_id)
    if recovery is None or recovery.reversed_at is not None:
        return None  # not an agency's recovery, or reversed already
    placement = next(placement for placement in placements if placement.id == recovery.placement_id)
    recovery.reversed_at = reversal.reversed_at
    placement.recovered -= recovery.amount
    placement.commission -= recovery.commission
    return _commission_cost(placement, -recovery.amount, f"{reversal.payment_id}:reversed", event)


def _commission_cost(placement: Placement, recovered: Decimal, source_id: str, event: CloudEvent[Any]) -> CostItem:
    # quantity x unit cost is the recovery x the rate: record_costs rounds it exactly as `commission` does.
    return CostItem(debt_id=placement.debt_id, borrower_id=placement.borrower_id, kind="agency_commission",
                    quantity=recovered, unit_cost=placement.commission_rate_percent / HUNDRED,
                    currency=placement.currency, source_id=source_id, tenant=placement.tenant, cause=event)


def _reconcile(reports: list[AgencyPaymentReport], recovery: AgencyRecovery, *, match_days: int,
               at: datetime) -> None:
    """Mark the agency's report of this payment reconciled: same placement and amount, the closest in time within
    the window. An agency report nobody paid stays `reported` (the performance counts only real money)."""
    window = timedelta(days=match_days)
    matching = [report for report in reports if report.status == "reported"
                and report.placement_id == recovery.placement_id and report.amount == recovery.amount
                and report.currency == recovery.currency and abs(report.paid_at - recovery.paid_at) <= window]
    if matching:
        report = min(matching, key=lambda report: abs(report.paid_at - recovery.paid_at))
        report.status, report.payment_id, report.reconciled_at = "reconciled", recovery.payment_id, at


async def report_payment(uow: UnitOfWork, placement_id: uuid.UUID, body: PaymentReportIn, *, actor: Actor,
                         agency_code: str, now: datetime, match_days: int) -> AgencyPaymentReport:
    """An agency reports a payment it collected on its own placement (else 404); reconciled at once if the lending
    core's payment arrived first, else when it does."""
    placement = await get_placement(uow.session, placement_id, agency_code=agency_code)
    if body.currency != placement.currency:
        raise InvalidInput("the payment is not in the debt's currency", errors=[
            field_error("currency", "placement_currency", f"the debt is in {placement.currency}")])
    if not in_term(body.paid_at, placement.placed_at, min(placement.ended_at, now + timedelta(minutes=5))):
        raise InvalidInput("the payment is outside the placement's term", errors=[
            field_error("paid_at", "placement_term", "must be during the placement and not in the future")])
    report = AgencyPaymentReport(id=uuid.uuid4(), placement_id=placement.id, agency_code=placement.agency_code,
                                 debt_id=placement.debt_id, amount=body.amount, currency=body.currency,
                                 paid_at=body.paid_at, reference=body.reference, status="reported",
                                 reported_by=actor.identity, reported_at=now)
    uow.session.add(report)
    claimed = select(AgencyPaymentReport.payment_id).where(AgencyPaymentReport.payment_id.is_not(None))
    recoveries = await uow.session.scalars(select(AgencyRecovery).where(
        AgencyRecovery.placement_id == placement.id, AgencyRecovery.reversed_at.is_(None),
        AgencyRecovery.payment_id.not_in(claimed)))
    for recovery in recoveries:
        _reconcile([report], recovery, match_days=match_days, at=now)
        if report.status == "reconciled":
            break
    return report


async def list_payment_reports(session: AsyncSession, placement_id: uuid.UUID) -> list[AgencyPaymentReport]:
    return list(await session.scalars(select(AgencyPaymentReport).where(
        AgencyPaymentReport.placement_id == placement_id).order_by(AgencyPaymentReport.reported_at)))


async def apply_complaints(uow: UnitOfWork, events: list[CloudEvent[Any]]) -> None:
    """Set-based handler for crm's ComplaintReceived: a complaint about `agency` is held against the agency that
    had the debt (or, for a borrower-wide one, the borrower's most recent placement) when it was received."""
    about = [event for event in events if isinstance(event.payload, ComplaintReceived)
             and event.payload.subject_kind == "agency"]
    if not about:
        return
    debts = {event.payload.debt_id for event in about if event.payload.debt_id is not None}
    borrowers = {event.payload.borrower_id for event in about if event.payload.debt_id is None}
    placements = list(await uow.session.scalars(select(Placement).where(
        or_(one_of(Placement.debt_id, debts), one_of(Placement.borrower_id, borrowers)))))
    for event in about:
        complaint: ComplaintReceived = event.payload
        placement = _complained_of(placements, complaint)
        if placement is None:  # crm knew of an agency we never placed with: nothing to hold it against
            log.warning("complaint about an agency on a debt never placed", complaint_id=str(complaint.complaint_id))
            continue
        uow.session.add(AgencyComplaint(complaint_id=complaint.complaint_id, agency_code=placement.agency_code,
                                        placement_id=placement.id, debt_id=placement.debt_id,
                                        category=complaint.category, severity=complaint.severity,
                                        received_at=complaint.received_at))


def _complained_of(placements: list[Placement], complaint: ComplaintReceived) -> Placement | None:
    # A complaint may come after the term (the borrower writes later): the last placement begun before it counts.
    mine = [placement for placement in placements if placement.placed_at <= complaint.received_at and (
        placement.debt_id == complaint.debt_id if complaint.debt_id is not None
        else placement.borrower_id == complaint.borrower_id)]
    return max(mine, key=lambda placement: placement.placed_at, default=None)
