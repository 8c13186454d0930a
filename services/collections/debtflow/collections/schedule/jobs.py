"""The dispatcher collections runs by itself: every `dispatch_interval_seconds` it carries out the due steps
(on every replica; the claims' row locks keep two from taking one step), and once a day plans the steps of cases
that have none, after escalating the cases whose strategy's triggers fired."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import update

from debtflow.collections.agencies.service import place_case
from debtflow.collections.cases.escalation import escalate_on_triggers
from debtflow.collections.cases.service import escalate_to_legal
from debtflow.collections.channels import service as channels
from debtflow.collections.contact_policy.profiles import ContactPolicy
from debtflow.collections.costs.rules import UnitPrices
from debtflow.collections.costs.service import record_costs
from debtflow.collections.schedule.models import PlannedAction
from debtflow.collections.schedule.service import (
    Claimed,
    StepResult,
    claim_due,
    finish_steps,
    plan_day,
    settle_without_gateway,
)
from debtflow.common.auth import Actor
from debtflow.common.clock import utcnow
from debtflow.common.problems import Conflict
from debtflow.common.web.jobs import every


async def dispatch_due(runtime: Any, gateways: Any, *, now: datetime | None = None, limit: int = 200) -> int:
    """Carry out up to `limit` due steps; returns how many were claimed (0: nothing was due)."""
    now = now or utcnow()
    settings = runtime.settings
    policy = ContactPolicy.from_settings(settings)
    async with runtime.uow() as unit:
        await _release_interrupted(unit, now - timedelta(seconds=settings.dispatch_stale_after_seconds))
        claimed = await claim_due(unit, now=now, limit=limit, policy=policy)
        results: list[tuple[Claimed, StepResult]] = []
        to_send: list[Claimed] = []
        for item in claimed:
            result = settle_without_gateway(item, now)
            if result is None:
                item.action.status, item.action.attempts = "dispatching", item.action.attempts + 1
                item.action.decided_at = now  # when it was claimed: a claim this old was interrupted
                to_send.append(item)
            else:
                results.append((item, result))
    results += await _send(runtime, gateways, to_send, now)
    if results:
        async with runtime.uow() as unit:
            await finish_steps(unit, results, now=now, escalate=escalate_to_legal,
                               place=partial(place_by_rules, default_days=settings.agency_default_placement_days),
                               policy=policy)
    return len(claimed)


#: Who places a case with an agency when its strategy's step says so.
STRATEGY = Actor(subject="strategy", roles=frozenset())


async def place_by_rules(uow: Any, *, debt_id: Any, now: datetime, default_days: int) -> bool:
    """A strategy's agency step: the placement rules choose the agency (agencies/); False when none takes the
    case (no rule, agencies full), which leaves the step for a supervisor to place by hand."""
    try:
        async with uow.savepoint():
            await place_case(uow, debt_id, agency_code=None, days=None, actor=STRATEGY, now=now,
                             default_days=default_days)
    except Conflict:
        return False
    return True


async def _send(runtime: Any, gateways: Any, items: list[Claimed], now: datetime) -> list[tuple[Claimed, StepResult]]:
    """Render and send outside any transaction, then record each message in one short one."""
    if not items:
        return []
    messages = [channels.OutboundMessage(
        action_id=item.action.id, debt_id=item.action.debt_id, borrower_id=item.action.borrower_id,
        tenant=item.action.tenant, channel=item.action.channel, template_code=item.action.template_code,
        tone=item.action.tone, language=None) for item in items]
    async with runtime.sessions() as session:
        prepared = await channels.prepare(session, runtime.settings, messages)
    outcomes: list[tuple[Claimed, StepResult]] = []
    sent: list[tuple[Any, Any]] = []
    for item, ready in zip(items, prepared, strict=True):
        if isinstance(ready, channels.Unsendable):
            outcomes.append((item, StepResult("suppressed", rule=f"channel.{ready.reason}")))
            continue
        result = await channels.send(gateways, ready)
        sent.append((ready, result))
        outcomes.append((item, StepResult("sent" if result.accepted else "failed",
                                          rule=None if result.accepted else "gateway_error")))
    prices = UnitPrices.from_settings(runtime.settings)
    async with runtime.uow() as unit:
        for ready, result in sent:
            await channels.record_sent(unit, ready, result)
        # What a message costs is known when the gateway took it (a robo-call counts one minute: the provider
        # bills by started minute and a reminder call is shorter than one).
        await record_costs(unit, [prices.item(
            debt_id=ready.message.debt_id, borrower_id=ready.message.borrower_id, channel=ready.channel,
            source_id=f"action:{ready.message.action_id}", tenant=ready.message.tenant)
            for ready, result in sent if result.accepted], at=now)
    return outcomes


async def _release_interrupted(unit: Any, stale_before: datetime) -> None:
    """Steps left `dispatching` by a replica that died between its two transactions go back to be sent again:
    at least once, never lost (gateways pass the action id to providers, which drop repeats)."""
    await unit.session.execute(
        update(PlannedAction).where(PlannedAction.status == "dispatching", PlannedAction.decided_at < stale_before)
        .values(status="scheduled").execution_options(synchronize_session=False))


#: Rounds of `dispatch_batch_size` steps one pass carries out at most before the next interval.
ROUNDS_PER_PASS = 50


@dataclass
class _Dispatcher:
    """One replica's dispatcher: its gateways (built once), and the day it last planned."""

    gateways: Any = None
    planned_on: date | None = None

    async def run_pass(self, runtime: Any) -> dict[str, int]:
        """Plan the day once a day, then carry out what is due in rounds until nothing is."""
        settings = runtime.settings
        self.gateways = self.gateways or channels.build_gateways(settings)
        done = {"planned": 0, "escalated": 0, "claimed": 0}
        today = utcnow().date()
        if self.planned_on != today:
            done["escalated"] = await escalate_on_triggers(runtime.uow, now=utcnow())
            done["planned"] = await plan_day(runtime.uow, policy=ContactPolicy.from_settings(settings))
            self.planned_on = today
        for _ in range(ROUNDS_PER_PASS):  # bounded: the service's stop is looked at between passes
            claimed = await dispatch_due(runtime, self.gateways, limit=settings.dispatch_batch_size)
            done["claimed"] += claimed
            if claimed < settings.dispatch_batch_size:
                break
        return done if any(done.values()) else {}


async def collection_dispatcher(runtime: Any, stopping: asyncio.Event) -> None:
    """Every `dispatch_interval_seconds`, until the service stops: the day planned once, the due steps carried out."""
    await every("dispatch_interval_seconds", _Dispatcher().run_pass, name="collection_dispatcher",
                what="collection dispatch")(runtime, stopping)
