"""The debts a run of events touches, read at once and classified in memory: the event path's set-based state.

`DebtsInRun.load` reads, in a handful of queries however many events the run holds, the facts, current
classification and pauses of every debt the events name (and of every debt of a borrower an event names without
a debt), locked in debt order, plus what contagion weighs: the open exposure of the borrowers' other debts. Each
event then changes the facts in memory and `reclassify` classifies the debt as that event left it, so the
history keeps every step exactly as one event at a time would; `flush` writes the run table by table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from debtflow.classification.classifications.models import DebtClassificationRow
from debtflow.classification.classifications.repository import Cause, PendingWrites
from debtflow.classification.classifications.rules import DebtFacts, Pause
from debtflow.classification.classifications.service import advance_to, classify_on, spread_to_borrower
from debtflow.classification.facts.models import DebtFactsRow, PauseRow
from debtflow.classification.facts.repository import debt_facts_of
from debtflow.classification.facts.rules import NONPERFORMING
from debtflow.classification.reageing.repository import last_reage_day
from debtflow.classification.rulesets.active import ActiveRules, active_rules
from debtflow.common.clock import utcnow
from debtflow.common.db import UnitOfWork
from debtflow.common.db.expressions import one_of


@dataclass(frozen=True)
class _Weighed:
    """What contagion weighs of a debt not in the run (the run's own debts are read from their live rows)."""

    tenant: str | None
    five_tier_class: str
    exposure: Decimal
    status: str


@dataclass
class DebtsInRun:
    """Facts, classifications and pauses of a run's debts, changed in memory and written by `flush`."""

    session: AsyncSession
    active: ActiveRules
    reaged_to: date
    facts: dict[uuid.UUID, DebtFactsRow]
    current: dict[uuid.UUID, DebtClassificationRow]
    pauses: dict[uuid.UUID, list[PauseRow]]
    #: Borrowers named without a debt: all their debts' facts, in debt order (as `facts_of_borrower` reads them).
    of_borrower: dict[str, list[DebtFactsRow]]
    #: Under contagion: the other debts of the run's borrowers, and every debt id of each borrower.
    weighed: dict[uuid.UUID, _Weighed] = field(default_factory=dict)
    debts_of_borrower: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    writes: PendingWrites = field(default_factory=PendingWrites)

    @classmethod
    async def load(cls, session: AsyncSession, *, debt_ids: set[uuid.UUID], borrowers_whole: set[str],
                   borrowers: set[str]) -> DebtsInRun:
        """Read the debts `debt_ids` names and every debt of `borrowers_whole`, locked; `borrowers` are all the
        run's borrowers (whose other debts contagion weighs)."""
        active = await active_rules(session)
        facts = await _locked(session, DebtFactsRow, DebtFactsRow.debt_id,
                              [one_of(DebtFactsRow.debt_id, debt_ids)] if debt_ids else [],
                              [one_of(DebtFactsRow.borrower_id, borrowers_whole)] if borrowers_whole else [])
        known = [row.debt_id for row in facts]
        current = await _locked(session, DebtClassificationRow, DebtClassificationRow.debt_id,
                                [one_of(DebtClassificationRow.debt_id, known)] if known else [])
        pauses: dict[uuid.UUID, list[PauseRow]] = {}
        if known:
            for pause in await session.scalars(select(PauseRow).where(one_of(PauseRow.debt_id, known))
                                               .order_by(PauseRow.id)):
                pauses.setdefault(pause.debt_id, []).append(pause)
        run = cls(session, active, await last_reage_day(session), {row.debt_id: row for row in facts},
                  {row.debt_id: row for row in current}, pauses,
                  {borrower: [row for row in facts if row.borrower_id == borrower] for borrower in borrowers_whole})
        if active.rules.contagion.enabled:
            await run._weigh(borrowers | {row.borrower_id for row in facts})
        return run

    # -- the facts ------------------------------------------------------------------------------------------

    def facts_for(self, debt_id: uuid.UUID, *, tenant: str | None, borrower_id: str, currency: str = "",
                  as_of: date = date.min) -> DebtFactsRow:
        """The debt's facts row, made empty the first time any event about it arrives (see
        `facts.repository.facts_for`, the same for one debt); the first event naming its tenant records it."""
        row = self.facts.get(debt_id)
        if row is None:
            row = DebtFactsRow(debt_id=debt_id, tenant=tenant, borrower_id=borrower_id, currency=currency,
                               exposure=Decimal("0.00"), facts_as_of=as_of, status="open", intake_version=0,
                               flags=[], updated_at=utcnow())
            self.session.add(row)
            self.facts[debt_id] = row
            if borrower_id in self.of_borrower:
                self.of_borrower[borrower_id] = sorted([*self.of_borrower[borrower_id], row],
                                                       key=lambda facts: facts.debt_id)
        elif row.tenant is None:
            row.tenant = tenant
        return row

    def facts_of_borrower(self, borrower_id: str, tenant: str | None) -> list[DebtFactsRow]:
        """Every known debt of the tenant's borrower (rows without a tenant too: see `facts.repository.of_tenant`)."""
        return [row for row in self.of_borrower[borrower_id]
                if tenant is None or row.tenant is None or row.tenant == tenant]

    def start_pause(self, debt_id: uuid.UUID, *, reason: str, source_ref: str, starts_on: date,
                    ends_on: date | None) -> None:
        pauses = self.pauses.setdefault(debt_id, [])
        if not any(pause.source_ref == source_ref for pause in pauses):
            pause = PauseRow(debt_id=debt_id, reason=reason, source_ref=source_ref, starts_on=starts_on,
                             ends_on=ends_on)
            self.session.add(pause)
            pauses.append(pause)

    def end_pause(self, debt_id: uuid.UUID, *, source_ref: str, ends_on: date) -> None:
        for pause in self.pauses.get(debt_id, ()):
            if pause.source_ref == source_ref:
                pause.ends_on = max(pause.starts_on, ends_on)

    # -- classifying ----------------------------------------------------------------------------------------

    async def reclassify(self, uow: UnitOfWork, facts: DebtFactsRow, *, cause: Cause) -> bool:
        """Classify one debt from its facts as they stand, as of the latest day anything is known for; catch
        up with the last re-ageing run; spread contagion if it turned non-performing or cured. True if news."""
        if facts.intake_version == 0:
            return False  # nothing from intake yet (say a score before the registration): wait for the facts
        debt_id = facts.debt_id
        current = self.current.get(debt_id)
        as_of = max(facts.facts_as_of, current.as_of_date if current else facts.facts_as_of)
        was_nonperforming = current is not None and current.five_tier_class in NONPERFORMING
        current, changed = classify_on(uow, self.writes, facts, current, self._debt_facts(facts), as_of=as_of,
                                       active=self.active, cause=cause, now=utcnow())
        if debt_id not in self.current:
            self.current[debt_id] = current
            self.debts_of_borrower.setdefault(facts.borrower_id, set()).add(debt_id)
        # Facts dated before the last re-ageing run: catch up with it now, as that run would have done.
        if current.next_change_on is not None and current.next_change_on <= self.reaged_to:
            changed |= advance_to(uow, self.writes, facts, current, self._debt_facts(facts), to_day=self.reaged_to,
                                  active=self.active, cause=Cause("reage"), now=utcnow())
        if self.active.rules.contagion.enabled and was_nonperforming != (current.five_tier_class in NONPERFORMING):
            await self._spread(uow, facts, current.as_of_date)
        return changed

    async def flush(self) -> None:
        await self.writes.flush(self.session)

    def _debt_facts(self, facts: DebtFactsRow) -> DebtFacts:
        pauses = tuple(Pause(pause.starts_on, pause.ends_on) for pause in self.pauses.get(facts.debt_id, ()))
        share = self._nonperforming_share(facts.tenant, facts.borrower_id) \
            if self.active.rules.contagion.enabled else None
        return debt_facts_of(facts, pauses, share)

    # -- contagion ------------------------------------------------------------------------------------------

    async def _weigh(self, borrowers: Iterable[str]) -> None:
        """Read the open-exposure figures of the borrowers' debts that contagion weighs."""
        row, facts = DebtClassificationRow, DebtFactsRow
        borrowers = set(borrowers)
        found = await self.session.execute(
            select(row.debt_id, row.borrower_id, facts.tenant, row.five_tier_class, row.exposure, row.status)
            .join(facts, facts.debt_id == row.debt_id).where(one_of(row.borrower_id, borrowers)))
        for borrower in borrowers:
            self.debts_of_borrower[borrower] = set()
        for debt_id, borrower_id, tenant, five_tier_class, exposure, status in found:
            self.weighed[debt_id] = _Weighed(tenant, five_tier_class, exposure, status)
            self.debts_of_borrower[borrower_id].add(debt_id)

    def _nonperforming_share(self, tenant: str | None, borrower_id: str) -> Decimal | None:
        """The share of the (tenant, borrower)'s open exposure classified substandard or worse, as
        `facts.repository` computes it in SQL, from the run's live rows where it holds them."""
        bad = total = Decimal(0)
        for debt_id in self.debts_of_borrower.get(borrower_id, ()):
            live = self.current.get(debt_id)
            if live is not None:
                weighed = _Weighed(self.facts[debt_id].tenant, live.five_tier_class, live.exposure, live.status)
            else:
                weighed = self.weighed[debt_id]
            if weighed.tenant != tenant or weighed.status != "open":
                continue
            total += weighed.exposure
            bad += weighed.exposure if weighed.five_tier_class in NONPERFORMING else 0
        return bad / total if total else None

    async def _spread(self, uow: UnitOfWork, facts: DebtFactsRow, day: date) -> None:
        """Move the borrower's other debts with this one: written first, so the spread (one borrower's debts,
        rare) reads what the run has done; their figures are read again after it."""
        await self.flush()
        await spread_to_borrower(uow, facts.borrower_id, facts.tenant, exclude=facts.debt_id, day=day,
                                 active=self.active)
        await self._weigh([facts.borrower_id])


async def _locked(session: AsyncSession, entity: Any, order: Any, *any_of: list[ColumnElement[bool]]) -> list[Any]:
    """Rows matching any of the conditions, locked in key order (the order every path locks in)."""
    conditions = [condition for group in any_of for condition in group]
    if not conditions:
        return []
    return list(await session.scalars(select(entity).where(or_(*conditions)).order_by(order).with_for_update()))
