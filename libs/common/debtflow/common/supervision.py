"""Keeps `debtflow run`'s processes up: a child that exits is restarted with capped exponential backoff."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

#: Starts a child and returns its process; raising means this attempt failed (it is retried like a crash).
Starter = Callable[[], subprocess.Popen[bytes]]


@dataclass(frozen=True)
class Backoff:
    """Delay before restart attempt n (1, 2, ...): `first` doubling up to `cap`. A child that stayed up for
    `stable_after` seconds before it exited starts again at attempt 1: it was healthy, not crash-looping."""

    first: float = 1.0
    cap: float = 30.0
    stable_after: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.first * 2 ** max(attempt - 1, 0), self.cap)

    def next_attempt(self, previous_attempt: int, uptime: float) -> int:
        return 1 if uptime >= self.stable_after else previous_attempt + 1


class _Child:
    def __init__(self, name: str, start: Starter, stop_group: int, hint: str) -> None:
        self.name = name
        self.start = start
        self.stop_group = stop_group
        self.hint = hint
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.attempt = 0
        self.restart_at: float | None = None


class Supervisor:
    """Starts children, restarts whichever exits (the others keep running), and stops them all in order.

    `stop_group` orders the stop: higher groups are stopped first, all members of a group together (the services,
    then the broker they use)."""

    def __init__(self, *, policy: Backoff | None = None, clock: Callable[[], float] = time.monotonic,
                 output: IO[str] | None = None) -> None:
        self.policy = policy or Backoff()
        self.clock = clock
        self.output = output
        self.restarts: list[tuple[str, int | None, int, float]] = []  # (child, exit code, attempt, delay)
        self._children: dict[str, _Child] = {}

    def add(self, name: str, start: Starter, *, stop_group: int = 1, hint: str = "") -> None:
        self._children[name] = _Child(name, start, stop_group, hint)

    def process(self, name: str) -> subprocess.Popen[bytes] | None:
        return self._children[name].process

    def start_all(self) -> None:
        for child in sorted(self._children.values(), key=lambda child: child.stop_group):
            self._launch(child)

    def tick(self) -> None:
        """Notice exits and start what is due; call it every fraction of a second."""
        now = self.clock()
        for child in self._children.values():
            if child.restart_at is None and child.process is not None and child.process.poll() is not None:
                self._schedule(child, child.process.returncode, uptime=now - child.started_at)
            if child.restart_at is not None and now >= child.restart_at:
                self._launch(child)

    def stop_all(self, timeout: float = 15.0) -> None:
        for group in sorted({child.stop_group for child in self._children.values()}, reverse=True):
            members = [child for child in self._children.values() if child.stop_group == group]
            for child in members:
                child.restart_at = None
                if child.process is not None and child.process.poll() is None:
                    child.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for child in members:
                _wait_or_kill(child.process, deadline)

    def _launch(self, child: _Child) -> None:
        child.restart_at = None
        child.started_at = self.clock()
        try:
            child.process = child.start()
        except (OSError, RuntimeError) as error:
            child.process = None
            self._say(f"{child.name} did not start: {error}")
            self._schedule(child, None, uptime=0.0)

    def _schedule(self, child: _Child, exit_code: int | None, *, uptime: float) -> None:
        child.attempt = self.policy.next_attempt(child.attempt, uptime)
        delay = self.policy.delay(child.attempt)
        child.restart_at = self.clock() + delay
        self.restarts.append((child.name, exit_code, child.attempt, delay))
        self._say(f"{child.name} exited with code {exit_code}; restart attempt {child.attempt} in {delay:g}s"
                  + (f"; see {child.hint}" if child.hint else ""))

    def _say(self, line: str) -> None:
        print(f"debtflow: {line}", file=self.output or sys.stderr, flush=True)


def _wait_or_kill(process: subprocess.Popen[bytes] | None, deadline: float) -> None:
    if process is None:
        return
    try:
        process.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
