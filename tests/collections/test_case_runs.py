"""Collections' set-based handler: a poll's run of classifications leaves what one event at a time does.

The same CloudEvents go to two fresh services: a few cases exist before; then the run is delivered at once to
the first (one poll, one call of the handler) and one event per poll to the second (what the consumer falls back
to when a run fails). Cases and announced strategies must match, and say what the per-event rules say: a debt's
classifications in order within the run, an older one arriving late changes nothing, a tenantless event keeps the
case's tenant.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from debtflow.collections import consumers
from debtflow.collections.cases.models import CollectionCase
from debtflow.common.events import CloudEvent, StrategyAssigned
from support.harness import Harness, at_once_and_one_by_one, classified

AS_OF = date(2026, 11, 27)
#: Columns that hold when a case was written (and the first contact computed from that moment), not what it says.
WRITTEN_AT = {"assigned_at", "updated_at", "next_action_at", "path_started_at", "entered_at"}


def _days_before(days: int) -> date:
    return AS_OF - timedelta(days=days)


def scenario() -> tuple[list[CloudEvent[Any]], list[CloudEvent[Any]], dict[str, uuid.UUID]]:
    """Classifications that open cases before the run, the run itself (several about one debt), and its debts."""
    debts = {name: uuid.uuid4() for name in ("climbing", "late-older", "tenantless", "known", "steady")}

    def event(name: str, bucket: str, days_before: int, *, tenant: str | None = "lender-a") -> CloudEvent[Any]:
        payload = classified(debts[name], borrower_id=f"BR-{name}", dpd_bucket=bucket, as_of=_days_before(days_before))
        return CloudEvent.new(payload, source_service="classification", tenant=tenant)

    before = [event("known", "M2", 60, tenant="lender-b"), event("steady", "M4", 40)]
    run = [
        event("climbing", "M0", 60), event("known", "M1", 90, tenant="lender-b"),  # older than its case: nothing
        event("late-older", "M6", 0), event("climbing", "M4", 30), event("tenantless", "M4", 30, tenant="lender-c"),
        event("steady", "M5", 10),  # the same strategy: the case changes, nothing is announced
        event("late-older", "M2", 100),  # older than the classification just before it in the run: nothing
        event("known", "M6", 0, tenant="lender-b"), event("climbing", "M6", 0),
        event("tenantless", "M6+", 0, tenant=None),  # from before tenants: the case keeps its lender
    ]
    return before, run, debts


def counting_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every call of the set-based handler, from the mapping consumers.build_handlers makes."""
    sizes: list[int] = []
    original = consumers.assign_strategies

    async def assign_strategies(uow: Any, events: list[CloudEvent[Any]], **options: Any) -> None:
        sizes.append(len(events))
        await original(uow, events, **options)

    monkeypatch.setattr(consumers, "assign_strategies", assign_strategies)
    return sizes


async def contents(service: Harness) -> dict[str, Any]:
    """The cases without the moments they were written, and the strategies announced, by debt in order."""
    async with service.runtime.sessions() as session:
        rows = (await session.execute(select(CollectionCase.__table__).order_by(CollectionCase.debt_id))).mappings()
        cases = [{key: value for key, value in row.items() if key not in WRITTEN_AT} for row in rows]
    announced: dict[str, list[dict[str, Any]]] = {}
    for event in service.emitted(StrategyAssigned):
        data = event.data.model_dump(mode="json", exclude={"assigned_at"})
        data["first_action"].pop("scheduled_for")
        announced.setdefault(event.subject, []).append(
            {"causationid": event.causationid, "correlationid": event.correlationid, "tenant": event.tenant,
             "data": data})
    return {"cases": cases, "announced": announced}


async def test_a_run_of_classifications_at_once_leaves_what_one_at_a_time_does(
    db_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, run, debts = scenario()
    calls = counting_calls(monkeypatch)
    at_once, one_by_one = await at_once_and_one_by_one("collections", db_kind, tmp_path, before=before, run=run,
                                                       calls=calls, contents=contents)
    assert at_once == one_by_one

    cases = {row["debt_id"]: row for row in one_by_one["cases"]}
    strategies = {name: [(item["data"]["strategy_code"], item["data"]["previous_strategy_code"])
                         for item in one_by_one["announced"].get(str(debt_id), [])]
                  for name, debt_id in debts.items()}
    assert strategies == {
        "climbing": [("early-reminder", None), ("formal-demand", "early-reminder"), ("pre-legal", "formal-demand")],
        "late-older": [("pre-legal", None)],
        "tenantless": [("formal-demand", None), ("agency-recovery", "formal-demand")],
        "known": [("early-call", None), ("pre-legal", "early-call")],
        "steady": [("formal-demand", None)],
    }
    assert (cases[debts["late-older"]]["dpd_bucket"], cases[debts["late-older"]]["classified_as_of"]) == (
        "M6", AS_OF)
    assert cases[debts["steady"]]["dpd_bucket"] == "M5"
    assert cases[debts["tenantless"]]["tenant"] == "lender-c"
    # What collections announces is on behalf of the classification that caused it, with that event's tenant.
    causes = {event.id: event for event in [*before, *run]}
    for items in one_by_one["announced"].values():
        for item in items:
            cause = causes[item["causationid"]]
            assert (item["correlationid"], item["tenant"]) == (cause.correlationid, cause.tenant)
    assert one_by_one["announced"][str(debts["tenantless"])][-1]["tenant"] is None

