"""Payment plan and settlement use cases: propose (discount measured against the debt's balance, split by the
waterfall), approve within each role's authority (four eyes above it), record the borrower's acceptance, cancel;
track them from intake's payments; find the breached and lapsed ones; read."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.collections.agents.settings import AgentSettings
from debtflow.collections.arrangements import rules
from debtflow.collections.arrangements.models import (
    ArrangementPayment,
    DebtBalance,
    PaymentPlan,
    PlanInstalment,
    Settlement,
)
from debtflow.collections.cases.models import CollectionCase
from debtflow.common.auth import Actor, Role
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork, UnitOfWorkFactory
from debtflow.common.db.expressions import one_of
from debtflow.common.events import (
    CloudEvent,
    DebtRegistered,
    DebtRestructured,
    DebtSettled,
    DebtUpdated,
    PaymentPlanChanged,
    PaymentReceived,
    PaymentReversed,
    SettlementChanged,
)
from debtflow.common.pagination import decode_cursor, page_of
from debtflow.common.problems import Conflict, Forbidden, InvalidInput, NotFound, field_error

A = TypeVar("A", PaymentPlan, Settlement)
LIVE = ("proposed", "approved", "accepted")
#: Arrangements checked per transaction by the background check.
CHECK_CHUNK = 200


def limits_of(settings: AgentSettings) -> rules.DiscountLimits:
    return rules.DiscountLimits(collector=settings.discount_collector_max_percent,
                                supervisor=settings.discount_supervisor_max_percent,
                                ceiling=settings.discount_ceiling_percent)


def approver_of(actor: Actor) -> rules.Approver:
    """The caller as an approver: a supervisor acts with a supervisor's authority, anyone else a collector's."""
    return rules.Approver(actor.identity, "supervisor" if Role.SUPERVISOR in actor.roles else "collector")


# -- proposing ---------------------------------------------------------------------------------------------------

async def propose_plan(uow: UnitOfWork, debt_id: uuid.UUID, *, total_amount: Decimal,
                       instalments: list[rules.Instalment], actor: Actor, settings: AgentSettings,
                       now: datetime) -> tuple[PaymentPlan, list[PlanInstalment]]:
    """A plan of a down payment (instalments[0]) and instalments summing to the agreed total."""
    today = _today(now, settings)
    problems = rules.schedule_problems(total_amount, instalments, today, settings.plan_max_instalments)
    if problems:
        raise InvalidInput("the plan's schedule is not valid",
                           errors=[field_error(field, rule, message) for field, rule, message in problems])
    plan = await _proposed(uow, PaymentPlan(), debt_id, total_amount, actor, settings, now)
    rows = [PlanInstalment(plan_id=plan.id, sequence=index, due_on=item.due_on, amount=item.amount,
                           paid_amount=Decimal("0.00"), status="due") for index, item in enumerate(instalments)]
    uow.session.add_all(rows)
    _announce(uow, plan, now)
    return plan, rows


async def propose_settlement(uow: UnitOfWork, debt_id: uuid.UUID, *, amount: Decimal, pay_by: Any, actor: Actor,
                             settings: AgentSettings, now: datetime) -> Settlement:
    """A settlement: the agreed amount paid by `pay_by` settles the debt; the rest is waived."""
    if pay_by < _today(now, settings):
        raise InvalidInput("pay_by is in the past", errors=[field_error("pay_by", "not_in_past",
                                                                        f"must be on or after {_today(now, settings)}")])
    settlement = Settlement(pay_by=pay_by)
    await _proposed(uow, settlement, debt_id, amount, actor, settings, now)
    _announce(uow, settlement, now)
    return settlement


async def _proposed(uow: UnitOfWork, arrangement: A, debt_id: uuid.UUID, agreed: Decimal, actor: Actor,
                    settings: AgentSettings, now: datetime) -> A:
    """Fill in what plans and settlements share: the balance, the discount and its split, the approval."""
    case = await uow.session.get(CollectionCase, debt_id)
    if case is None:
        raise NotFound(f"no collection case for debt {debt_id}")
    if case.status == "closed":
        raise Conflict(f"the case of debt {debt_id} is closed", slug="case-closed")
    balance = await uow.session.get(DebtBalance, debt_id)
    if balance is None:
        raise Conflict(f"collections has no balance of debt {debt_id} from intake yet", slug="balance-unknown")
    components = rules.Balances(balance.penalty_interest, balance.fees, balance.interest, balance.principal)
    field = "total_amount" if isinstance(arrangement, PaymentPlan) else "amount"
    if agreed > components.total:
        raise InvalidInput("the agreed amount is more than the debt's balance", errors=[field_error(
            field, "at_most_balance", f"the balance is {balance.currency} {components.total}")])
    percent = rules.discount_percent(components.total, agreed)
    limits = limits_of(settings)
    if percent > limits.ceiling:
        raise InvalidInput("the discount is above the lender's ceiling", errors=[field_error(
            field, "discount_ceiling", f"a discount of {percent} % is above the ceiling of {limits.ceiling} %")])
    waived = rules.split_discount(components.total - agreed, components)
    proposer = approver_of(actor)
    approved = rules.is_approved(percent, limits, proposer, [])
    arrangement.id, arrangement.debt_id, arrangement.tenant = uuid.uuid4(), debt_id, case.tenant
    arrangement.borrower_id, arrangement.currency = case.borrower_id, balance.currency
    arrangement.status = "approved" if approved else "proposed"
    arrangement.balance, arrangement.total_amount = components.total, agreed
    arrangement.discount_amount, arrangement.discount_bp = components.total - agreed, int(percent * 100)
    arrangement.waived_penalty_interest, arrangement.waived_fees = waived["penalty_interest"], waived["fees"]
    arrangement.waived_interest, arrangement.waived_principal = waived["interest"], waived["principal"]
    arrangement.paid_amount, arrangement.approvals = Decimal("0.00"), []
    arrangement.proposed_by, arrangement.proposer_role = proposer.identity, proposer.role
    arrangement.proposed_at = arrangement.updated_at = now
    arrangement.approved_at = now if approved else None
    uow.session.add(arrangement)
    return arrangement


# -- moves -------------------------------------------------------------------------------------------------------

async def approve(uow: UnitOfWork, model: type[A], arrangement_id: uuid.UUID, *, actor: Actor,
                  settings: AgentSettings, now: datetime) -> A:
    """A supervisor's approval; four eyes: never the proposer's own, never twice by one person."""
    arrangement = await _locked(uow.session, model, arrangement_id)
    _require_state(arrangement, ("proposed",), "approve")
    limits, percent = limits_of(settings), Decimal(arrangement.discount_bp) / 100
    proposer = rules.Approver(arrangement.proposed_by, arrangement.proposer_role)  # type: ignore[arg-type]
    earlier = [rules.Approver(item["identity"], item["role"]) for item in arrangement.approvals]
    refusal = rules.approval_refusal(approver_of(actor), proposer, earlier, percent, limits)
    if refusal is not None:
        raise Forbidden(refusal, slug="four-eyes")
    arrangement.approvals = [*arrangement.approvals,
                             {"identity": actor.identity, "role": "supervisor", "at": now.isoformat()}]
    if rules.is_approved(percent, limits, proposer, [*earlier, approver_of(actor)]):
        arrangement.status, arrangement.approved_at = "approved", now
    arrangement.updated_at = now
    _announce(uow, arrangement, now)
    return arrangement


async def accept(uow: UnitOfWork, model: type[A], arrangement_id: uuid.UUID, *, channel: str, actor: Actor,
                 now: datetime) -> A:
    """The borrower accepted it (the agent records how): payments count towards it from now; a plan restructures
    the debt. One accepted arrangement per debt at a time."""
    arrangement = await _locked(uow.session, model, arrangement_id)
    _require_state(arrangement, ("approved",), "accept")
    await _no_other_accepted(uow.session, arrangement)
    arrangement.status, arrangement.accepted_at, arrangement.accepted_by = "accepted", now, actor.identity
    arrangement.acceptance_channel, arrangement.updated_at = channel, now
    if isinstance(arrangement, PaymentPlan):
        uow.emit(DebtRestructured(debt_id=arrangement.debt_id, borrower_id=arrangement.borrower_id,
                                  restructured_on=now.date(), plan_id=arrangement.id, restructured_at=now),
                 tenant=arrangement.tenant)
    _announce(uow, arrangement, now)
    return arrangement


async def cancel(uow: UnitOfWork, model: type[A], arrangement_id: uuid.UUID, *, actor: Actor,
                 now: datetime) -> A:
    """Withdraw it before it is paid off (the borrower changed their mind, or a better one replaces it)."""
    arrangement = await _locked(uow.session, model, arrangement_id)
    _require_state(arrangement, LIVE, "cancel")
    arrangement.status, arrangement.ended_at, arrangement.ended_by = "cancelled", now, actor.identity
    arrangement.updated_at = now
    _announce(uow, arrangement, now)
    return arrangement


async def _locked(session: AsyncSession, model: type[A], arrangement_id: uuid.UUID) -> A:
    found = (await session.scalars(select(model).where(model.id == arrangement_id).with_for_update())).first()
    if found is None:
        raise NotFound(f"no {_what(model)} {arrangement_id}")
    return found


def _require_state(arrangement: PaymentPlan | Settlement, allowed: tuple[str, ...], move: str) -> None:
    if arrangement.status not in allowed:
        raise Conflict(f"cannot {move} {_what(type(arrangement))} {arrangement.id}: it is {arrangement.status}",
                       slug="invalid-transition", current_state=arrangement.status, allowed_from=list(allowed))


async def _no_other_accepted(session: AsyncSession, arrangement: PaymentPlan | Settlement) -> None:
    for model in (PaymentPlan, Settlement):
        other = (await session.scalars(select(model).where(
            model.debt_id == arrangement.debt_id, model.status == "accepted"))).first()
        if other is not None:
            raise Conflict(f"debt {arrangement.debt_id} already has an accepted {_what(model)} {other.id}",
                           slug="arrangement-in-force", arrangement_id=str(other.id))


def _what(model: type[Any]) -> str:
    return "payment plan" if model is PaymentPlan else "settlement"


def _announce(uow: UnitOfWork, arrangement: PaymentPlan | Settlement, now: datetime) -> None:
    common = {"debt_id": arrangement.debt_id, "borrower_id": arrangement.borrower_id, "status": arrangement.status,
              "total_amount": arrangement.total_amount, "discount_amount": arrangement.discount_amount,
              "paid_amount": arrangement.paid_amount, "currency": arrangement.currency, "changed_at": now}
    if isinstance(arrangement, PaymentPlan):
        uow.emit(PaymentPlanChanged(plan_id=arrangement.id, **common), tenant=arrangement.tenant)
    else:
        uow.emit(SettlementChanged(settlement_id=arrangement.id, pay_by=arrangement.pay_by, **common),
                 tenant=arrangement.tenant)


def _today(now: datetime, settings: AgentSettings) -> Any:
    return now.astimezone(ZoneInfo(settings.promise_timezone)).date()


# -- intake's events and the clock ------------------------------------------------------------------------------

INTAKE_TYPES = (DebtRegistered, DebtUpdated, PaymentReceived, PaymentReversed)
#: States whose paid amount a payment or a reversal may still change the outcome of.
TRACKED = ("accepted", "completed", "paid")


async def apply_debt_events(uow: UnitOfWork, events: list[CloudEvent[Any]], *, settings: AgentSettings) -> None:
    """Set-based: the balance each intake event leaves (the highest version wins), and payments counted towards
    the debt's accepted plan or settlement (reversals take theirs back). Other types are ignored."""
    relevant = [event for event in events if isinstance(event.data, INTAKE_TYPES)]
    if not relevant:
        return
    ledger = await _Ledger.load(uow.session, relevant)
    now = utcnow()
    for event in relevant:
        with uow.on_behalf_of(event):
            ledger.balance(event.data, tenant=uow.tenant)
            if isinstance(event.data, PaymentReceived | PaymentReversed):
                touched = ledger.count(event.data)
                if touched is not None:
                    _retrack(uow, touched, ledger, now=now, settings=settings)


