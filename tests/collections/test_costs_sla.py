"""Costs and the SLA on SQLite and PostgreSQL: each action's cost recorded once and announced, summed by kind and
channel; the SLA's counts, spread, targets and breaches from cases of known ages, and its figures on /metrics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from debtflow.collections.cases.models import CollectionCase
from debtflow.collections.costs.rules import UnitPrices
from debtflow.collections.costs.service import record_costs
from debtflow.common.events import CostIncurred
from support import token
from support.harness import Harness, classified, harness
from support.problems import assert_problem

STAFF = token("risk", subject="risk-1")


async def test_costs_are_recorded_once_announced_and_summed(shared: Harness) -> None:
    prices = UnitPrices.from_settings(shared.runtime.settings)
    debt_id, action = uuid.uuid4(), str(uuid.uuid4())
    items = [prices.item(debt_id=debt_id, borrower_id="BR-88812", channel="sms", source_id=action),
             prices.item(debt_id=debt_id, borrower_id="BR-88812", channel="call", source_id=action,
                         quantity=Decimal("3.50"))]
    for _ in range(2):  # a retried dispatch records nothing twice
        async with shared.runtime.uow() as unit:
            await record_costs(unit, items)
    await shared.settled()
    announced = sorted((event.data.kind, event.data.amount) for event in shared.emitted(CostIncurred)
                       if event.data.debt_id == debt_id)
    assert announced == [("call_minute", Decimal("5.25")), ("sms_message", Decimal("0.05"))]
    day = datetime.now(UTC).date().isoformat()
    summary = await shared.get_json(f"/v1/costs/summary?from={day}&to={day}", STAFF)
    lines = {(line["kind"], line["channel"]): line for line in summary["lines"]}
    assert lines[("call_minute", "call")]["items"] >= 1
    reply = await shared.client.get(f"/v1/costs/summary?from={day}&to=2020-01-01", headers=STAFF)
    assert_problem(reply, 422, "validation-error", fields={"to"})


async def test_sla_figures_from_cases_of_known_ages(database_url: str) -> None:
    async with harness("collections", database_url) as service:
        now = datetime.now(UTC)
        ages = [  # (identified days ago, hours to first action or None)
            (10, 1), (10, 2), (10, 100), (90, 24 * 70), (90, None), (1, None)]
        debts = [uuid.uuid4() for _ in ages]
        for debt_id in debts:
            await service.publish(classified(debt_id, borrower_id=f"BR-{debt_id.hex[:8]}"))
        await service.settled()
        async with service.runtime.uow() as unit:
            for debt_id, (days_ago, hours) in zip(debts, ages, strict=True):
                entered = now - timedelta(days=days_ago)
                await unit.session.execute(update(CollectionCase).where(CollectionCase.debt_id == debt_id).values(
                    status="active", entered_at=entered,
                    first_action_at=None if hours is None else entered + timedelta(hours=hours)))
        report = await service.get_json("/v1/sla?limit=1", STAFF)
        assert (report["identified"], report["started"], report["median_hours"]) == (6, 4, 100.0)
        first_action, running = report["targets"]
        assert (first_action["within"], first_action["late"], first_action["waiting_past_target"]) == (2, 2, 1)
        assert (running["within"], running["late"], running["waiting_past_target"]) == (3, 1, 1)
        assert running["share_within"] == 0.6
        assert len(report["breaches"]) == 1 and report["next_cursor"]
        rest = await service.get_json(f"/v1/sla?limit=5&after={report['next_cursor']}", STAFF)
        assert {breach["debt_id"] for breach in report["breaches"] + rest["breaches"]} == {str(debts[3]),
                                                                                          str(debts[4])}
        metrics = (await service.client.get("/metrics")).text
        assert "debtflow_collections_sla_breaches 2.0" in metrics
