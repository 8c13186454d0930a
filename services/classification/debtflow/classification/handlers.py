"""What each consumed event means for a debt's facts; every handler ends by reclassifying what it touched."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from debtflow.common.db import UnitOfWork
from debtflow.common.events import (
    BorrowerCircumstanceRecorded,
    CloudEvent,
    ContactRestricted,
    DebtEscalatedToLegal,
    DebtRegistered,
    DebtRestructured,
    DebtUpdated,
    DisputeOpened,
    DisputeResolved,
    HardshipEnded,
    HardshipGranted,
    LegalCaseOpened,
    LimitationUpdated,
    PaymentReceived,
    PaymentReversed,
    ScoreUpdated,
)
from debtflow.classification.engine import Cause, reclassify
from debtflow.classification.facts import apply_intake_facts, business_day, end_pause, facts_for, set_flag, start_pause
from debtflow.classification.models import DebtFactsRow


class Handlers:
    """Event handlers bound to the lender's business time zone (days are counted in its calendar)."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    # -- intake: the figures ----------------------------------------------------------------------

    async def debt_registered(self, uow: UnitOfWork, event: CloudEvent[DebtRegistered]) -> None:
        debt = event.payload
        facts = await facts_for(uow.session, debt.debt_id, borrower_id=debt.borrower_id, currency=debt.currency,
                                as_of=debt.as_of_date)
        facts.registered_at = facts.registered_at or debt.registered_at
        apply_intake_facts(facts, version=debt.version, currency=debt.currency, exposure=debt.total_outstanding,
                           first_unpaid_due_date=debt.first_unpaid_due_date, status="open", as_of=debt.as_of_date)
        await reclassify(uow, debt.debt_id, cause=_cause(event), facts=facts)

    async def debt_updated(self, uow: UnitOfWork, event: CloudEvent[DebtUpdated]) -> None:
        debt = event.payload
        facts = await facts_for(uow.session, debt.debt_id, borrower_id=debt.borrower_id, currency=debt.currency,
                                as_of=debt.as_of_date)
        if apply_intake_facts(facts, version=debt.version, currency=debt.currency, exposure=debt.balances.total,
                              first_unpaid_due_date=debt.first_unpaid_due_date, status=debt.status,
                              as_of=debt.as_of_date):
            await reclassify(uow, debt.debt_id, cause=_cause(event), facts=facts)

    async def payment(self, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        """A payment or a reversal moves the first unpaid due date, so the day count starts again from it."""
        payment: PaymentReceived | PaymentReversed = event.payload
        day = business_day(event.time, self.zone)
        facts = await facts_for(uow.session, payment.debt_id, borrower_id=payment.borrower_id,
                                currency=payment.currency, as_of=day)
        if apply_intake_facts(facts, version=payment.version, currency=payment.currency,
                              exposure=payment.balances_after.total,
                              first_unpaid_due_date=payment.first_unpaid_due_date_after, status=payment.status_after,
                              as_of=day):
            await reclassify(uow, payment.debt_id, cause=_cause(event), facts=facts)

    # -- crm: the borrower's circumstances ------------------------------------------------------------

    async def dispute_opened(self, uow: UnitOfWork, event: CloudEvent[DisputeOpened]) -> None:
        opened = event.payload
        for debt_id in await self._debts(uow, opened.debt_id, opened.borrower_id):
            await start_pause(uow.session, debt_id, reason="dispute", source_ref=str(opened.dispute_id),
                              starts_on=opened.opened_on, ends_on=None)
            await self._flag(uow, debt_id, "disputed", True, event)

    async def dispute_resolved(self, uow: UnitOfWork, event: CloudEvent[DisputeResolved]) -> None:
        resolved = event.payload
        for debt_id in await self._debts(uow, resolved.debt_id, resolved.borrower_id):
            await end_pause(uow.session, debt_id, source_ref=str(resolved.dispute_id), ends_on=resolved.resolved_on)
            await self._flag(uow, debt_id, "disputed", False, event)

    async def hardship_granted(self, uow: UnitOfWork, event: CloudEvent[HardshipGranted]) -> None:
        granted = event.payload
        for debt_id in await self._debts(uow, granted.debt_id, granted.borrower_id):
            await start_pause(uow.session, debt_id, reason="hardship", source_ref=str(granted.hardship_id),
                              starts_on=granted.starts_on, ends_on=granted.ends_on)
            await self._flag(uow, debt_id, "hardship", True, event)

    async def hardship_ended(self, uow: UnitOfWork, event: CloudEvent[HardshipEnded]) -> None:
        ended = event.payload
        for debt_id in await self._debts(uow, ended.debt_id, ended.borrower_id):
            await end_pause(uow.session, debt_id, source_ref=str(ended.hardship_id), ends_on=ended.ended_on)
            await self._flag(uow, debt_id, "hardship", False, event)

    async def contact_restricted(self, uow: UnitOfWork, event: CloudEvent[ContactRestricted]) -> None:
        restriction = event.payload
        for debt_id in await self._debts(uow, restriction.debt_id, restriction.borrower_id):
            await self._flag(uow, debt_id, restriction.restriction, restriction.active, event)

    async def circumstance(self, uow: UnitOfWork, event: CloudEvent[BorrowerCircumstanceRecorded]) -> None:
        recorded = event.payload
        for debt_id in await self._debts(uow, recorded.debt_id, recorded.borrower_id):
            await self._flag(uow, debt_id, recorded.circumstance, recorded.active, event)

    # -- collections, legal and credit --------------------------------------------------------------

    async def restructured(self, uow: UnitOfWork, event: CloudEvent[DebtRestructured]) -> None:
        facts = await self._facts(uow, event.payload.debt_id, event.payload.borrower_id)
        facts.restructured_on = event.payload.restructured_on
        await self._flag(uow, facts.debt_id, "restructured", True, event)

    async def legal_action(self, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        """An escalation to legal or an opened case: the debt is in legal action (IFRS 9 stage 3)."""
        payload: DebtEscalatedToLegal | LegalCaseOpened = event.payload
        await self._facts(uow, payload.debt_id, payload.borrower_id)
        await self._flag(uow, payload.debt_id, "legal_action", True, event)

    async def limitation(self, uow: UnitOfWork, event: CloudEvent[LimitationUpdated]) -> None:
        facts = await self._facts(uow, event.payload.debt_id, event.payload.borrower_id)
        facts.limitation_expires_on = event.payload.limitation_expires_on
        await reclassify(uow, facts.debt_id, cause=_cause(event), facts=facts)

    async def score(self, uow: UnitOfWork, event: CloudEvent[ScoreUpdated]) -> None:
        facts = await self._facts(uow, event.payload.debt_id, event.payload.borrower_id)
        facts.collection_score = event.payload.recovery_probability
        await reclassify(uow, facts.debt_id, cause=_cause(event), facts=facts)

    # -- helpers ------------------------------------------------------------------------------------

    async def _debts(self, uow: UnitOfWork, debt_id: uuid.UUID | None, borrower_id: str) -> list[uuid.UUID]:
        """The debt an event names, or all the borrower's debts known so far when it names none."""
        if debt_id is not None:
            return [(await self._facts(uow, debt_id, borrower_id)).debt_id]
        return list(await uow.session.scalars(select(DebtFactsRow.debt_id).where(DebtFactsRow.borrower_id == borrower_id)))

    async def _facts(self, uow: UnitOfWork, debt_id: uuid.UUID, borrower_id: str) -> DebtFactsRow:
        # An event may overtake the debt's registration (another topic): its facts wait for intake's figures.
        return await facts_for(uow.session, debt_id, borrower_id=borrower_id, currency="", as_of=date.min)

    async def _flag(self, uow: UnitOfWork, debt_id: uuid.UUID, flag: str, active: bool, event: CloudEvent[Any]) -> None:
        facts = await uow.session.get(DebtFactsRow, debt_id)
        assert facts is not None
        set_flag(facts, flag, active)
        await reclassify(uow, debt_id, cause=_cause(event), facts=facts)


def _cause(event: CloudEvent[Any]) -> Cause:
    return Cause(event.type.removeprefix("debtflow.").rsplit(".", 1)[0], event.id)
