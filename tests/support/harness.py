"""Helpers for service tests: one service on an in-memory broker, real CloudEvents in, its events and rows out."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from debtflow.classification.reageing.models import ReageRun
from debtflow.common.events import (
    CloudEvent,
    DebtClassified,
    DebtEscalatedToLegal,
    DebtRegistered,
    EventPayload,
    LegalCaseOpened,
    ScheduledAction,
    StrategyAssigned,
    decode_event,
    events_topic,
)
from debtflow.common.messaging import InMemoryBroker, InMemoryBus, OutgoingRecord
from debtflow.common.settings import settings_class_for
from debtflow.common.web import ServiceDefinition
from support import RunningService, eventually, fresh_database, running_service


def service_definition(service: str, database_url: str, **overrides: Any) -> ServiceDefinition:
    """A service's definition with test settings: the given database, the in-memory bus, fast loops."""
    module = importlib.import_module(f"debtflow.{service}.app")
    settings_class = settings_class_for(service)
    options: dict[str, Any] = {
        "database_url": database_url, "bus": "memory", "relay_poll_interval_seconds": 0.05,
        "consumer_retry_backoff_seconds": 0.01, "log_format": "console",
        # Tests drive re-ageing themselves; the service's own daily run would move "today" under them.
        **({"reage_automatically": False} if service == "classification" else {}), **overrides,
    }
    return module.build_definition(settings_class(**options))  # type: ignore[no-any-return]


@dataclass
class Harness:
    """A running service, the in-memory broker it shares with the test, and ways to look inside both."""

    service: str
    broker: InMemoryBroker
    running: RunningService

    @property
    def client(self) -> Any:
        return self.running.client

    @property
    def runtime(self) -> Any:
        return self.running.runtime

    # -- feeding events in ---------------------------------------------------------------------------

    async def deliver(self, envelope: CloudEvent[Any]) -> CloudEvent[Any]:
        """Put an event on its producer's topic, exactly as that producer's relay would."""
        record = OutgoingRecord(
            topic=events_topic(envelope.data.producer),
            key=envelope.subject.encode(),
            value=envelope.to_json().encode(),
            headers=envelope.kafka_headers(),
        )
        await self.broker.append(record)
        return envelope

    async def publish(self, payload: EventPayload, *, time: datetime | None = None) -> CloudEvent[Any]:
        """Wrap a payload in a new CloudEvent from its producer and deliver it."""
        return await self.deliver(CloudEvent.new(payload, source_service=payload.producer, time=time))

    async def settled(self) -> None:
        """Wait until every record on the consumed topics is handled and every outbox row is published."""
        runtime = self.runtime
        group_id = runtime.settings.consumer_group

        async def consumed() -> bool:
            if runtime.consumer is None:
                return True
            group = self.broker.groups.get(group_id)
            if group is None:
                return False
            for topic in runtime.consumer.topics:
                for partition, log in enumerate(self.broker.topics.get(topic, [])):
                    if group.committed.get((topic, partition), 0) < len(log):
                        return False
            return True

        await eventually(consumed, what=f"{self.service} to consume everything delivered")
        if self.service == "classification":
            await eventually(self._reage_runs_done, what="classification's queued re-ageing runs to finish")
        await eventually(self._outbox_drained, what=f"{self.service}'s relay to publish its outbox")

    async def _reage_runs_done(self) -> bool:
        return await self.count(ReageRun, ReageRun.status.in_(("queued", "running"))) == 0

    async def _outbox_drained(self) -> bool:
        outbox = self.runtime.definition.messaging.outbox
        async with self.runtime.sessions() as session:
            pending = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
        return pending == 0

    # -- looking at what came out --------------------------------------------------------------------

    def emitted(self, event_type: type[EventPayload] | None = None) -> list[CloudEvent[Any]]:
        """The events this service published to its topic, decoded, optionally of one type."""
        events = [decode_event(record.value) for record in self.broker.records(events_topic(self.service))]
        return [event for event in events if event_type is None or isinstance(event.data, event_type)]

    async def count(self, table: Any, *where: Any) -> int:
        """Rows of a table (ORM class or Table) in this service's database."""
        async with self.runtime.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    async def outbox_count(self) -> int:
        return await self.count(self.runtime.definition.messaging.outbox)

    async def inbox_has(self, envelope: CloudEvent[Any]) -> bool:
        inbox = self.runtime.definition.messaging.inbox
        return await self.count(inbox, inbox.c.event_id == envelope.id) > 0

    async def get_json(self, path: str, headers: dict[str, str]) -> Any:
        """The JSON body of a 200 answer, or None (for polling with `eventually`)."""
        response = await self.client.get(path, headers=headers)
        return response.json() if response.status_code == 200 else None


