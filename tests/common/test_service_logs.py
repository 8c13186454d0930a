"""A service started as `debtflow run` starts it writes nothing but JSON lines, uvicorn's own included."""

from __future__ import annotations

import json
import logging
import logging.config
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from debtflow.common.embedded import EmbeddedBroker, free_port
from debtflow.common.launcher import start_service
from support import token

REPOSITORY = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0

#: uvicorn's own lines around the app's lifespan: written before and after the app configures logging.
START_UP_LINES = ("Started server process", "Waiting for application startup", "Uvicorn running on")
SHUT_DOWN_LINES = ("Shutting down", "Waiting for application shutdown", "Finished server process")


def _credit_environment(tmp_path: Path, broker: EmbeddedBroker, port: int, **extra: str) -> dict[str, str]:
    """The test's environment without the developer's DEBTFLOW_* settings; the log format at its default."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("DEBTFLOW_") or name.startswith("DEBTFLOW_TEST_")}
    prefix = f"t{uuid.uuid4().hex[:10]}."
    environment.update({
        "DEBTFLOW_CREDIT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'credit.db'}",
        "DEBTFLOW_CREDIT_PORT": str(port),
        "DEBTFLOW_CREDIT_CONSUMER_GROUP": f"{prefix}debtflow.credit",
        "DEBTFLOW_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "DEBTFLOW_TOPIC_PREFIX": prefix,
        **extra,
    })
    return environment


def _run_credit(tmp_path: Path, environment: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    log_path = tmp_path / "credit.log"
    with open(log_path, "ab") as output:
        return start_service("credit", output, env=environment, cwd=tmp_path), log_path


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"credit exited with {process.returncode}:\n{log_path.read_text()}"
            try:
                if client.get(f"{url}/readyz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise AssertionError(f"credit was not ready within {READY_TIMEOUT_SECONDS:g}s:\n{log_path.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def _json_lines(log_path: Path) -> list[dict[str, Any]]:
    """Every non-empty line as an object, failing on the first that is not one debtflow log event."""
    entries = []
    for number, line in enumerate(log_path.read_text(errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            raise AssertionError(f"line {number} is not JSON: {line!r}") from None
        assert isinstance(entry, dict) and "event" in entry and "level" in entry, f"line {number}: {line!r}"
        entries.append(entry)
    return entries


def _events(entries: list[dict[str, Any]]) -> list[str]:
    return [str(entry["event"]) for entry in entries]


def test_every_line_a_service_writes_is_a_json_object(tmp_path: Path, broker: EmbeddedBroker) -> None:
    port = free_port()
    process, log_path = _run_credit(tmp_path, _credit_environment(tmp_path, broker, port))
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_ready(process, url, log_path)
        summary = httpx.get(f"{url}/v1/portfolio/summary", headers=token("supervisor"), timeout=10)
        assert summary.status_code == 200, summary.text
        garbage = {"Authorization": "Bearer a.b.c"}
        refused = httpx.get(f"{url}/v1/portfolio/summary", headers=garbage, timeout=10)
        assert refused.status_code == 401
    finally:
        exit_code = _stop(process)
    # uvicorn re-raises the signal once it has shut down gracefully, so the exit status tells how it ended.
    assert exit_code in (0, -signal.SIGTERM), log_path.read_text()

    entries = _json_lines(log_path)
    events = _events(entries)
    for expected in (*START_UP_LINES, *SHUT_DOWN_LINES):
        assert any(event.startswith(expected) for event in events), f"no {expected!r} line in {events}"
    requests = [entry for entry in entries if entry["event"] == "http request"]
    assert {entry["status"] for entry in requests} >= {200, 401}, requests
    assert all(entry.get("service") == "credit" for entry in requests)


@pytest.mark.parametrize(
    ("setting", "value", "exception"),
    [
        # Refused in the app's lifespan: uvicorn logs the traceback.
        ("DEBTFLOW_ENVIRONMENT", "production", "RuntimeError"),
        # Refused before uvicorn starts: the launcher module logs it.
        ("DEBTFLOW_CREDIT_PORT", "not-a-port", "ValidationError"),
    ],
    ids=["lifespan-fails", "settings-invalid"],
)
def test_a_failed_start_logs_its_traceback_as_a_json_field(
    tmp_path: Path, broker: EmbeddedBroker, setting: str, value: str, exception: str
) -> None:
    environment = _credit_environment(tmp_path, broker, free_port(), **{setting: value})
    process, log_path = _run_credit(tmp_path, environment)
    try:
        exit_code = process.wait(timeout=READY_TIMEOUT_SECONDS)
    finally:
        _stop(process)
    assert exit_code != 0, log_path.read_text()
    failures = [entry for entry in _json_lines(log_path) if "exception" in entry]
    assert failures, log_path.read_text()
    assert failures[0]["level"] == "error"
    assert failures[0]["exception"].startswith("Traceback") and exception in failures[0]["exception"]
    assert "Traceback" not in failures[0]["event"]  # the event says what happened; the trace is beside it


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Put back what dictConfig changes, so later tests log where they expect to."""
    names = ("", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {name: (list(logger.handlers), logger.level, logger.propagate, logger.disabled)
             for name in names for logger in [logging.getLogger(name)]}
    yield
    for name, (handlers, level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.propagate, logger.disabled = handlers, propagate, disabled
        logger.setLevel(level)


def test_the_documented_uvicorn_log_config_writes_json(
    capsys: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    """deploy/uvicorn-logging.json, for people who run `uvicorn --log-config` themselves (README)."""
    config = json.loads((REPOSITORY / "deploy" / "uvicorn-logging.json").read_text())
    logging.config.dictConfig(config)
    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert lines[0]["event"] == "Started server process [42]" and lines[0]["level"] == "info"
    assert lines[1]["level"] == "error" and "ValueError: boom" in lines[1]["exception"]
