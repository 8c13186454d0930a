"""Re-ageing (POST /v1/reage-runs and the CLI): due debts only, news only, idempotent, late runs, bucket history."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from debtflow.classification.cli import main
from support.classification import (
    COLLECTOR,
    SUPERVISOR,
    TODAY,
    VALIDATION,
    classification,
    classified_events,
    days,
    debt,
    dims,
    payment,
    publish_all,
    reage,
    restructured,
    reversal,
    snapshot,
    spell_days,
    spells,
)
from support.harness import harness

D0 = TODAY - days(150)


async def test_a_run_advances_due_debts_and_announces_only_changes(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        soon, later = debt(25, D0), debt(5, D0)  # into M2 on D0+6 and on D0+26
        await publish_all(service, soon, later)

        report = await reage(service, D0 + days(10))
        assert (report["as_of_date"], report["examined"], report["changed"]) == ((D0 + days(10)).isoformat(), 1, 1)
        [_, moved] = classified_events(service, soon.debt_id)
        assert (moved.previous_dpd_bucket, moved.dpd_bucket, moved.days_past_due, moved.as_of_date) == (
            "M1", "M2", 35, D0 + days(10))
        assert (moved.previous_ifrs9_stage, moved.ifrs9_stage) == (1, 2)
        assert len(classified_events(service, later.debt_id)) == 1
        untouched = await classification(service, later.debt_id, D0 + days(10))
        assert (untouched["days_past_due"], untouched["dpd_bucket"]) == (15, "M1")

        # Ten more days: both counts grow, neither leaves its bucket: nothing to announce.
        report = await reage(service, D0 + days(20))
        assert (report["examined"], report["changed"]) == (0, 0)
        assert len(classified_events(service)) == 3
        runs = (await service.client.get("/v1/reage-runs", headers=COLLECTOR)).json()["items"]
        assert [(run["as_of_date"], run["changed"]) for run in runs] == [
            ((D0 + days(20)).isoformat(), 0), ((D0 + days(10)).isoformat(), 1)]


async def test_two_runs_one_after_the_other_both_run(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        for offset in (1, 2, 3):
            response = await service.client.post("/v1/reage-runs", json={"as_of_date": (D0 + days(offset)).isoformat()},
                                                 headers=SUPERVISOR)
            assert response.status_code == 200, response.text


async def test_a_second_run_for_the_same_day_finds_nothing_to_do(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        regs = [debt(25, D0), debt(60, D0), debt(89, D0)]
        await publish_all(service, *regs)
        first = await reage(service, D0 + days(10))
        events = len(service.emitted())
        second = await reage(service, D0 + days(10))
        assert (first["examined"], first["changed"]) == (3, 3)
        assert (second["examined"], second["changed"]) == (0, 0)
        assert len(service.emitted()) == events


async def test_a_late_run_announces_each_debt_once_and_dates_the_move_on_the_crossing_day(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        young, older = debt(5, D0), debt(25, D0)
        await publish_all(service, young, older)
        report = await reage(service, D0 + days(100))
        assert (report["examined"], report["changed"]) == (2, 2)
        for reg, bucket, crossed in ((young, "M4", D0 + days(86)), (older, "M5", D0 + days(96))):
            [_, moved] = classified_events(service, reg.debt_id)
            assert (moved.previous_dpd_bucket, moved.dpd_bucket, moved.as_of_date) == ("M1", bucket, D0 + days(100))
            found = await spells(service, reg.debt_id)
            assert (found[-1].bucket, found[-1].entered_on, found[-1].exited_on) == (bucket, crossed, None)
            assert found[0].exited_at is not None and found[-1].exited_at is None


async def test_a_late_run_keeps_every_bucket_the_debt_passed_through(database_url: str) -> None:
    """Every entry and exit is kept: M1 until day 31 (D0+26), M2 until day 61, M3 until day 91, then M4."""
    async with harness("classification", database_url) as service:
        young = debt(5, D0)
        await publish_all(service, young)
        await reage(service, D0 + days(100))
        assert spell_days(await spells(service, young.debt_id)) == [
            ("M1", D0, D0 + days(26)), ("M2", D0 + days(26), D0 + days(56)), ("M3", D0 + days(56), D0 + days(86)),
            ("M4", D0 + days(86), None)]


async def test_daily_runs_record_each_bucket_on_its_day(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(25, D0)
        await publish_all(service, reg)
        for offset in range(0, 75, 7):
            await reage(service, D0 + days(offset))
        assert spell_days(await spells(service, reg.debt_id)) == [
            ("M1", D0, D0 + days(6)), ("M2", D0 + days(6), D0 + days(36)), ("M3", D0 + days(36), D0 + days(66)),
            ("M4", D0 + days(66), None)]
        assert [event.dpd_bucket for event in classified_events(service, reg.debt_id)] == ["M1", "M2", "M3", "M4"]


async def test_a_date_after_tomorrow_is_refused(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        response = await service.client.post("/v1/reage-runs", json={"as_of_date": (TODAY + days(2)).isoformat()},
                                             headers=SUPERVISOR)
        assert response.status_code == 422
        problem = response.json()
        assert (problem["type"], [error["field"] for error in problem["errors"]]) == (VALIDATION, ["as_of_date"])
        assert (await service.client.get("/v1/reage-runs", headers=SUPERVISOR)).json()["items"] == []
        collector = await service.client.post("/v1/reage-runs", json={}, headers=COLLECTOR)
        assert collector.status_code == 403
        today = await service.client.post("/v1/reage-runs", json={}, headers=SUPERVISOR)
        assert (today.status_code, today.json()["as_of_date"]) == (200, TODAY.isoformat())


async def test_the_cure_probation_ends_on_its_day(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(100, D0)
        cured_on = D0 + days(5)
        await publish_all(service, reg, payment(reg, version=2, first_unpaid_after=None, day=cured_on,
                                                total_after="400.00", amount="600.00"))
        assert (await reage(service, cured_on + days(89)))["examined"] == 0
        assert (await classification(service, reg.debt_id, cured_on + days(89)))["ifrs9_stage"] == 3
        assert (await reage(service, cured_on + days(90)))["changed"] == 1
        current = await classification(service, reg.debt_id, cured_on + days(90))
        assert dims(current) == ("M0", "normal", 1, False, "current", "P4")
        last = classified_events(service, reg.debt_id)[-1]
        assert (last.previous_ifrs9_stage, last.ifrs9_stage, last.as_of_date) == (3, 1, cured_on + days(90))
        assert "cure_probation_completed" in last.reason_codes


async def test_the_restructuring_floor_lifts_when_its_probation_ends(database_url: str) -> None:
    start = TODAY - days(200)
    async with harness("classification", database_url) as service:
        reg = debt(10, start)
        await publish_all(service, reg, payment(reg, version=2, first_unpaid_after=None, day=start, total_after="500.00"),
                          restructured(reg, start))
        assert (await classification(service, reg.debt_id, start))["five_tier_class"] == "substandard"
        await reage(service, start + days(179))
        assert (await classification(service, reg.debt_id, start + days(179)))["five_tier_class"] == "substandard"
        await reage(service, start + days(180))
        assert (await classification(service, reg.debt_id, start + days(180)))["five_tier_class"] == "normal"


async def test_a_debt_registered_after_a_run_catches_up_with_it(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        await reage(service, D0 + days(50))
        reg = debt(25, D0)
        await publish_all(service, reg)
        caught_up = await classification(service, reg.debt_id, D0 + days(50))
        assert (caught_up["days_past_due"], caught_up["dpd_bucket"]) == (75, "M3")
        assert [event.dpd_bucket for event in classified_events(service, reg.debt_id)][-1] == "M3"
        assert (await classification(service, reg.debt_id, D0))["dpd_bucket"] == "M1"  # from the history


async def test_bucket_history_keeps_every_entry_and_exit(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(25, D0)
        await publish_all(service, reg)
        await reage(service, D0 + days(6))
        await publish_all(service, payment(reg, version=2, first_unpaid_after=None, day=D0 + days(10)))
        found = await spells(service, reg.debt_id)
        assert spell_days(found) == [("M1", D0, D0 + days(6)), ("M2", D0 + days(6), D0 + days(10)),
                                     ("M0", D0 + days(10), None)]
        assert all(spell.entered_at is not None for spell in found)
        assert [spell.exited_at is not None for spell in found] == [True, True, False]
        assert found[0].entered_at <= found[0].exited_at <= found[1].exited_at  # type: ignore[operator]


def _never_overlap(found: list[tuple[str, object, object]]) -> None:
    for (bucket, entered, exited), (following, next_entered, _) in pairwise(found):
        assert exited is not None and entered <= exited == next_entered, (bucket, following, found)  # type: ignore[operator]


async def test_bucket_spells_never_overlap_after_a_reversal(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(25, D0)
        paid = payment(reg, version=2, first_unpaid_after=None, day=D0 + days(10))
        await publish_all(service, reg, paid)
        await publish_all(service, reversal(paid, version=3, first_unpaid_after=reg.first_unpaid_due_date,
                                            day=D0 + days(12)))
        found = spell_days(await spells(service, reg.debt_id))
        assert [bucket for bucket, _, _ in found] == ["M1", "M0", "M2"]
        _never_overlap(found)
        assert found[-1][1] >= D0 + days(10)  # back overdue after the payment day, not before it


async def test_bucket_spells_never_overlap_after_a_snapshot_that_moves_the_due_date_back(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        reg = debt(5, D0)
        await publish_all(service, reg, snapshot(reg, version=2, first_unpaid=D0 - days(100), as_of=D0 + days(1)))
        found = spell_days(await spells(service, reg.debt_id))
        assert [bucket for bucket, _, _ in found] == ["M1", "M4"]
        _never_overlap(found)


async def test_the_cli_reages_a_service_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'classification.db'}"
    async with harness("classification", url) as service:
        reg = debt(25, D0)
        await publish_all(service, reg)
        monkeypatch.setenv("DEBTFLOW_CLASSIFICATION_DATABASE_URL", url)
        day = (D0 + days(10)).isoformat()

        assert await asyncio.to_thread(main, ["reage", "--as-of", day]) == 0
        assert f"re-aged to {day}: 1 due, 1 changed" in capsys.readouterr().out
        await service.settled()  # the service's relay publishes what the command stored
        assert classified_events(service, reg.debt_id)[-1].dpd_bucket == "M2"
        assert (await classification(service, reg.debt_id, D0 + days(10)))["dpd_bucket"] == "M2"

        assert await asyncio.to_thread(main, ["reage", "--as-of", day]) == 0
        assert f"re-aged to {day}: 0 due, 0 changed" in capsys.readouterr().out
        runs = (await service.client.get("/v1/reage-runs", headers=SUPERVISOR)).json()["items"]
        assert [(run["as_of_date"], run["examined"]) for run in runs] == [(day, 0), (day, 1)]


async def test_chunk_boundaries_lose_and_repeat_nothing(database_url: str) -> None:
    """Seven debts in chunks of two: every one examined once, each move written once (history, spell, event)."""
    async with harness("classification", database_url, reage_chunk_size=2) as service:
        regs = [debt(24 + offset, D0) for offset in range(7)]  # 24..30 days: all cross into M2 by D0+7
        await publish_all(service, *regs)
        report = await reage(service, D0 + days(10))
        assert (report["examined"], report["changed"]) == (7, 7)
        for reg in regs:
            assert [event.dpd_bucket for event in classified_events(service, reg.debt_id)] == ["M1", "M2"]
            assert [spell.bucket for spell in await spells(service, reg.debt_id)] == ["M1", "M2"]


async def test_a_chunk_that_loses_a_deadlock_is_run_again(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL may pick the run as a deadlock victim against an event handler: the chunk rolls back whole
    and runs again, so nothing is lost and nothing written twice."""
    from sqlalchemy.exc import DBAPIError

    from debtflow.classification.reageing import service as reage_module

    class Deadlock(Exception):
        sqlstate = "40P01"

    real_chunk = reage_module._reage_chunk
    failures = [1]

    async def chunk_failing_once(uow: Any, *args: Any) -> Any:
        outcome = await real_chunk(uow, *args)  # writes everything, then loses: the rollback must undo it
        if failures:
            failures.pop()
            raise DBAPIError("UPDATE classifications ...", {}, Deadlock("deadlock detected"))
        return outcome

    monkeypatch.setattr(reage_module, "_reage_chunk", chunk_failing_once)
    async with harness("classification", database_url) as service:
        reg = debt(25, D0)
        await publish_all(service, reg)
        report = await reage(service, D0 + days(10))
        assert (report["examined"], report["changed"], failures) == (1, 1, [])
        assert [event.dpd_bucket for event in classified_events(service, reg.debt_id)] == ["M1", "M2"]
        assert [spell.bucket for spell in await spells(service, reg.debt_id)] == ["M1", "M2"]
