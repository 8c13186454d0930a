"""Re-ageing runs as jobs: an activation answers at once and queues its run, which reports progress chunk by
chunk, resumes after the process running it stopped, and can be followed from the command line."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from debtflow.classification.classifications.models import DebtClassificationRow
from debtflow.classification.cli import main, progress_bar
from debtflow.classification.reageing.models import ReageRun
from debtflow.classification.reageing.service import STALE_AFTER, queue_reage, reage
from debtflow.common.clock import utcnow
from support.classification import (
    CHECKER,
    RISK,
    SUPERVISOR,
    TODAY,
    classified_events,
    days,
    debt,
    publish_all,
)
from support.harness import Harness, harness
from support.problems import assert_problem

STRICTER = {"five_tier": {"substandard_after": 30}}


async def activate_stricter(service: Harness) -> dict[str, Any]:
    draft = await service.client.post("/v1/rulesets", json={"version": "stricter-jobs", "rules": STRICTER},
                                      headers=RISK)
    assert draft.status_code == 201, draft.text
    response = await service.client.post(f"/v1/rulesets/{draft.json()['id']}:activate", headers=CHECKER)
    assert response.status_code == 202, response.text
    return {"location": response.headers["location"], **response.json()}


async def test_an_activation_queues_a_run_that_counts_its_progress_chunk_by_chunk(database_url: str) -> None:
    async with harness("classification", database_url, reage_chunk_size=2) as service:
        debts = [debt(40 + number, TODAY - days(1)) for number in range(5)]
        await publish_all(service, *debts)
        activation = await activate_stricter(service)
        queued = activation["reage_run"]
        assert (queued["status"], queued["examined"], queued["started_at"]) == ("queued", 0, None)

        await service.settled()
        run = (await service.client.get(activation["location"], headers=SUPERVISOR)).json()
        assert (run["status"], run["due"], run["examined"], run["progress"]) == ("finished", 5, 5, 1.0)
        assert run["changed"] == 5 and run["ruleset_version"] == "stricter-jobs"
        assert all(classified_events(service, each.debt_id)[-1].five_tier_class == "substandard" for each in debts)
        listed = (await service.client.get("/v1/reage-runs", headers=SUPERVISOR)).json()["items"]
        assert listed[0]["id"] == run["id"] and listed[0]["cause"] == "ruleset_activation"
        assert_problem(await service.client.get("/v1/reage-runs/999999", headers=SUPERVISOR), 404, "not-found")


async def test_progress_is_committed_with_each_chunk(database_url: str) -> None:
    async with harness("classification", database_url, reage_chunk_size=2) as service:
        await publish_all(service, *[debt(40 + number, TODAY - days(1)) for number in range(5)])
        async with service.runtime.uow() as uow:  # all due today, as after an activation
            await uow.session.execute(update(DebtClassificationRow).values(next_change_on=TODAY))
        seen: list[tuple[int, int | None]] = []
        run = await reage(service.runtime.uow, as_of=TODAY, chunk_size=2,
                          progress=lambda run: seen.append((run.examined, run.due)))
        assert seen == [(2, 5), (4, 5), (5, 5)]
        assert (run.status, run.examined, run.due) == ("finished", 5, 5)
        assert progress_bar(run).startswith("[" + "#" * 30 + "] 100%  5/5 due")


async def test_a_run_whose_process_stopped_is_taken_up_again(database_url: str) -> None:
    """The activation committed (debts due, run queued) and the process running it died after one chunk."""
    async with harness("classification", database_url) as service:
        debts = [debt(40 + number, TODAY - days(1)) for number in range(3)]
        await publish_all(service, *debts)
        async with service.runtime.uow() as uow:
            await uow.session.execute(update(DebtClassificationRow).values(next_change_on=TODAY))
            run = queue_reage(uow, as_of=TODAY, cause="ruleset_activation", status="running")
            run.examined, run.due = 2, 3
            run.heartbeat_at = utcnow() - STALE_AFTER - timedelta(seconds=1)
        await service.settled()
        async with service.runtime.sessions() as session:
            resumed = await session.get_one(ReageRun, run.id)
        assert (resumed.status, resumed.due, resumed.examined) == ("finished", 3, 3)


async def test_a_running_run_with_a_live_heartbeat_is_left_to_its_process(database_url: str) -> None:
    async with harness("classification", database_url) as service:
        async with service.runtime.uow() as uow:
            run = queue_reage(uow, as_of=TODAY, cause="ruleset_activation", status="running")
        await asyncio.sleep(0.3)  # a few turns of the job loop, which is woken at start
        async with service.runtime.sessions() as session:
            assert (await session.get_one(ReageRun, run.id)).status == "running"
        async with service.runtime.uow() as uow:  # let the harness settle
            await uow.session.execute(update(ReageRun).values(status="failed", error="test"))


async def test_the_cli_follows_a_run_to_its_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'classification.db'}"
    async with harness("classification", url) as service:
        await publish_all(service, debt(45, TODAY - days(1)))
        activation = await activate_stricter(service)
        monkeypatch.setenv("DEBTFLOW_CLASSIFICATION_DATABASE_URL", url)
        assert await asyncio.to_thread(main, ["watch-run", str(activation["reage_run"]["id"])]) == 0
        captured = capsys.readouterr()
        assert f"run {activation['reage_run']['id']} finished: 1 of 1 due examined, 1 changed" in captured.out
        assert "100%" in captured.err
        assert await asyncio.to_thread(main, ["watch-run", "999999"]) == 2
