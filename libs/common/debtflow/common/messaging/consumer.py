"""Event consumer: inbox de-duplication in the handler's transaction, commit after the DB, bounded retries, DLQ.

A handler takes one event, or (`set_based`) the whole run of a poll's events it handles, to read and write
them set-based; the guarantees are the same for both kinds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from debtflow.common.clock import utcnow
from debtflow.common.db.bulk import insert_returning_new
from debtflow.common.db.uow import UnitOfWork, UnitOfWorkFactory
from debtflow.common.events import CloudEvent, EventPayload, UndecodableEvent, decode_event
from debtflow.common.events.topics import dead_letter_topic, events_topic
from debtflow.common.logging import get_logger
from debtflow.common.messaging.bus import (
    Bus,
    BusConsumer,
    BusUnavailable,
    CommitRejected,
    OutgoingRecord,
    ReceivedRecord,
)
from debtflow.common.metrics import ServiceMetrics

log = get_logger(__name__)

Handler = Callable[[UnitOfWork, CloudEvent[Any]], Awaitable[None]]
SetApply = Callable[[UnitOfWork, list[CloudEvent[Any]]], Awaitable[None]]


@dataclass(frozen=True)
class SetHandler:
    """A handler of many events at once: `apply(uow, events)` gets every new event of a poll's run that maps to
    this handler, in offset order per key (so a debt's events in the order they happened), repeats already
    removed by the inbox. It reads what it needs for all of them in one query and writes in bulk. If it
    raises, the consumer rolls the run back and gives it the events one at a time (a list of one), so only the
    culprit is retried and dead-lettered. It emits with `uow.on_behalf_of(event)` per event, so what it emits
    carries the right correlation, causation and tenant. Map several event types to the same SetHandler to
    get them in one call, in order."""

    apply: SetApply


def set_based(apply: SetApply) -> SetHandler:
    return SetHandler(apply)


AnyHandler: TypeAlias = Handler | SetHandler
Handlers = Mapping[type[EventPayload], AnyHandler]

# Failures of the infrastructure, not of the event: waited out without limit, never dead-lettered.
_TRANSIENT = (BusUnavailable, OSError, ConnectionError)


class BrokerReplaced(BusUnavailable):
    """Another broker answers than the one this member joined: its read positions mean nothing there."""


@dataclass(frozen=True)
class _RunAttempt:
    committed: bool
    failed_at: int = 0
    failure: BaseException | None = None
    alone: int = 1  # records from `failed_at` on to handle one at a time (a failed set-based segment: all of it)


class _SetFailed(Exception):
    """A set-based handler failed somewhere in records [start, end) of a run: which one is not known."""

    def __init__(self, start: int, end: int) -> None:
        super().__init__(f"set-based handler failed in records {start}..{end - 1}")
        self.start, self.end = start, end


class EventConsumer:
    """Runs one consumer-group member for a service and dispatches records to its handlers."""

    def __init__(
        self,
        *,
        bus: Bus,
        uow_factory: UnitOfWorkFactory,
        handlers: Handlers,
        group_id: str,
        topic_prefix: str = "",
        max_attempts: int = 5,
        retry_backoff: float = 0.2,
        max_backoff: float = 30.0,
        poll_max_records: int = 200,
        broker_check_interval: float = 5.0,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self.bus = bus
        self.uow_factory = uow_factory
        self.handlers = {model.event_type: handler for model, handler in handlers.items()}
        self.group_id = group_id
        self.topics = sorted({events_topic(model.producer, topic_prefix) for model in handlers})
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.max_backoff = max_backoff
        self.poll_max_records = poll_max_records
        self.broker_check_interval = broker_check_interval
        self.metrics = metrics
        self.state = "starting"
        self._trouble_since: float | None = None  # when the consumer last went from consuming to reconnecting
        self._trouble = ""
        self._polled_at = time.monotonic()

    def failing(self, stall_seconds: float) -> str | None:
        """Why consumption has been failing for longer than `stall_seconds`, or None if it is not (readiness)."""
        now = time.monotonic()
        if self._trouble_since is not None and now - self._trouble_since > stall_seconds:
            return f"reconnecting for {now - self._trouble_since:.0f}s: {self._trouble}"
        if self.state == "consuming" and now - self._polled_at > stall_seconds:
            return f"no poll for {now - self._polled_at:.0f}s"
        return None

    # -- the loop ---------------------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        backoff = self.retry_backoff or 0.1
        while not stopping.is_set():
            member = self.bus.consumer(group_id=self.group_id, topics=self.topics)
            try:
                await self.bus.ensure_topics([*self.topics, *map(dead_letter_topic, self.topics)])
                cluster = await self.bus.cluster_id()
                await member.start()
                self.state = "consuming"
                backoff = self.retry_backoff or 0.1
                await self._consume(member, stopping, cluster)
            except _TRANSIENT as error:
                self._reconnecting(error)
                log.warning("consumer lost the bus; reconnecting", error=repr(error)[:500], retry_in=backoff)
                await _sleep_unless(stopping, backoff)
                backoff = min(backoff * 2, self.max_backoff)
            finally:
                await member.stop()
        self.state = "stopped"

    def _reconnecting(self, error: BaseException) -> None:
        self.state = "reconnecting"
        self._trouble = type(error).__name__
        if self._trouble_since is None:
            self._trouble_since = time.monotonic()
        self._count_bus_error()

    async def _consume(self, member: BusConsumer, stopping: asyncio.Event, cluster: str) -> None:
        checked_at = time.monotonic()
        while not stopping.is_set():
            if time.monotonic() - checked_at >= self.broker_check_interval:
                await self._same_broker(cluster)
                checked_at = time.monotonic()
            records = await member.poll(timeout=0.5, max_records=self.poll_max_records)
            if records:
                handled: dict[tuple[str, int], int] = {}
                for record in await self.process_batch(records, stopping):
                    handled[(record.topic, record.partition)] = record.offset
                try:
                    await member.commit(handled)
                except CommitRejected as error:
                    # The partitions moved on; the new owner re-reads them and the inbox skips what we did.
                    log.info("offset commit rejected after a rebalance", error=str(error)[:300])
            self._polled_at = time.monotonic()
            self._trouble_since = None

    async def _same_broker(self, joined: str) -> None:
        """Raise BrokerReplaced if the cluster answering is not the one this member joined.

        A new, empty broker (an in-memory one restarted) has none of the group's committed offsets, and
        this member's positions point past the end of its new, empty partitions: it would skip everything
        published there until the positions were reached. Rejoining starts from the earliest record (the
        relay publishes what the old broker lost again; the inbox skips what was already handled). A broker
        that does not answer the check is no proof of a new one: polling goes on and reports the outage.
        """
        try:
            now = await self.bus.cluster_id()
        except BusUnavailable:
            return
        if now != joined:
            log.warning("a new broker answers; rejoining the group from its earliest records",
                        previous_cluster=joined, cluster=now)
            raise BrokerReplaced(f"the broker's cluster id changed from {joined!r} to {now!r}")

    # -- a poll's worth of records ----------------------------------------------------------------

    async def process_batch(self, records: list[ReceivedRecord], stopping: asyncio.Event | None = None
                            ) -> list[ReceivedRecord]:
        """Handle records in order; returns those handled (a prefix, if stopping cut it short).

        Runs of ordinary records share one transaction, a savepoint each, so a poll costs one commit
        instead of one per event. From the first record that needs more care (it fails, or does not
        decode) on, records go one at a time with retries and the dead-letter topic, in order, so a
        debt's events are never applied out of order.
        """
        done: list[ReceivedRecord] = []
        position = 0
        while position < len(records) and not (stopping is not None and stopping.is_set()):
            run = self._decodable_run(records, position)
            applied, failure, alone = await self._in_one_transaction(run) if run else (0, None, 1)
            done += records[position:position + applied]
            position += applied
            if applied < len(run) and failure is not None:
                # The handler failed in the batch: that was its first attempt.
                record, event = run[applied]
                await self._handle_with_retries(record, event, stopping, first_failure=failure)
                done.append(records[position])
                position += 1
            elif applied < len(run) or not run:
                # Undecodable, the batch itself failed, or a set-based handler failed somewhere in its part.
                for record in records[position:position + alone]:
                    if stopping is not None and stopping.is_set():
                        break
                    await self.process(record, stopping)
                    done.append(record)
                    position += 1
        return done

    def _decodable_run(self, records: list[ReceivedRecord], start: int) -> list[tuple[ReceivedRecord, Any]]:
        """Records from `start` up to the first undecodable one; ignored types carry no event (None)."""
        run: list[tuple[ReceivedRecord, Any]] = []
        for record in records[start:]:
            event_type = record.header("ce_type")
            if event_type is not None and event_type not in self.handlers:
                run.append((record, None))
                continue
            try:
                event = decode_event(record.value, type_hint=event_type)
            except UndecodableEvent:
                break
            run.append((record, event if event.type in self.handlers else None))
        return run

    async def _in_one_transaction(self, run: list[tuple[ReceivedRecord, Any]]
                                  ) -> tuple[int, BaseException | None, int]:
        """Apply a run in one transaction: how many leading records it committed, the error of the record
        after them if that one failed (None if the batch as such failed), and how many records from there on
        to handle one at a time (all of a set-based handler's part of the run, when it failed).

        No savepoint per record (they would double the statements): if one record fails, the whole
        transaction is rolled back and the records before it are applied again, together, without it.
        """
        attempt = await self._attempt_run(run)
        if attempt.committed:
            return len(run), None, 0
        if attempt.failed_at == 0:
            return 0, attempt.failure, attempt.alone
        if (await self._attempt_run(run[:attempt.failed_at])).committed:
            return attempt.failed_at, attempt.failure, attempt.alone
        return 0, None, 1

    async def _attempt_run(self, run: list[tuple[ReceivedRecord, Any]]) -> _RunAttempt:
        outcomes: list[tuple[str, str]] = []
        try:
            async with self.uow_factory() as uow:
                for start, end, handler in self._segments(run):
                    if isinstance(handler, SetHandler):
                        outcomes += await self._deliver_set(uow, handler, [event for _, event in run[start:end]],
                                                            start, end)
                        continue
                    for record, event in run[start:end]:
                        if event is None:
                            outcomes.append((record.header("ce_type") or "unknown", "ignored"))
                            continue
                        outcomes.append((event.type, await self._deliver(uow, event)))
        except _SetFailed as failed:
            log.info("a set-based handler failed; handling its records one at a time",
                     error=repr(failed.__cause__)[:300], records=failed.end - failed.start)
            return _RunAttempt(committed=False, failed_at=failed.start, alone=failed.end - failed.start)
        except Exception as error:
            if len(outcomes) == len(run):  # every handler ran but the commit failed: nothing stands
                log.info("batch commit failed; handling the records one at a time", error=repr(error)[:300])
                return _RunAttempt(committed=False)
            return _RunAttempt(committed=False, failed_at=len(outcomes), failure=error)
        for event_type, outcome in outcomes:
            self._count(event_type, outcome)
        return _RunAttempt(committed=True)

    def _segments(self, run: list[tuple[ReceivedRecord, Any]]) -> list[tuple[int, int, AnyHandler | None]]:
        """Consecutive records of a run that go to the same handler (None: ignored), as [start, end) ranges."""
        segments: list[tuple[int, int, AnyHandler | None]] = []
        for index, (_, event) in enumerate(run):
            handler = self.handlers[event.type] if event is not None else None
            if segments and segments[-1][2] is handler:
                segments[-1] = (segments[-1][0], index + 1, handler)
            else:
                segments.append((index, index + 1, handler))
        return segments

    async def _deliver(self, uow: UnitOfWork, event: CloudEvent[Any]) -> str:
        """The one way an event is applied alone, or in a run to a one-event handler: its inbox row, then its
        handler, in `uow`'s transaction, on behalf of the event (its correlation id on what the handler logs
        and emits). A repeat is `duplicate` and runs nothing."""
        handler = self.handlers[event.type]
        with uow.on_behalf_of(event):
            if not await _record_first_delivery(uow, self.group_id, event):
                return "duplicate"
            if isinstance(handler, SetHandler):
                await handler.apply(uow, [event])
            else:
                await handler(uow, event)
            return "handled"

    async def _deliver_set(self, uow: UnitOfWork, handler: SetHandler, events: list[CloudEvent[Any]],
                           start: int, end: int) -> list[tuple[str, str]]:
        """A set-based handler's part of a run: one inbox insert for all (it answers which are new), then one
        call with the new events. Any failure is a _SetFailed for the whole part (then one at a time)."""
        try:
            fresh = await _record_first_deliveries(uow, self.group_id, events)
            if fresh:
                await handler.apply(uow, fresh)
        except Exception as error:
            raise _SetFailed(start, end) from error
        handled = {id(event) for event in fresh}
        return [(event.type, "handled" if id(event) in handled else "duplicate") for event in events]

    # -- one record -------------------------------------------------------------------------------

    async def process(self, record: ReceivedRecord, stopping: asyncio.Event | None = None) -> str:
        """Handle one record to a final outcome: handled, duplicate, ignored or dead_lettered."""
        event_type = record.header("ce_type")
        if event_type is not None and event_type not in self.handlers:
            return self._count(event_type, "ignored")
        try:
            event = decode_event(record.value, type_hint=event_type)
        except UndecodableEvent as error:
            await self._dead_letter(record, error, attempts=1, stopping=stopping)
            return self._count(event_type or "unknown", "dead_lettered")
        if event.type not in self.handlers:
            return self._count(event.type, "ignored")
        return await self._handle_with_retries(record, event, stopping)

    async def _handle_with_retries(
        self, record: ReceivedRecord, event: CloudEvent[Any], stopping: asyncio.Event | None,
        first_failure: BaseException | None = None,
    ) -> str:
        attempt = 0
        transient_wait = self.retry_backoff or 0.1
        if first_failure is not None and not _is_infrastructure_failure(first_failure):
            attempt = 1  # the batch already tried once
            if attempt >= self.max_attempts:
                await self._dead_letter(record, first_failure, attempts=attempt, stopping=stopping)
                return self._count(event.type, "dead_lettered")
            self._count(event.type, "retried")
            await asyncio.sleep(self.retry_backoff)
        while True:
            attempt += 1
            try:
                outcome = await self._handle_once(event)
                return self._count(event.type, outcome)
            except (*_TRANSIENT, DBAPIError) as error:
                if isinstance(error, DBAPIError) and not _is_connection_problem(error):
                    failure: BaseException = error
                else:
                    # Database or network down: keep the record, wait, try again; no attempt is used up.
                    attempt -= 1
                    log.warning("handler hit an infrastructure error; waiting", event_id=event.id,
                                error=repr(error)[:300], retry_in=transient_wait)
                    if stopping is not None and stopping.is_set():
                        raise
                    await asyncio.sleep(transient_wait)
                    transient_wait = min(transient_wait * 2, self.max_backoff)
                    continue
            except Exception as error:
                failure = error
            if attempt >= self.max_attempts:
                log.error("event failed every attempt; dead-lettering", event_id=event.id, event_type=event.type,
                          attempts=attempt, error=repr(failure)[:500])
                await self._dead_letter(record, failure, attempts=attempt, stopping=stopping)
                return self._count(event.type, "dead_lettered")
            self._count(event.type, "retried")
            await asyncio.sleep(min(self.retry_backoff * 2 ** (attempt - 1), self.max_backoff))

    async def _handle_once(self, event: CloudEvent[Any]) -> str:
        try:
            async with self.uow_factory() as uow:
                outcome = await self._deliver(uow, event)
            return outcome
        except IntegrityError:
            # A concurrent delivery of the same event won the inbox insert: that is a duplicate, not a failure.
            async with self.uow_factory() as uow:
                if await _already_received(uow, self.group_id, event.id):
                    return "duplicate"
            raise

    async def _dead_letter(
        self, record: ReceivedRecord, error: BaseException, *, attempts: int, stopping: asyncio.Event | None
    ) -> None:
        """Publish the original record, with the failure in headers, to `<topic>.dlq`; retry until acknowledged."""
        failure_headers = {
            "dlq_error_type": type(error).__name__,
            "dlq_error_message": str(error)[:1000],
            "dlq_consumer_group": self.group_id,
            "dlq_original_topic": record.topic,
            "dlq_original_partition": str(record.partition),
            "dlq_original_offset": str(record.offset),
            "dlq_attempts": str(attempts),
            "dlq_failed_at": utcnow().isoformat(),
        }
        dead_letter = OutgoingRecord(
            topic=dead_letter_topic(record.topic),
            key=record.key or b"",
            value=record.value,
            headers=(*record.headers, *((name, value.encode()) for name, value in failure_headers.items())),
        )
        wait = self.retry_backoff or 0.1
        while True:
            [result] = await self.bus.publish([dead_letter])
            if result is None:
                return
            log.warning("dead-letter publish failed; retrying", error=repr(result)[:300])
            if stopping is not None and stopping.is_set():
                raise BusUnavailable("stopping before the dead letter was acknowledged")
            await asyncio.sleep(wait)
            wait = min(wait * 2, self.max_backoff)

    def _count(self, event_type: str, outcome: str) -> str:
        if self.metrics is not None:
            self.metrics.events_consumed.labels(type=event_type, outcome=outcome).inc()
        return outcome

    def _count_bus_error(self) -> None:
        if self.metrics is not None:
            self.metrics.consumer_errors.inc()


async def _record_first_delivery(uow: UnitOfWork, consumer: str, event: CloudEvent[Any]) -> bool:
    """Write the inbox row; False if this consumer already handled the event (nothing else is done)."""
    return bool(await _record_first_deliveries(uow, consumer, [event]))


async def _record_first_deliveries(uow: UnitOfWork, consumer: str, events: list[CloudEvent[Any]]
                                   ) -> list[CloudEvent[Any]]:
    """Write the inbox rows of the events this consumer has not handled yet, in one statement; returns those
    events, in order (an event twice in the list counts once). `INSERT ... ON CONFLICT DO NOTHING RETURNING`
    answers which rows were new: a repeat, even one another group member is writing at this moment (the
    insert waits for its commit), is simply not among them."""
    now = utcnow()
    rows = [{"consumer": consumer, "event_id": event_id, "event_type": event_type, "received_at": now}
            for event_id, event_type in dict.fromkeys((event.id, event.type) for event in events)]
    inserted = await insert_returning_new(uow.session, uow.tables.inbox, rows, "event_id")
    fresh: list[CloudEvent[Any]] = []
    for event in events:
        if event.id in inserted:
            inserted.discard(event.id)
            fresh.append(event)
    return fresh


async def _already_received(uow: UnitOfWork, consumer: str, event_id: str) -> bool:
    inbox = uow.tables.inbox
    found = await uow.session.scalar(
        select(inbox.c.event_id).where(inbox.c.consumer == consumer, inbox.c.event_id == event_id)
    )
    return found is not None


def _is_infrastructure_failure(error: BaseException) -> bool:
    if isinstance(error, _TRANSIENT):
        return True
    return isinstance(error, DBAPIError) and _is_connection_problem(error)


def _is_connection_problem(error: DBAPIError) -> bool:
    if error.connection_invalidated:
        return True
    message = str(error.orig).lower() if error.orig is not None else ""
    return any(hint in message for hint in ("database is locked", "connection", "could not connect", "timeout"))


async def _sleep_unless(stopping: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        pass
