"""Daily snapshots: newer ones apply, older ones are kept unapplied, repeats are idempotent, each item judged alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from debtflow.common.events import DebtUpdated
from debtflow.intake.snapshots.models import BalanceSnapshotRow
from debtflow.intake.snapshots.schemas import SNAPSHOT_CSV_COLUMNS
from support.harness import Harness
from support.intake import (
    balances,
    csv_text,
    default,
    dispose,
    get_debt,
    get_history,
    ndjson,
    post_batch,
    register,
    snapshot,
)

SNAPSHOTS = "/v1/snapshots:batch"



async def stored_snapshots(intake: Harness) -> list[tuple[str, str, bool]]:
    async with intake.runtime.sessions() as session:
        rows = await session.scalars(select(BalanceSnapshotRow).order_by(BalanceSnapshotRow.as_of_date))
        return [(row.as_of_date.isoformat(), str(row.principal_outstanding), row.applied) for row in rows]


async def test_a_newer_snapshot_updates_the_debt(intake: Harness) -> None:
    debt = await register(intake)
    result = await post_batch(intake, SNAPSHOTS, [snapshot("2026-11-28")])
    assert result["received"] == 1
    assert result["outcomes"] == {"updated": 1}
    assert result["results"] == [{"line": 1, "key": "LN-1", "outcome": "updated", "id": None, "problem": None}]
    after = await get_debt(intake, debt["id"])
    assert balances(after) == {"principal_outstanding": "900.00", "interest_outstanding": "120.00",
                               "penalty_interest_outstanding": "35.00", "fees_outstanding": "20.00",
                               "total_outstanding": "1075.00", "credit_balance": "0.00"}
    assert (after["as_of_date"], after["version"], after["status"]) == ("2026-11-28", 2, "open")
    [_, entry] = await get_history(intake, debt["id"])
    assert (entry["cause"], entry["cause_ref"], entry["total_change"]) == ("snapshot", "2026-11-28", "-75.00")
    await intake.settled()
    [event] = intake.emitted(DebtUpdated)
    assert (event.data.cause, event.data.version, str(event.data.balances.total), event.data.as_of_date.isoformat()
            ) == ("snapshot", 2, "1075.00", "2026-11-28")
    assert await stored_snapshots(intake) == [("2026-11-28", "900.00", True)]


async def test_a_snapshot_with_nothing_owed_settles_the_debt(intake: Harness) -> None:
    debt = await register(intake)
    await post_batch(intake, SNAPSHOTS, [snapshot(
        "2026-11-28", principal_outstanding="0", interest_outstanding="0", penalty_interest_outstanding="0",
        fees_outstanding="0", first_unpaid_due_date=None, days_past_due=0)])
    after = await get_debt(intake, debt["id"])
    assert (after["status"], after["total_outstanding"], after["first_unpaid_due_date"]) == ("settled", "0.00", None)


async def test_an_older_snapshot_is_recorded_but_not_applied(intake: Harness) -> None:
    debt = await register(intake)
    await intake.settled()
    result = await post_batch(intake, SNAPSHOTS, [snapshot("2026-11-20"), snapshot("2026-11-27")])
    assert [item["outcome"] for item in result["results"]] == ["recorded", "recorded"]  # same day is not newer
    assert await get_debt(intake, debt["id"]) == debt
    assert len(await get_history(intake, debt["id"])) == 1
    await intake.settled()
    assert intake.emitted(DebtUpdated) == []
    assert await stored_snapshots(intake) == [("2026-11-20", "900.00", False), ("2026-11-27", "900.00", False)]


async def test_snapshots_in_one_batch_apply_in_order_of_date(intake: Harness) -> None:
    debt = await register(intake)
    result = await post_batch(intake, SNAPSHOTS, [
        snapshot("2026-11-28", principal_outstanding="800.00"),
        snapshot("2026-11-26", principal_outstanding="950.00"),
    ])
    assert [item["outcome"] for item in result["results"]] == ["updated", "recorded"]
    assert (await get_debt(intake, debt["id"]))["principal_outstanding"] == "800.00"


async def test_an_identical_repeat_is_unchanged(intake: Harness) -> None:
    debt = await register(intake)
    await post_batch(intake, SNAPSHOTS, [snapshot("2026-11-28")])
    await intake.settled()
    published = len(intake.emitted())
    again = await post_batch(intake, SNAPSHOTS, [snapshot("2026-11-28")])
    assert again["outcomes"] == {"unchanged": 1}
    assert (await get_debt(intake, debt["id"]))["version"] == 2
    await intake.settled()
    assert len(intake.emitted()) == published
    assert await intake.count(BalanceSnapshotRow) == 1


async def test_a_conflicting_repeat_is_rejected_on_its_own(intake: Harness) -> None:
    debt = await register(intake)
    await register(intake, default("LN-2"))
    await post_batch(intake, SNAPSHOTS, [snapshot("2026-11-28")])
    result = await post_batch(intake, SNAPSHOTS, [
        snapshot("2026-11-28", principal_outstanding="899.99"),
        snapshot("2026-11-28", loan_id="LN-2"),
    ])
    assert result["outcomes"] == {"rejected": 1, "updated": 1}
    rejected, accepted = result["results"]
    assert (rejected["line"], rejected["key"], rejected["outcome"]) == (1, "LN-1", "rejected")
    assert rejected["problem"]["type"] == "urn:debtflow:problem:snapshot-conflict"
    assert rejected["problem"]["status"] == 409
    assert (accepted["line"], accepted["outcome"]) == (2, "updated")
    assert (await get_debt(intake, debt["id"]))["principal_outstanding"] == "900.00"


async def test_an_unknown_loan_is_rejected_with_its_line(intake: Harness) -> None:
    debt = await register(intake)
    body = ndjson([snapshot("2026-11-28", loan_id="LN-NOPE"), "", snapshot("2026-11-28")])
    result = await post_batch(intake, SNAPSHOTS, body, content_type="application/x-ndjson")
    assert result["received"] == 2
    unknown, applied = result["results"]
    assert (unknown["line"], unknown["key"], unknown["outcome"]) == (1, "LN-NOPE", "rejected")
    assert unknown["problem"]["type"] == "urn:debtflow:problem:unknown-loan"
    assert unknown["problem"]["status"] == 404
    assert (applied["line"], applied["outcome"]) == (3, "updated")
    assert (await get_debt(intake, debt["id"]))["version"] == 2


async def test_a_snapshot_in_another_currency_is_rejected_naming_currency(intake: Harness) -> None:
    await register(intake)
    result = await post_batch(intake, SNAPSHOTS, [snapshot("2026-11-28", currency="USD")])
    [item] = result["results"]
    assert item["outcome"] == "rejected"
    assert {error["field"] for error in item["problem"]["errors"]} == {"currency"}
    assert await intake.count(BalanceSnapshotRow) == 0


async def test_an_invalid_snapshot_names_its_line_and_field(intake: Harness) -> None:
    debt = await register(intake)
    result = await post_batch(intake, SNAPSHOTS, [
        snapshot("2026-11-28", first_unpaid_due_date="2026-11-29"),
        snapshot("2026-11-28", fees_outstanding="1.005"),
        snapshot("2026-11-28", days_past_due=-1),
    ])
    assert result["outcomes"] == {"rejected": 3}
    fields = [{error["field"] for error in item["problem"]["errors"]} for item in result["results"]]
    assert fields == [{"first_unpaid_due_date"}, {"fees_outstanding"}, {"days_past_due"}]
    assert [item["problem"]["detail"].split(":")[0] for item in result["results"]] == ["line 1", "line 2", "line 3"]
    assert (await get_debt(intake, debt["id"]))["version"] == 1


async def test_snapshots_as_csv(intake: Harness) -> None:
    debt = await register(intake)
    row = {**snapshot("2026-11-28"), "days_past_due": "290"}
    result = await post_batch(intake, SNAPSHOTS, csv_text(SNAPSHOT_CSV_COLUMNS, [row]), content_type="text/csv")
    assert result["results"][0]["line"] == 2
    assert result["outcomes"] == {"updated": 1}
    assert (await get_debt(intake, debt["id"]))["total_outstanding"] == "1075.00"


@pytest.mark.parametrize("kind", ["sold", "written_off"])
async def test_a_snapshot_of_a_disposed_debt_is_kept_but_not_applied(intake: Harness, kind: str) -> None:
    debt = await register(intake)
    await dispose(intake, kind, debt)
    before = await get_debt(intake, debt["id"])
    result = await post_batch(intake, SNAPSHOTS, [snapshot("2026-11-28")])
    assert result["outcomes"] == {"recorded": 1}
    assert await get_debt(intake, debt["id"]) == before
