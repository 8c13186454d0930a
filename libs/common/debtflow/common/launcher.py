"""`debtflow run`: the embedded broker plus the six services as separate processes, each restarted if it exits,
all stopped together on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import IO

import httpx

from debtflow.common.auth import TokenService
from debtflow.common.embedded import EmbeddedBroker, port_open
from debtflow.common.services import service_names
from debtflow.common.settings import ServiceSettings, settings_class_for
from debtflow.common.supervision import Supervisor

_READY_TIMEOUT_SECONDS = 90.0


class _Stop(Exception):
    """Raised by the signal handler to leave the supervision loop."""


def _on_signal(signum: int, _: FrameType | None) -> None:
    raise _Stop(signal.Signals(signum).name)


def _bootstrap_address(settings: ServiceSettings) -> tuple[str, int]:
    first = settings.kafka_bootstrap_servers.split(",")[0].strip()
    host, _, port = first.rpartition(":")
    return host or "127.0.0.1", int(port or 9092)


def service_command(service: str) -> list[str]:
    """The command that runs a service; its settings, host and port included, come from the environment."""
    return [sys.executable, "-m", "debtflow.common.web.serve", service]


def start_service(service: str, output: IO[bytes], *, env: Mapping[str, str] | None = None,
                  cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a service as its own process, all its output to `output`: `debtflow run` and the end-to-end
    tests both start services this way, so what the tests see is what an operator gets."""
    return subprocess.Popen(
        service_command(service), stdout=output, stderr=subprocess.STDOUT, env=env, cwd=cwd,
        start_new_session=True,  # Ctrl-C in a terminal reaches the launcher, which stops services in order
    )


def _wait_until_ready(urls: dict[str, str], supervisor: Supervisor) -> list[str]:
    """Services not ready within the time limit; one that exits while starting is reported at once (a
    misconfiguration is better shown than restarted)."""
    pending = dict(urls)
    deadline = time.monotonic() + _READY_TIMEOUT_SECONDS
    with httpx.Client(timeout=2) as client:
        while pending and time.monotonic() < deadline:
            for service, url in list(pending.items()):
                process = supervisor.process(service)
                if process is None or process.poll() is not None:
                    return [service]
                try:
                    if client.get(f"{url}/readyz").status_code == 200:
                        del pending[service]
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
    return list(pending)


def _print_banner(urls: dict[str, str], settings: ServiceSettings, broker_address: str) -> None:
    print("\ndebtflow is running (embedded mode, SQLite under ./var, logs in ./var/log)\n")
    print(f"  {'service':<15} {'url':<24} api docs")
    for service, url in urls.items():
        print(f"  {service:<15} {url:<24} {url}/docs")
    print(f"  {'broker':<15} {broker_address}")
    lender = TokenService(secret=settings.auth_secret.get_secret_value(), issuer=settings.auth_issuer,
                          audience=settings.auth_audience).issue(subject="lending-core", roles=["lender"])
    print("\nTry it from another shell in this directory (a development token for a lending core;"
          " `./debtflow token --role supervisor` makes one for staff):\n")
    print(f"  TOKEN={lender}")
    print(f"""  curl -s -X POST {urls['intake']}/v1/defaults -H "Authorization: Bearer $TOKEN" \\
       -H 'Content-Type: application/json' \\
       -d '{{"loan_id":"LN-1","borrower_id":"BR-1","principal_outstanding":"12000.00",
            "first_unpaid_due_date":"2026-06-01","as_of_date":"{time.strftime('%Y-%m-%d')}"}}'""")
    print("\nPress Ctrl-C to stop everything.\n", flush=True)


def supervise(supervisor: Supervisor, *, interval: float = 0.5, after_start: Callable[[], bool] | None = None) -> int:
    """Start the children, keep them up until SIGINT or SIGTERM, then stop them in order.

    `after_start` runs once everything has started (readiness, banner); if it returns False, stop with code 1."""
    previous_handlers = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        supervisor.start_all()
        if after_start is not None and not after_start():
            return 1
        while True:
            supervisor.tick()
            time.sleep(interval)
    except (_Stop, KeyboardInterrupt):
        print("\nstopping debtflow ...", flush=True)
        return 0
    finally:
        # A terminal's Ctrl-C reaches us twice (directly and forwarded by `uv run`): ignore repeats while stopping.
        for sig in previous_handlers:
            signal.signal(sig, signal.SIG_IGN)
        supervisor.stop_all()
        for sig, handler in previous_handlers.items():
            signal.signal(sig, handler)
        print("stopped.", flush=True)


def _service_starter(service: str, log_path: Path) -> Callable[[], subprocess.Popen[bytes]]:
    def start() -> subprocess.Popen[bytes]:
        with open(log_path, "ab") as log_file:  # the child has its own copy
            return start_service(service, log_file)
    return start


def _broker_starter(broker: EmbeddedBroker) -> Callable[[], subprocess.Popen[bytes]]:
    def start() -> subprocess.Popen[bytes]:
        broker.stop()  # reap the exited process before a new one takes the port
        process = broker.start().process
        assert process is not None
        return process
    return start


def run_stack(*, demo: bool = False, external_broker: bool = False) -> int:
    log_dir = Path("var") / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    all_settings = {service: settings_class_for(service)() for service in service_names()}
    shared = all_settings["intake"]
    host, port = _bootstrap_address(shared)
    supervisor = Supervisor()
    if not external_broker:
        if port_open(host, port):
            print(f"something already listens on {host}:{port}; stop it, or use it with "
                  f"`debtflow run --external-broker`, or set DEBTFLOW_KAFKA_BOOTSTRAP_SERVERS", file=sys.stderr)
            return 1
        # Group 0 stops last: the services stop first, while the broker can still take their last records.
        supervisor.add("broker", _broker_starter(EmbeddedBroker(port, log_file=log_dir / "broker.log")),
                       stop_group=0, hint="var/log/broker.log")
    for service in all_settings:
        supervisor.add(service, _service_starter(service, log_dir / f"{service}.log"), hint=f"var/log/{service}.log")
    urls = {service: f"http://{settings.host}:{settings.port}" for service, settings in all_settings.items()}

    def when_started() -> bool:
        not_ready = _wait_until_ready(urls, supervisor)
        if not_ready:
            print(f"not ready: {', '.join(not_ready)}; see var/log/<service>.log", file=sys.stderr)
            return False
        _print_banner(urls, shared, f"{host}:{port}")
        if demo:
            from debtflow.common.demo import run_demo

            run_demo(host=shared.host)
        return True

    return supervise(supervisor, after_start=when_started)