async def check_due(uow: UnitOfWorkFactory, *, now: datetime, settings: AgentSettings,
                    chunk_size: int = CHECK_CHUNK) -> int:
    """Breach every accepted plan with an instalment unpaid past due and grace, lapse every accepted settlement
    unpaid past pay_by and grace; chunk by chunk, rows taken with SKIP LOCKED. Returns how many changed."""
    cutoff = _today(now, settings) - timedelta(days=settings.plan_grace_days)
    overdue_plans = select(PlanInstalment.plan_id).where(PlanInstalment.status.in_(("due", "partly_paid")),
                                                         PlanInstalment.due_on < cutoff)
    due: list[tuple[type[Any], Any]] = [
        (PaymentPlan, (PaymentPlan.status == "accepted") & PaymentPlan.id.in_(overdue_plans)),
        (Settlement, (Settlement.status == "accepted") & (Settlement.pay_by < cutoff))]
    changed = 0
    for model, condition in due:
        while True:
            async with uow() as unit:
                rows = list(await unit.session.scalars(select(model).where(condition).order_by(model.id)
                                                       .limit(chunk_size).with_for_update(skip_locked=True)))
                ledger = await _Ledger.of(unit.session, rows)
                moved = sum(_retrack(unit, row, ledger, now=now, settings=settings) for row in rows)
            changed += moved
            if len(rows) < chunk_size or not moved:  # nothing moved: the same rows would come back
                break
    return changed