@asynccontextmanager
async def harness(service: str, database_url: str, **overrides: Any) -> AsyncIterator[Harness]:
    """Run one service on a fresh in-memory broker that the test can publish to and read from."""
    broker = InMemoryBroker(partitions=4)
    async with running_service(service_definition(service, database_url, **overrides),
                               bus=InMemoryBus(broker)) as running:
        yield Harness(service, broker, running)


async def at_once_and_one_by_one(service: str, db_kind: str, directory: Path, *, before: list[CloudEvent[Any]],
                                 run: list[CloudEvent[Any]], calls: list[int],
                                 contents: Callable[[Harness], Awaitable[Any]]) -> tuple[Any, Any]:
    """What a service holds after `run` delivered in one poll, and after it delivered one event at a time (each on
    a fresh database, after `before`). `calls` records the handler's call sizes: asserted one call for the run."""
    outcomes = []
    for deliveries in ([run], [[event] for event in run]):
        fresh = directory / uuid.uuid4().hex[:6]
        fresh.mkdir()
        async with fresh_database(db_kind, fresh) as url, harness(service, url) as running:
            for event in before:
                await running.deliver(event)
            await running.settled()
            calls.clear()
            for events in deliveries:
                for event in events:  # no await that yields between them: the consumer sees them in one poll
                    await running.deliver(event)
                await running.settled()
            assert calls == [len(events) for events in deliveries]  # the run went to the handler in one call
            outcomes.append(await contents(running))
    return outcomes[0], outcomes[1]


# -- event payloads with sensible defaults ----------------------------------------------------------------

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def registered(
    debt_id: uuid.UUID | None = None, *, borrower_id: str = "BR-1", currency: str = "CNY",
    principal: str = "1000.00", interest: str = "0.00", fees: str = "0.00", days_overdue: int = 100,
    as_of: date = date(2026, 11, 27), loan_id: str | None = None, source_system: str = "lending-core-a",
) -> DebtRegistered:
    debt_id = debt_id or uuid.uuid4()
    amounts = Decimal(principal), Decimal(interest), Decimal(fees)
    return DebtRegistered(
        debt_id=debt_id, borrower_id=borrower_id, source_system=source_system,
        loan_id=loan_id or f"LN-{debt_id.hex[:12]}", currency=currency,
        principal_outstanding=amounts[0], interest_outstanding=amounts[1], fees_outstanding=amounts[2],
        total_outstanding=sum(amounts, Decimal("0.00")),
        first_unpaid_due_date=as_of - timedelta(days=days_overdue), as_of_date=as_of, registered_at=NOW,
    )


def classified(
    debt_id: uuid.UUID, *, borrower_id: str = "BR-1", dpd_bucket: str = "M4", five_tier_class: str = "substandard",
    days_past_due: int = 100, as_of: date = date(2026, 11, 27), exposure: str = "1000.00", currency: str = "CNY",
    previous_dpd_bucket: str | None = None, previous_five_tier_class: str | None = None, **dimensions: Any,
) -> DebtClassified:
    """`dimensions`: the other fields of the event (ifrs9_stage, previous_ifrs9_stage, priority_tier, ...)."""
    return DebtClassified(
        debt_id=debt_id, borrower_id=borrower_id, as_of_date=as_of, days_past_due=days_past_due,
        dpd_bucket=dpd_bucket, five_tier_class=five_tier_class,  # type: ignore[arg-type]
        previous_dpd_bucket=previous_dpd_bucket, previous_five_tier_class=previous_five_tier_class,  # type: ignore[arg-type]
        exposure=Decimal(exposure), currency=currency, ruleset_version="builtin-2026.1",
        reason_codes=("dpd_over_90",), classified_at=NOW, **dimensions,
    )


def strategy_assigned(debt_id: uuid.UUID, *, borrower_id: str = "BR-1", strategy_code: str = "formal-demand",
                      channel: str = "letter") -> StrategyAssigned:
    return StrategyAssigned(
        debt_id=debt_id, borrower_id=borrower_id, strategy_code=strategy_code, dpd_bucket="M4",
        first_action=ScheduledAction(channel=channel, scheduled_for=NOW + timedelta(hours=1)),  # type: ignore[arg-type]
        assigned_at=NOW,
    )


def escalated(debt_id: uuid.UUID, *, borrower_id: str = "BR-1", reason_code: str = "broken_promises",
              escalated_by: str = "collector-7") -> DebtEscalatedToLegal:
    return DebtEscalatedToLegal(debt_id=debt_id, borrower_id=borrower_id, reason_code=reason_code,
                                escalated_by=escalated_by, escalated_at=NOW)


def case_opened(debt_id: uuid.UUID, *, borrower_id: str = "BR-1", trigger: str = "classified_doubtful",
                five_tier_class: str | None = "doubtful") -> LegalCaseOpened:
    return LegalCaseOpened(case_id=uuid.uuid4(), debt_id=debt_id, borrower_id=borrower_id,
                           trigger=trigger, five_tier_class=five_tier_class, opened_at=NOW)  # type: ignore[arg-type]
