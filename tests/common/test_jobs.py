"""The periodic background job every service's checks run on: passes every interval, a failing pass is logged and
the job goes on, it waits first unless told not to, and it ends when the service stops."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from sqlalchemy.exc import OperationalError

from debtflow.common.web.jobs import every


def _runtime(interval: float) -> Any:
    return SimpleNamespace(settings=SimpleNamespace(check_interval_seconds=interval))


async def _run_for(job: Any, runtime: Any, seconds: float) -> None:
    stopping = asyncio.Event()
    task = asyncio.create_task(job(runtime, stopping))
    await asyncio.sleep(seconds)
    stopping.set()
    await asyncio.wait_for(task, 1)  # it ends when the service stops, without being cancelled


async def test_passes_run_every_interval_and_a_failure_does_not_end_the_job() -> None:
    calls: list[int] = []

    async def run_pass(runtime: Any) -> int:
        calls.append(len(calls))
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, Exception("database went away"))
        if len(calls) == 2:
            raise ValueError("a bad row")
        return 1

    job = every("check_interval_seconds", run_pass, name="check", what="check")
    assert job.__name__ == "check"  # the name readiness reports a dead loop under
    await _run_for(job, _runtime(0.01), 0.2)
    assert len(calls) >= 3  # both failures were followed by more passes


async def test_it_waits_first_unless_told_not_to() -> None:
    for wait_first, expected in ((True, 0), (False, 1)):
        calls: list[int] = []

        async def run_pass(runtime: Any, calls: list[int] = calls) -> None:
            calls.append(1)

        await _run_for(every("check_interval_seconds", run_pass, name="c", what="c", wait_first=wait_first),
                       _runtime(10), 0.05)
        assert len(calls) == expected
