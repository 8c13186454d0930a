"""Faults under load on the real stack: a killed service, a paused or restarted broker, a restarted database, a dead
replica.

Each scenario posts a few hundred defaults, injects its fault mid-flow and waits until the stack is at rest; then
every debt must have every effect exactly once in every service's database, and nothing may be dead-lettered.
The figures of each scenario are printed as one `FAULT ...` line (run with `-s`) and kept as a user property.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from debtflow.common.embedded import EmbeddedBroker
from support import POSTGRES_URL
from support.faults import (
    Feed,
    assert_every_effect_once,
    broker_killed_and_restarted,
    broker_paused,
    busy,
    duplicates_skipped,
    kill,
    local_cluster_unavailable,
    postgres_down,
    replica,
    some_defaults,
    start_again,
    wait_at_rest,
    work_done,
)
from support.stack import Stack, running_stack

if not POSTGRES_URL:
    pytest.skip("the fault-injection tests need PostgreSQL: set DEBTFLOW_TEST_POSTGRES_URL", allow_module_level=True)

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.postgres]

#: Tags loan and borrower ids, so that the scenarios sharing the module's stack never count each other's debts.
RUN = uuid.uuid4().hex[:6].upper()
DEFAULTS = 240
SETTLE_SECONDS = 60.0


@pytest.fixture(scope="module")
async def stack(broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    """One stack for the scenarios that leave it whole (a killed service is started again)."""
    directory: Path = tmp_path_factory.mktemp("faults-stack")
    async with running_stack(broker, directory, topic_prefix=f"faults{uuid.uuid4().hex[:8]}.") as running:
        yield running


@pytest.fixture(autouse=True)
def _service_logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print the tail of every service's log of the module's stack after a failed test that used it."""
    failed_before = request.session.testsfailed
    yield
    for name in ("stack", "stack_of_its_own"):
        if request.session.testsfailed > failed_before and name in request.fixturenames:
            stack: Stack = request.getfixturevalue(name)
            print(f"\nservice logs (topic prefix {stack.topic_prefix}):\n{stack.log_tails()}")


async def _settle_and_count(stack: Stack, record_property: pytest.RecordProperty, scenario: str, feed: Feed,
                            fault_over: float, skipped_before: dict[str, float], *,
                            settle_timeout: float = SETTLE_SECONDS) -> None:
    """Wait for rest, check every effect, report the figures; `skipped_before` holds each consumer's repeats
    counted before the scenario (0 for one started again since: its counters began anew)."""
    debt_ids = await feed.finished()
    try:
        await wait_at_rest(stack, settle_timeout)
        not_at_rest = None
    except AssertionError as error:
        not_at_rest = error  # count what did arrive anyway: the figures say how much was lost
    settle_seconds = time.monotonic() - fault_over
    skipped = await duplicates_skipped(stack)
    figures = await assert_every_effect_once(
        stack, scenario, feed.defaults, debt_ids, settle_seconds=settle_seconds,
        inbox_skipped=sum(skipped.values()) - sum(skipped_before.values()), at_rest=not_at_rest is None,
        extra=f"{feed.retries} batch posts retried")
    if not_at_rest is not None:
        raise not_at_rest
    record_property("fault_figures", figures.line())


# -- 1. kill -9 of one service while defaults flow -------------------------------------------------------


