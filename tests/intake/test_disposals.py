"""Disposal events from collections and legal: settled waives the rest, sold and written off keep the claim."""

from __future__ import annotations

import uuid

import pytest

from debtflow.common.events import DebtUpdated
from debtflow.common.events.topics import dead_letter_topic, events_topic
from support import eventually
from support.harness import Harness
from support.intake import (
    LENDER,
    balances,
    default,
    disposal,
    dispose,
    full_default,
    get_debt,
    get_history,
    pay,
    payment,
    register,
    snapshot,
)

ZERO_BALANCES = {"principal_outstanding": "0.00", "interest_outstanding": "0.00",
                 "penalty_interest_outstanding": "0.00", "fees_outstanding": "0.00", "total_outstanding": "0.00",
                 "credit_balance": "0.00"}



async def test_a_settlement_waives_what_is_left_and_settles_the_debt(intake: Harness) -> None:
    debt = await register(intake, full_default())
    envelope = await dispose(intake, "settled", debt)
    after = await get_debt(intake, debt["id"])
    assert balances(after) == ZERO_BALANCES
    assert (after["status"], after["first_unpaid_due_date"], after["version"]) == ("settled", None, 2)
    [_, entry] = await get_history(intake, debt["id"])
    assert (entry["cause"], entry["cause_ref"], entry["total_change"], entry["status"]) == (
        "settlement", envelope.id, "-1150.00", "settled")
    [event] = intake.emitted(DebtUpdated)
    assert (event.data.cause, event.data.status, event.data.version, str(event.data.balances.total),
            event.data.first_unpaid_due_date) == ("disposal", "settled", 2, "0.00", None)
    assert event.causationid == envelope.id


@pytest.mark.parametrize(("kind", "cause"), [("sold", "sale"), ("written_off", "write_off")])
async def test_a_sale_or_write_off_changes_the_status_and_keeps_the_balances(intake: Harness, kind: str,
                                                                               cause: str) -> None:
    debt = await register(intake, full_default())
    envelope = await dispose(intake, kind, debt)
    after = await get_debt(intake, debt["id"])
    assert balances(after) == balances(debt)
    assert (after["status"], after["first_unpaid_due_date"], after["version"]) == (kind, "2026-02-15", 2)
    [_, entry] = await get_history(intake, debt["id"])
    assert (entry["cause"], entry["cause_ref"], entry["total_change"], entry["status"]) == (
        cause, envelope.id, "0.00", kind)
    [event] = intake.emitted(DebtUpdated)
    assert (event.data.cause, event.data.status, str(event.data.balances.total)) == ("disposal", kind, "1150.00")


@pytest.mark.parametrize("kind", ["settled", "sold", "written_off"])
async def test_a_duplicate_delivery_changes_nothing(intake: Harness, kind: str) -> None:
    debt = await register(intake)
    envelope = await dispose(intake, kind, debt)
    once = await get_debt(intake, debt["id"])
    await intake.deliver(envelope)  # the broker redelivers the very same event
    await intake.settled()
    assert await get_debt(intake, debt["id"]) == once
    assert len(await get_history(intake, debt["id"])) == 2
    assert len(intake.emitted(DebtUpdated)) == 1
    assert await intake.inbox_has(envelope)


async def test_a_second_disposal_of_the_same_kind_changes_nothing(intake: Harness) -> None:
    debt = await register(intake)
    await dispose(intake, "sold", debt)
    once = await get_debt(intake, debt["id"])
    await dispose(intake, "sold", debt)  # another event id, the same fact
    assert await get_debt(intake, debt["id"]) == once
    assert len(intake.emitted(DebtUpdated)) == 1


async def test_a_sold_debt_can_later_be_written_off(intake: Harness) -> None:
    debt = await register(intake)
    await dispose(intake, "sold", debt)
    await dispose(intake, "written_off", debt)
    after = await get_debt(intake, debt["id"])
    assert (after["status"], after["version"], after["total_outstanding"]) == ("written_off", 3, "1150.00")
    assert [event.data.status for event in intake.emitted(DebtUpdated)] == ["sold", "written_off"]


async def test_a_partly_paid_debt_settles_waiving_only_what_is_left(intake: Harness) -> None:
    debt = await register(intake)
    await pay(intake, payment("PAY-1", "300.00"))
    await dispose(intake, "settled", debt)
    after = await get_debt(intake, debt["id"])
    assert (after["status"], after["total_outstanding"]) == ("settled", "0.00")
    [*_, entry] = await get_history(intake, debt["id"])
    assert entry["total_change"] == "-850.00"


async def test_a_disposal_of_an_unknown_debt_is_dead_lettered_and_does_not_block_others(intake: Harness) -> None:
    ours = await register(intake)
    stranger = {**default(), "id": str(uuid.uuid4()), "currency": "CNY", "total_outstanding": "1.00"}
    lost = await intake.publish(disposal("sold", stranger))
    await dispose(intake, "sold", ours)
    assert (await get_debt(intake, ours["id"]))["status"] == "sold"
    dlq = dead_letter_topic(events_topic("legal"))

    async def dead_lettered() -> bool:
        return any(record.header("ce_id") == lost.id for record in intake.broker.records(dlq))

    await eventually(dead_lettered, what="the unknown debt's disposal in the dead-letter topic")


@pytest.mark.parametrize("via", ["snapshot", "newer-default"])
async def test_later_lending_core_figures_do_not_undo_a_settlement(intake: Harness, via: str) -> None:
    debt = await register(intake)
    await dispose(intake, "settled", debt)
    settled = await get_debt(intake, debt["id"])
    # The lending core's next figures still show the balance that the settlement waived.
    if via == "snapshot":
        response = await intake.client.post("/v1/snapshots:batch", json=[snapshot("2026-11-28")], headers=LENDER)
        assert response.status_code == 200, response.text
        assert response.json()["outcomes"] == {"recorded": 1}
    else:
        await register(intake, default(as_of_date="2026-11-28"), expect=200)
    after = await get_debt(intake, debt["id"])
    assert (after["status"], after["total_outstanding"], after["first_unpaid_due_date"]) == ("settled", "0.00", None)
    assert after == settled