class _Ledger:
    """A run's balances, the arrangements payments may count towards, their payments and instalments."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.balances: dict[uuid.UUID, DebtBalance] = {}
        self.arrangements: list[PaymentPlan | Settlement] = []
        self.counted: dict[uuid.UUID, ArrangementPayment] = {}
        self.instalments: dict[uuid.UUID, list[PlanInstalment]] = {}

    @classmethod
    async def load(cls, session: AsyncSession, events: list[CloudEvent[Any]]) -> _Ledger:
        debt_ids = {event.data.debt_id for event in events}
        balances = {row.debt_id: row for row in await session.scalars(
            select(DebtBalance).where(one_of(DebtBalance.debt_id, debt_ids)))}
        reversed_ids = {event.data.payment_id for event in events if isinstance(event.data, PaymentReversed)}
        reversed_in = set(await session.scalars(select(ArrangementPayment.arrangement_id).where(
            one_of(ArrangementPayment.payment_id, reversed_ids)))) if reversed_ids else set()
        arrangements: list[PaymentPlan | Settlement] = []
        for model in (PaymentPlan, Settlement):
            arrangements += await session.scalars(select(model).where(
                (one_of(model.debt_id, debt_ids) & (model.status == "accepted"))
                | (one_of(model.id, reversed_in) & model.status.in_(TRACKED))))
        ledger = await cls.of(session, arrangements)
        ledger.balances = balances
        return ledger

    @classmethod
    async def of(cls, session: AsyncSession, arrangements: list[Any]) -> _Ledger:
        """The payments and instalments of these arrangements."""
        ledger = cls(session)
        ledger.arrangements = list(arrangements)
        ids = {row.id for row in arrangements}
        if not ids:
            return ledger
        ledger.counted = {row.payment_id: row for row in await session.scalars(
            select(ArrangementPayment).where(one_of(ArrangementPayment.arrangement_id, ids)))}
        for row in await session.scalars(select(PlanInstalment).where(one_of(PlanInstalment.plan_id, ids))
                                         .order_by(PlanInstalment.plan_id, PlanInstalment.sequence)):
            ledger.instalments.setdefault(row.plan_id, []).append(row)
        return ledger

    def balance(self, event: Any, *, tenant: str | None) -> None:
        current = self.balances.get(event.debt_id)
        if current is not None and current.version >= event.version:
            return  # an older figure arriving late changes nothing
        if current is None:
            current = self.balances[event.debt_id] = DebtBalance(debt_id=event.debt_id)
            self.session.add(current)
        current.tenant = tenant or current.tenant
        current.borrower_id, current.currency = event.borrower_id, event.currency
        current.penalty_interest, current.fees, current.interest, current.principal, current.total = \
            _snapshot(event)
        current.version, current.updated_at = event.version, utcnow()

    def count(self, payment: PaymentReceived | PaymentReversed) -> PaymentPlan | Settlement | None:
        """Record the payment against the arrangement in force when it was paid (or take a reversed one back)."""
        if isinstance(payment, PaymentReversed):
            counted = self.counted.get(payment.payment_id)
            if counted is None or counted.reversed:
                return None
            counted.reversed = True
            return next((row for row in self.arrangements if row.id == counted.arrangement_id), None)
        target = next((row for row in self.arrangements if row.debt_id == payment.debt_id
                       and row.status == "accepted" and row.currency == payment.currency
                       and row.accepted_at is not None and row.accepted_at <= payment.paid_at), None)
        if target is None or payment.payment_id in self.counted:
            return None
        counted = ArrangementPayment(payment_id=payment.payment_id, arrangement_id=target.id,
                                     kind="plan" if isinstance(target, PaymentPlan) else "settlement",
                                     amount=payment.amount, paid_at=payment.paid_at, reversed=False)
        self.session.add(counted)
        self.counted[counted.payment_id] = counted
        return target

    def paid(self, arrangement_id: uuid.UUID) -> Decimal:
        return sum((row.amount for row in self.counted.values()
                    if row.arrangement_id == arrangement_id and not row.reversed), Decimal("0.00"))


def _snapshot(event: Any) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    if isinstance(event, DebtRegistered):
        return (event.penalty_interest_outstanding, event.fees_outstanding, event.interest_outstanding,
                event.principal_outstanding, event.total_outstanding)
    figures = event.balances if isinstance(event, DebtUpdated) else event.balances_after
    return figures.penalty_interest, figures.fees, figures.interest, figures.principal, figures.total


def _retrack(uow: UnitOfWork, arrangement: PaymentPlan | Settlement, ledger: _Ledger, *, now: datetime,
             settings: AgentSettings) -> int:
    """Decide the arrangement again from what was paid towards it; 1 if its state changed (and was announced)."""
    arrangement.paid_amount = ledger.paid(arrangement.id)
    today = _today(now, settings)
    if isinstance(arrangement, PaymentPlan):
        status = _plan_status(arrangement, ledger.instalments.get(arrangement.id, []), today, settings)
    else:
        status = {"accepted": "accepted", "paid": "paid", "lapsed": "lapsed"}[rules.settlement_status(
            arrangement.total_amount, arrangement.paid_amount, arrangement.pay_by, today, settings.plan_grace_days)]
    if status == arrangement.status or arrangement.status not in TRACKED:
        return 0  # breached and lapsed are final: the agent proposes a new arrangement
    if isinstance(arrangement, Settlement) and status == "paid":
        uow.emit(DebtSettled(debt_id=arrangement.debt_id, borrower_id=arrangement.borrower_id,
                             settlement_amount=arrangement.total_amount, currency=arrangement.currency,
                             settled_on=today, settled_at=now), tenant=arrangement.tenant)
    arrangement.status, arrangement.updated_at = status, now
    arrangement.ended_at = None if status == "accepted" else now
    _announce(uow, arrangement, now)
    return 1


def _plan_status(plan: PaymentPlan, instalments: list[PlanInstalment], today: Any,
                 settings: AgentSettings) -> str:
    """Fill the instalments from the paid total, earliest first; the plan's state follows from theirs."""
    tracked = rules.track([rules.Instalment(row.due_on, row.amount) for row in instalments], plan.paid_amount,
                          today, settings.plan_grace_days)
    for row, (status, received) in zip(instalments, tracked, strict=True):
        row.status, row.paid_amount = status, received
    return {"active": "accepted", "completed": "completed", "breached": "breached"}[rules.plan_status(tracked)]