@pytest.mark.parametrize("victim", ["classification", "crm", "intake"])
async def test_a_service_killed_mid_load_and_started_again_loses_and_repeats_nothing(
        stack: Stack, victim: str, record_property: pytest.RecordProperty) -> None:
    skipped_before = await duplicates_skipped(stack) | {victim: 0.0}
    done_before = await work_done(stack, stack.services[victim])
    feed = Feed(stack, some_defaults(f"{RUN}-KILL-{victim.upper()}", DEFAULTS)).start()
    await feed.reached(DEFAULTS // 3)
    await busy(stack, stack.services[victim], beyond=done_before + 20)
    kill(stack.services[victim])  # mid-load: handling a poll's worth, offsets uncommitted (or relaying, for intake)
    await asyncio.sleep(1.0)  # a supervisor notices and restarts
    await start_again(stack, stack.services[victim])
    await _settle_and_count(stack, record_property, f"kill -9 {victim}", feed, time.monotonic(),
                            skipped_before)


# -- 2. the broker stops answering for a while ------------------------------------------------------------


async def test_broker_paused_under_load_loses_nothing(stack: Stack, record_property: pytest.RecordProperty) -> None:
    skipped_before = await duplicates_skipped(stack)
    feed = Feed(stack, some_defaults(f"{RUN}-PAUSE", DEFAULTS)).start()
    await feed.reached(DEFAULTS // 4)
    async with broker_paused(stack.broker):
        await asyncio.sleep(12)
    await _settle_and_count(stack, record_property, "broker paused 12s", feed, time.monotonic(), skipped_before)


@pytest.fixture
async def stack_of_its_own(tmp_path: Path) -> AsyncIterator[Stack]:
    """A stack on a broker of its own: the test restarts it empty, which would wipe every other test's topics."""
    broker = EmbeddedBroker().start()
    try:
        async with running_stack(broker, tmp_path, topic_prefix=f"restart{uuid.uuid4().hex[:8]}.") as running:
            yield running
    finally:
        broker.stop()


async def test_broker_killed_and_restarted_empty_under_load_loses_nothing(
        stack_of_its_own: Stack, record_property: pytest.RecordProperty) -> None:
    """The new broker has a new cluster id: relays publish their retained events to it again, consumers rejoin
    from its earliest record, and events posted after it settled still reach every service."""
    stack = stack_of_its_own
    feed = Feed(stack, some_defaults(f"{RUN}-RESTART", DEFAULTS)).start()
    await feed.reached(DEFAULTS // 3)
    await busy(stack, stack.services["classification"], beyond=20)  # downstream events are on the bus too
    await broker_killed_and_restarted(stack.broker)
    await _settle_and_count(stack, record_property, "broker killed -9 and restarted empty", feed, time.monotonic(),
                            {}, settle_timeout=90)
    later = Feed(stack, some_defaults(f"{RUN}-AFTER", 40)).start()
    await _settle_and_count(stack, record_property, "defaults posted after the broker restart", later,
                            time.monotonic(), await duplicates_skipped(stack))


# -- 3. PostgreSQL restarted ----------------------------------------------------------------------------


async def test_postgres_restarted_under_load_is_waited_out(stack: Stack,
                                                           record_property: pytest.RecordProperty) -> None:
    assert POSTGRES_URL
    if (reason := local_cluster_unavailable(POSTGRES_URL)) is not None:
        pytest.skip(reason)
    skipped_before = await duplicates_skipped(stack)
    feed = Feed(stack, some_defaults(f"{RUN}-PG", DEFAULTS)).start()
    await feed.reached(DEFAULTS // 4)
    async with postgres_down():
        await asyncio.sleep(1)
        for name in stack.services:
            reply = await stack.client.get(stack.url(name, "/readyz"))
            assert reply.status_code == 503, f"{name} says it is ready without its database: {reply.text}"
        await asyncio.sleep(2)
    for name, service in stack.services.items():
        assert service.exit_code is None, f"{name} died while PostgreSQL was down:\n{service.log_tail()}"
    await _settle_and_count(stack, record_property, "PostgreSQL stopped 3s", feed, time.monotonic(),
                            skipped_before)


# -- 4. two replicas in one consumer group, one killed -------------------------------------------------


@pytest.mark.parametrize("service", ["crm"])
async def test_a_killed_replica_hands_its_partitions_over(stack: Stack, service: str,
                                                          record_property: pytest.RecordProperty) -> None:
    async with replica(stack, service) as second:
        skipped_before = await duplicates_skipped(stack)
        feed = Feed(stack, some_defaults(f"{RUN}-REPLICA", DEFAULTS)).start()
        await feed.reached(DEFAULTS // 3)
        await busy(stack, second, beyond=0)  # the replica has partitions and works them
        kill(second)
        fault_over = time.monotonic()
        await _settle_and_count(stack, record_property, f"kill -9 one of two {service} replicas", feed, fault_over,
                                skipped_before)

