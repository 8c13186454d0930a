"""The bus contract, run against the in-memory and the Kafka (Tansu) backend alike."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from debtflow.common.messaging.bus import Bus, BusConsumer, OutgoingRecord
from support.messaging import drain


async def test_records_of_one_key_arrive_in_publish_order_on_one_partition(bus: Bus, topic_prefix: str) -> None:
    topic = f"{topic_prefix}ordering"
    await bus.ensure_topics([topic])
    records = [OutgoingRecord(topic, f"debt-{i % 5}".encode(), str(i).encode()) for i in range(60)]
    assert await bus.publish(records) == [None] * len(records)

    consumer = bus.consumer(group_id=f"{topic_prefix}ordering", topics=[topic])
    await consumer.start()
    try:
        received = await drain(consumer, len(records))
    finally:
        await consumer.stop()

    values_by_key: dict[bytes, list[int]] = defaultdict(list)
    partitions_by_key: dict[bytes, set[int]] = defaultdict(set)
    for record in received:
        assert record.key is not None
        values_by_key[record.key].append(int(record.value))
        partitions_by_key[record.key].add(record.partition)
    assert sorted(v for values in values_by_key.values() for v in values) == list(range(60))
    for key, values in values_by_key.items():
        assert values == sorted(values), f"records of {key!r} arrived out of order"
        assert len(partitions_by_key[key]) == 1


async def _settle_group(members: list[BusConsumer], partitions: int, timeout: float = 30.0) -> None:
    """Poll every member until they own disjoint partitions covering the topic (the rebalance is over)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await asyncio.gather(*(member.poll(timeout=0.1, max_records=1) for member in members))
        owned = [member.assigned_partitions() for member in members]
        if all(owned) and sum(map(len, owned)) == partitions and len(set().union(*owned)) == partitions:
            return
        assert asyncio.get_running_loop().time() < deadline, f"group did not settle: {owned}"


async def test_members_of_a_group_share_the_partitions_and_each_record_goes_to_one(
    bus: Bus, topic_prefix: str
) -> None:
    topic = f"{topic_prefix}sharing"
    await bus.ensure_topics([topic])
    members = [bus.consumer(group_id=f"{topic_prefix}sharing", topics=[topic]) for _ in range(2)]
    for member in members:
        await member.start()
    try:
        await _settle_group(members, bus.partitions)
        records = [OutgoingRecord(topic, f"debt-{i}".encode(), str(i).encode()) for i in range(40)]
        assert await bus.publish(records) == [None] * len(records)

        received: list[list[int]] = [[], []]

        async def collect(index: int) -> None:
            deadline = asyncio.get_running_loop().time() + 20
            while sum(map(len, received)) < len(records) and asyncio.get_running_loop().time() < deadline:
                batch = await members[index].poll(timeout=0.2, max_records=100)
                received[index] += [int(record.value) for record in batch]

        await asyncio.gather(collect(0), collect(1))
    finally:
        for member in members:
            await member.stop()
    assert received[0] and received[1], "both members should get a share"
    assert sorted(received[0] + received[1]) == list(range(40)), "every record exactly once across the group"


async def test_records_a_dead_member_did_not_commit_are_redelivered_to_the_next(bus: Bus, topic_prefix: str) -> None:
    topic = f"{topic_prefix}redelivery"
    group = f"{topic_prefix}redelivery"
    await bus.ensure_topics([topic])
    records = [OutgoingRecord(topic, b"debt-1", str(i).encode()) for i in range(10)]
    assert await bus.publish(records) == [None] * len(records)

    first = bus.consumer(group_id=group, topics=[topic])
    await first.start()
    taken = await drain(first, 10)
    handled = taken[3]  # it handled records 0..3, then died before handling or committing the rest
    await first.commit({(handled.topic, handled.partition): handled.offset})
    await first.stop()

    second = bus.consumer(group_id=group, topics=[topic])
    await second.start()
    try:
        redelivered = await drain(second, 6)
    finally:
        await second.stop()
    assert [int(record.value) for record in redelivered] == [4, 5, 6, 7, 8, 9]
