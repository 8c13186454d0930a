"""The set-based event path: a poll's run of events, applied at once, leaves exactly what one event at a time does.

The same events (registrations, payments, a reversal, a borrower-wide dispute, hardship, flags, scores, a
limitation date, events that overtake a registration, a later snapshot) go into two fresh databases: as one
run into the first, one event per transaction into the second (what the consumer falls back to when a run
fails). Facts, pauses, classifications, history, bucket spells and the announced events must match row for row,
with contagion off and on (a death pulling the borrower's other debts down within the run).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from debtflow.classification.classifications.models import (
    BucketSpell,
    ClassificationHistoryRow,
    DebtClassificationRow,
)
from debtflow.classification.consumers import build_handlers
from debtflow.classification.facts.models import DebtFactsRow, PauseRow
from debtflow.common.events import CloudEvent, DebtRegistered, decode_event
from support import fresh_database
from support.classification import (
    CHECKER,
    RISK,
    TODAY,
    at,
    circumstance,
    contact_restricted,
    days,
    debt,
    dispute_opened,
    dispute_resolved,
    hardship_granted,
    limitation,
    payment,
    restructured,
    reversal,
    score,
    snapshot,
)
from support.harness import Harness, harness

CONTAGION = {"contagion": {"enabled": True, "nonperforming_share": "0.20", "pulled_to": "substandard"}}
D0 = TODAY - days(40)

#: Columns that hold when a row was written, not what it says.
WRITTEN_AT = {"updated_at", "classified_at", "first_classified_at", "seconds_to_classify", "entered_at",
              "exited_at", "id"}


def scenario() -> tuple[list[CloudEvent[Any]], dict[str, uuid.UUID]]:
    """Events about nine debts of five borrowers, several of them about one debt, in the order they happened
    (the first six are registrations); and the debts contagion pulls within the run."""
    first = debt(75, D0, principal="5000.00")
    second = debt(20, D0, borrower_id=first.borrower_id, principal="800.00")
    third = debt(3, D0)
    early = debt(100, D0)  # its score and payment arrive before its registration
    unknown = debt(10, D0)  # never registered here: its events wait
    healthy = debt(10, D0, principal="900.00")
    late = debt(3, D0 + days(4), borrower_id=healthy.borrower_id)
    # A large performing debt, then a small bad one (a debt's own exposure is not in its borrower's share when
    # it is first classified): contagion pulls the large one only once the bad one grows.
    bad = debt(75, D0, principal="100.00")
    large = debt(10, D0, borrower_id=bad.borrower_id, principal="10000.00")
    paid = payment(first, version=2, first_unpaid_after=D0 - days(45), day=D0 + days(2))
    dispute = dispute_opened(first, D0 + days(3)).model_copy(update={"debt_id": None})  # every debt of the borrower
    payloads: list[Any] = [
        first, second, healthy, third, large, bad, score(early, "0.4100"),
        snapshot(bad, version=2, first_unpaid=D0 - days(75), as_of=D0 + days(1), total="5000.00"),
        score(large, "0.3000"), payment(early, version=2, first_unpaid_after=D0 - days(70), day=D0 + days(1)),
        early, limitation(second, D0 + days(200)), paid, dispute, reversal(paid, version=3, first_unpaid_after=D0 - days(75), day=D0 + days(4)),
        hardship_granted(third, D0 + days(2), D0 + days(9)), contact_restricted(third),
        score(first, "0.1200"), score(unknown, "0.5000"),
        circumstance(second.debt_id, second.borrower_id, "deceased"),
        circumstance(healthy.debt_id, healthy.borrower_id, "deceased"), late,
        snapshot(third, version=2, first_unpaid=D0 + days(10), as_of=D0 + days(5)),
        dispute_resolved(dispute, D0 + days(6)), restructured(first, D0 + days(7)),
        circumstance(second.debt_id, second.borrower_id, "deceased", active=False),
    ]
    events = []
    for index, payload in enumerate(payloads):
        event = CloudEvent.new(payload, source_service=payload.producer, time=at(D0 + days(index // 4)))
        events.append(event)
    return events, {"registered after a death": late.debt_id, "outweighed": large.debt_id}


async def classify(service: Harness, runs: list[list[CloudEvent[Any]]]) -> None:
    handler = build_handlers(service.runtime.settings)[DebtRegistered]
    for run in runs:
        async with service.runtime.uow() as uow:
            await handler.apply(uow, run)  # type: ignore[union-attr]


async def switch_contagion_on(service: Harness) -> None:
    created = await service.client.post("/v1/rulesets", json={"version": "contagion-runs", "rules": CONTAGION},
                                        headers=RISK)
    assert created.status_code == 201, created.text
    activated = await service.client.post(f"/v1/rulesets/{created.json()['id']}:activate", headers=CHECKER)
    assert activated.status_code == 202, activated.text
    await service.settled()  # its re-ageing run: every debt is aged to today from here on


async def contents(service: Harness) -> dict[str, list[dict[str, Any]]]:
    """Every row classification keeps about debts, without the moments they were written; and what it announced."""
    tables = {"facts": (DebtFactsRow, DebtFactsRow.debt_id), "pauses": (PauseRow, PauseRow.id),
              "classifications": (DebtClassificationRow, DebtClassificationRow.debt_id),
              "history": (ClassificationHistoryRow, ClassificationHistoryRow.id),
              # Spells are written debt by debt: their order within each debt is what counts.
              "spells": (BucketSpell, (BucketSpell.debt_id, BucketSpell.id))}
    found: dict[str, list[dict[str, Any]]] = {}
    async with service.runtime.sessions() as session:
        for name, (entity, order) in tables.items():
            table = entity.__table__
            rows = (await session.execute(select(table).order_by(*_tuple(order)))).mappings().all()
            found[name] = [{key: value for key, value in row.items() if key not in WRITTEN_AT} for row in rows]
        outbox = service.runtime.definition.messaging.outbox
        envelopes = (await session.execute(select(outbox.c.envelope).order_by(outbox.c.id))).scalars().all()
    found["announced"] = [_announced(envelope) for envelope in envelopes]
    return found


def _tuple(order: Any) -> tuple[Any, ...]:
    return order if isinstance(order, tuple) else (order,)


def _announced(envelope: str) -> dict[str, Any]:
    event = decode_event(envelope)
    data = event.data.model_dump(mode="json")
    data.pop("classified_at")
    return {"type": event.type, "causationid": event.causationid, "data": data}


@pytest.mark.parametrize("contagion", [False, True], ids=["contagion-off", "contagion-on"])
async def test_a_run_at_once_leaves_what_one_event_at_a_time_does(db_kind: str, tmp_path: Path,
                                                                  contagion: bool) -> None:
    events, pulled_in_run = scenario()
    outcomes = []
    # The registrations are in the database before the big run, which then changes them.
    for runs in ([events[:6], events[6:]], [[event] for event in events]):
        directory = tmp_path / uuid.uuid4().hex[:6]
        directory.mkdir()
        async with fresh_database(db_kind, directory) as url, harness("classification", url) as service:
            if contagion:
                await switch_contagion_on(service)
            await classify(service, runs)
            outcomes.append(await contents(service))
    at_once, one_by_one = outcomes
    for name in one_by_one:
        assert at_once[name] == one_by_one[name], name
    # The scenario reaches what it is there for: several steps of one debt's history, the dispute on every
    # debt of the borrower, the waiting debt, and (with contagion) a pull within the run.
    assert len(one_by_one["facts"]) == 9 and len(one_by_one["classifications"]) == 8
    assert len(one_by_one["pauses"]) == 3
    assert len(one_by_one["history"]) > len(one_by_one["classifications"]) + 3
    pulled = [event for event in one_by_one["announced"] if "borrower_contagion" in event["data"]["reason_codes"]]
    assert bool(pulled) == contagion
    for why, debt_id in pulled_in_run.items():
        reasons = [row["reason_codes"] for row in one_by_one["history"] if row["debt_id"] == debt_id]
        assert any("borrower_contagion" in codes for codes in reasons) == contagion, why
