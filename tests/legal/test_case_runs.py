"""Legal's set-based handler: a poll's run of classifications and escalations leaves what one event at a time does.

The same CloudEvents go to two fresh services: one debt has a case before; then the run is delivered at once to
the first (one poll, one call of the handler for both event types) and one event per poll to the second (what
the consumer falls back to when a run fails). Cases and announced openings must match, and say what the
per-event rule says: a debt's first trigger opens its one case, later ones (in the run or after it) change
nothing, whatever their classification dates.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from debtflow.common.events import CloudEvent, LegalCaseOpened
from debtflow.legal import consumers
from debtflow.legal.cases.models import LegalCase
from support.harness import Harness, at_once_and_one_by_one, classified, escalated

AS_OF = date(2026, 11, 27)


def scenario() -> tuple[list[CloudEvent[Any]], list[CloudEvent[Any]], dict[str, uuid.UUID]]:
    """The event that opens a case before the run, the run itself (several about one debt), and its debts."""
    names = ("classified-then-escalated", "newer-then-older", "substandard-then-escalated", "escalated", "known",
             "not-yet")
    debts = {name: uuid.uuid4() for name in names}

    def classification(name: str, five_tier_class: str, days_before: int = 0, *,
                       tenant: str | None = "lender-a") -> CloudEvent[Any]:
        payload = classified(debts[name], borrower_id=f"BR-{name}", dpd_bucket="M6+", five_tier_class=five_tier_class,
                             as_of=AS_OF - timedelta(days=days_before))
        return CloudEvent.new(payload, source_service="classification", tenant=tenant)

    def escalation(name: str, *, tenant: str | None = "lender-a") -> CloudEvent[Any]:
        return CloudEvent.new(escalated(debts[name], borrower_id=f"BR-{name}"), source_service="collections",
                              tenant=tenant)

    before = [escalation("known", tenant="lender-b")]
    # On the in-memory broker a poll takes classification's topic before collections': a debt's classification
    # comes before its escalation in the run, as it does when they are delivered one at a time in this order.
    run = [
        classification("classified-then-escalated", "doubtful", tenant=None),  # from before tenants
        classification("newer-then-older", "loss"), classification("substandard-then-escalated", "substandard"),
        classification("known", "loss", tenant="lender-b"),  # it has its case already: nothing
        classification("not-yet", "special_mention"),
        classification("newer-then-older", "doubtful", 90),  # its debt's case was opened just before: nothing
        escalation("classified-then-escalated"), escalation("substandard-then-escalated"),
        escalation("escalated", tenant="lender-c"), escalation("escalated", tenant="lender-c"),
    ]
    return before, run, debts


def counting_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every call of the set-based handler, from the mapping consumers.build_handlers makes."""
    sizes: list[int] = []
    original = consumers.open_legal_cases

    async def open_legal_cases(uow: Any, events: list[CloudEvent[Any]]) -> None:
        sizes.append(len(events))
        await original(uow, events)

    monkeypatch.setattr(consumers, "open_legal_cases", open_legal_cases)
    return sizes


async def contents(service: Harness) -> dict[str, Any]:
    """The cases by debt, without their own ids and opening moments, and the openings announced, by debt."""
    async with service.runtime.sessions() as session:
        rows = (await session.execute(select(LegalCase.__table__).order_by(LegalCase.debt_id))).mappings()
        cases = [{key: value for key, value in row.items() if key not in {"id", "opened_at"}} for row in rows]
    announced: dict[str, list[dict[str, Any]]] = {}
    for event in service.emitted(LegalCaseOpened):
        data = event.data.model_dump(mode="json", exclude={"case_id", "opened_at"})
        announced.setdefault(event.subject, []).append(
            {"causationid": event.causationid, "correlationid": event.correlationid, "tenant": event.tenant,
             "data": data})
    return {"cases": cases, "announced": announced}


async def test_a_run_of_classifications_and_escalations_at_once_leaves_what_one_at_a_time_does(
    db_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, run, debts = scenario()
    calls = counting_calls(monkeypatch)
    at_once, one_by_one = await at_once_and_one_by_one("legal", db_kind, tmp_path, before=before, run=run,
                                                       calls=calls, contents=contents)
    assert at_once == one_by_one

    cases = {row["debt_id"]: row for row in one_by_one["cases"]}
    assert {name: (cases[debt_id]["trigger"], cases[debt_id]["five_tier_class"])
            for name, debt_id in debts.items() if debt_id in cases} == {
        "classified-then-escalated": ("classified_doubtful", "doubtful"),
        "newer-then-older": ("classified_loss", "loss"),
        "substandard-then-escalated": ("escalated_by_collections", None),
        "escalated": ("escalated_by_collections", None),
        "known": ("escalated_by_collections", None),
    }
    # Each debt's case was opened by its first trigger, and announced once, on behalf of that event.
    causes = {event.id: event for event in [*before, *run]}
    assert sorted(one_by_one["announced"]) == sorted(str(debt_id) for debt_id in cases)
    for debt_id, case in cases.items():
        [opening] = one_by_one["announced"][str(debt_id)]
        cause = causes[case["cause_event_id"]]
        assert cause.data.debt_id == debt_id
        assert (opening["causationid"], opening["correlationid"], opening["tenant"]) == (
            cause.id, cause.correlationid, cause.tenant)
        assert (opening["data"]["trigger"], opening["data"]["five_tier_class"]) == (
            case["trigger"], case["five_tier_class"])
