"""The `debtflow` command line: tokens the services accept, migrations, outbox status and replay."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from debtflow.common.auth import TokenService
from debtflow.common.cli import main
from debtflow.common.settings import DEVELOPMENT_AUTH_SECRET


def test_token_prints_a_development_token_with_the_requested_roles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--role", "lender", "--subject", "core-7", "--permission", "pii:read"]) == 0
    actor = TokenService(secret=DEVELOPMENT_AUTH_SECRET).verify(capsys.readouterr().out.strip())
    assert (actor.subject, set(actor.roles), set(actor.permissions)) == ("core-7", {"lender"}, {"pii:read"})


def test_token_is_signed_with_the_configured_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "a-production-secret-of-at-least-32-bytes!"
    monkeypatch.setenv("DEBTFLOW_AUTH_SECRET", secret)
    assert main(["token", "--role", "supervisor"]) == 0
    assert TokenService(secret=secret).verify(capsys.readouterr().out.strip()).roles == {"supervisor"}


def test_token_refuses_an_unknown_role() -> None:
    with pytest.raises(SystemExit):
        main(["token", "--role", "janitor"])


def test_migrate_then_outbox_status_and_replay_work_on_a_service_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "intake.db"
    monkeypatch.setenv("DEBTFLOW_INTAKE_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    assert main(["migrate", "--service", "intake"]) == 0
    assert database.exists()
    assert main(["outbox", "status", "--service", "intake"]) == 0
    assert "intake: pending=0" in capsys.readouterr().out
    assert main(["outbox", "replay", "--service", "intake", "--since", "2026-01-01T00:00:00+00:00",
                 "--until", "2026-01-02T00:00:00+00:00"]) == 0
    assert "0 event(s) queued" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["outbox", "replay", "--service", "intake", "--since", "2026-01-01T00:00:00"])  # no time zone


def test_the_console_script_is_installed() -> None:
    result = subprocess.run([sys.executable, "-m", "debtflow.common.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "token" in result.stdout and "outbox" in result.stdout and "run" in result.stdout


def test_serve_runs_one_service_with_the_host_and_port_given(monkeypatch: pytest.MonkeyPatch) -> None:
    import debtflow.common.web.serve as serve_module

    started: list[tuple[str, str | None, int | None]] = []
    monkeypatch.setattr(serve_module, "serve", lambda service, *, host, port: started.append((service, host, port)))
    assert main(["serve", "crm", "--host", "0.0.0.0", "--port", "9106"]) == 0
    assert main(["serve", "intake"]) == 0
    assert started == [("crm", "0.0.0.0", 9106), ("intake", None, None)]