# -- reads -------------------------------------------------------------------------------------------------------

async def get_arrangement(session: AsyncSession, model: type[A], arrangement_id: uuid.UUID) -> A:
    found = await session.get(model, arrangement_id)
    if found is None:
        raise NotFound(f"no {_what(model)} {arrangement_id}")
    return found


async def instalments_of(session: AsyncSession, plan_ids: set[uuid.UUID]) -> dict[uuid.UUID, list[PlanInstalment]]:
    found: dict[uuid.UUID, list[PlanInstalment]] = {plan_id: [] for plan_id in plan_ids}
    if plan_ids:
        for row in await session.scalars(select(PlanInstalment).where(one_of(PlanInstalment.plan_id, plan_ids))
                                         .order_by(PlanInstalment.plan_id, PlanInstalment.sequence)):
            found[row.plan_id].append(row)
    return found


async def list_of_case(session: AsyncSession, model: type[A], debt_id: uuid.UUID, *, limit: int,
                       after: str | None) -> tuple[list[A], str | None]:
    """A case's plans (or settlements), newest first."""
    query = select(model).where(model.debt_id == debt_id)
    if after is not None:
        proposed_at, arrangement_id = decode_cursor(after, datetime, uuid.UUID)
        query = query.where((model.proposed_at < proposed_at)
                            | ((model.proposed_at == proposed_at) & (model.id < arrangement_id)))
    rows = list(await session.scalars(query.order_by(model.proposed_at.desc(), model.id.desc()).limit(limit + 1)))
    return page_of(rows, limit, lambda row: (row.proposed_at, row.id))
