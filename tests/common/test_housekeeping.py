"""Housekeeping on SQLite and PostgreSQL: expired outbox rows, inbox ids and idempotency keys go; nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from debtflow.common.clock import utcnow
from debtflow.common.housekeeping import Housekeeping, messaging_purges
from debtflow.common.messaging.memory import InMemoryBroker, InMemoryBus
from debtflow.common.messaging.relay import OutboxRelay, RelayOptions
from support import token
from support.harness import harness
from support.messaging import ProbeDatabase, probe_database, registered


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[ProbeDatabase]:
    async with probe_database(database_url) as probe:
        yield probe


def _housekeeping(db: ProbeDatabase) -> Housekeeping:
    purges = messaging_purges(db.tables, outbox_retention=timedelta(hours=1), inbox_retention=timedelta(days=14))
    return Housekeeping(db.sessions, purges, interval=timedelta(hours=1))


async def test_published_outbox_rows_go_after_their_retention_but_unpublished_ones_never(db: ProbeDatabase) -> None:
    broker = InMemoryBroker()
    relay = OutboxRelay(engine=db.engine, sessions=db.sessions, outbox=db.tables.outbox, bus=InMemoryBus(broker),
                        service="intake", options=RelayOptions())
    async with db.uow_factory()() as uow:
        uow.emit(registered("PUBLISHED"))
    await relay.publish_pending()
    broker.available = False
    async with db.uow_factory()() as uow:
        uow.emit(registered("STUCK"))
    housekeeping = _housekeeping(db)

    assert (await housekeeping.run_once(utcnow()))["outbox"] == 0, "inside the replay window nothing goes"
    assert (await housekeeping.run_once(utcnow() + timedelta(hours=2)))["outbox"] == 1
    assert (await housekeeping.run_once(utcnow() + timedelta(days=365)))["outbox"] == 0
    outbox = db.tables.outbox
    async with db.sessions() as session:
        assert list(await session.scalars(select(outbox.c.published_at))) == [None], "the unpublished row stays"


async def test_inbox_ids_are_kept_for_the_retention_and_then_purged(db: ProbeDatabase) -> None:
    now = utcnow()
    rows = [{"consumer": "crm", "event_id": f"ev-{age}", "event_type": "debtflow.debt.registered.v1",
             "received_at": now - timedelta(days=age)} for age in (0, 13, 15, 40)]
    async with db.sessions() as session, session.begin():
        await session.execute(insert(db.tables.inbox), rows)

    deleted = await _housekeeping(db).run_once(now)

    assert deleted["inbox"] == 2
    async with db.sessions() as session:
        kept = set(await session.scalars(select(db.tables.inbox.c.event_id)))
    assert kept == {"ev-0", "ev-13"}, "ids younger than 14 days still de-duplicate redeliveries"


async def test_a_running_intake_purges_expired_idempotency_keys_on_its_schedule(database_url: str) -> None:
    async with harness("intake", database_url, idempotency_retention_hours=1,
                       housekeeping_interval_seconds=3600) as intake:
        lender = {**token("lender"), "Idempotency-Key": "key-1"}
        body = {"loan_id": "LN-1", "borrower_id": "BR-1", "principal_outstanding": "100.00",
                "first_unpaid_due_date": "2026-06-01", "as_of_date": "2026-11-27"}
        assert (await intake.client.post("/v1/defaults", json=body, headers=lender)).status_code == 201
        purges = {purge.name for purge in intake.runtime.housekeeping.purges}
        assert purges == {"outbox", "inbox", "idempotency_keys"}
        housekeeping = intake.runtime.housekeeping

        assert (await housekeeping.run_once(utcnow()))["idempotency_keys"] == 0
        assert (await housekeeping.run_once(utcnow() + timedelta(hours=2)))["idempotency_keys"] == 1
        metrics = (await intake.client.get("/metrics")).text
        assert 'debtflow_rows_purged_total{table="idempotency_keys"} 1.0' in metrics
