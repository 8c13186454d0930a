"""`debtflow run` supervision: a crashed child is restarted with backoff, the others (broker included) keep running,
and SIGINT stops everything."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from debtflow.common.supervision import Backoff, Supervisor

_CRASH = [sys.executable, "-c", "import sys; sys.exit(3)"]
_LIVE = [sys.executable, "-c", "import time; time.sleep(60)"]


def _starter(command: list[str]):  # type: ignore[no-untyped-def]
    return lambda: subprocess.Popen(command)


def test_backoff_doubles_from_the_first_delay_up_to_the_cap() -> None:
    policy = Backoff(first=1.0, cap=30.0)
    assert [policy.delay(attempt) for attempt in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_backoff_starts_over_for_a_child_that_had_stayed_up() -> None:
    policy = Backoff(stable_after=60.0)
    assert policy.next_attempt(4, uptime=5.0) == 5
    assert policy.next_attempt(4, uptime=61.0) == 1


def test_a_crashed_child_is_restarted_with_growing_delays_and_the_others_keep_running() -> None:
    output = io.StringIO()
    supervisor = Supervisor(policy=Backoff(first=0.05, cap=0.2, stable_after=60), output=output)
    supervisor.add("broker", _starter(_LIVE), stop_group=0)
    supervisor.add("intake", _starter(_LIVE))
    supervisor.add("classification", _starter(_CRASH), hint="var/log/classification.log")
    supervisor.start_all()
    broker, intake = supervisor.process("broker"), supervisor.process("intake")
    try:
        deadline = time.monotonic() + 10
        while len(supervisor.restarts) < 4 and time.monotonic() < deadline:
            supervisor.tick()
            time.sleep(0.01)
        assert supervisor.restarts[:4] == [("classification", 3, attempt, delay)
                                           for attempt, delay in ((1, 0.05), (2, 0.1), (3, 0.2), (4, 0.2))]
        assert supervisor.process("broker") is broker and broker is not None and broker.poll() is None
        assert supervisor.process("intake") is intake and intake is not None and intake.poll() is None
        assert "classification exited with code 3; restart attempt 2 in 0.1s; see var/log/classification.log" in (
            output.getvalue())
    finally:
        supervisor.stop_all(timeout=5)
    assert broker.poll() is not None and intake.poll() is not None


def test_a_child_that_fails_to_start_is_retried() -> None:
    attempts: list[int] = []

    def flaky() -> subprocess.Popen[bytes]:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("port 9092 is already in use")
        return subprocess.Popen(_LIVE)

    supervisor = Supervisor(policy=Backoff(first=0.01), output=io.StringIO())
    supervisor.add("broker", flaky, stop_group=0)
    supervisor.start_all()
    try:
        deadline = time.monotonic() + 5
        while supervisor.process("broker") is None and time.monotonic() < deadline:
            supervisor.tick()
            time.sleep(0.01)
        process = supervisor.process("broker")
        assert process is not None and process.poll() is None and len(attempts) == 2
    finally:
        supervisor.stop_all(timeout=5)


def test_sigint_stops_every_child_services_before_the_broker(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = textwrap.dedent(f"""
        import subprocess, sys
        from debtflow.common.launcher import supervise
        from debtflow.common.supervision import Supervisor

        class Recorded(subprocess.Popen):
            def send_signal(self, sig):
                with open({str(pids)!r}, "a") as out:
                    out.write(f"stop {{self.pid}}\\n")
                super().send_signal(sig)

        def live(name):
            def start():
                process = Recorded([sys.executable, "-c", "import time; time.sleep(60)"])
                with open({str(pids)!r}, "a") as out:
                    out.write(f"{{name}} {{process.pid}}\\n")
                return process
            return start

        supervisor = Supervisor()
        supervisor.add("broker", live("broker"), stop_group=0)
        supervisor.add("intake", live("intake"))
        supervisor.add("crm", live("crm"))
        sys.exit(supervise(supervisor, interval=0.05))
    """)
    launcher = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 20
    while (not pids.exists() or len(pids.read_text().splitlines()) < 3) and time.monotonic() < deadline:
        time.sleep(0.05)
    started = dict(line.split() for line in pids.read_text().splitlines())
    launcher.send_signal(signal.SIGINT)
    assert launcher.wait(timeout=20) == 0
    stops = [line.split()[1] for line in pids.read_text().splitlines() if line.startswith("stop ")]
    assert stops[-1] == started["broker"] and set(stops) == set(started.values())
    for pid in map(int, started.values()):
        assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
