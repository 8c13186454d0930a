"""Hostile bodies benchmark: the memory a real intake process holds while callers without a token send it huge bodies.

    uv run python bench/hostile_bodies.py [--bodies 8] [--mib 100] [--chunked] [--lender]

It starts intake as a real uvicorn process (one worker, SQLite in a temporary directory, the in-process bus: no
broker is involved), reads its resident set (VmRSS) once it is ready, then sends `--bodies` concurrent
`POST /v1/defaults` of `--mib` MiB each without a token (with a Content-Length, or chunked with `--chunked`;
with `--lender`, a lending core's valid token: then the body limit refuses them), generated lazily so the
benchmark itself holds none of it. It reports each answer (or the connection error a client sees when the server
answers and closes without reading the rest), how many bytes the client generated (what the socket accepted;
the server may have discarded them unread),
the wall time, and the peak resident set (VmHWM) of intake. Issue 9 measured 137 MB -> 1.03 GB peak before the
request gate; nothing here asserts a figure. Figures go to bench/results/hostile-bodies-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from benchkit import mib, package_versions, vm_kib, write_report

from debtflow.common.auth import TokenService
from debtflow.common.embedded import free_port
from debtflow.common.launcher import start_service
from debtflow.common.settings import DEVELOPMENT_AUTH_SECRET

READY_TIMEOUT = 90.0
CHUNK = 1024 * 1024




class LazyBody:
    """`size` bytes of JSON whitespace, one shared chunk at a time, counting what was sent."""

    def __init__(self, size: int) -> None:
        self.size, self.sent = size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        piece = b" " * CHUNK
        while self.sent < self.size:
            self.sent += CHUNK
            yield piece


async def send_one(client: httpx.AsyncClient, url: str, size: int, chunked: bool,
                   authorization: dict[str, str]) -> tuple[str, int]:
    body = LazyBody(size)
    headers = {"Content-Type": "application/json", **authorization,
               **({} if chunked else {"Content-Length": str(size)})}
    try:
        reply = await client.post(f"{url}/v1/defaults", content=body, headers=headers)
        return str(reply.status_code), body.sent
    except httpx.HTTPError as error:  # the server answered and closed before the client finished sending
        return type(error).__name__, body.sent


async def wait_ready(client: httpx.AsyncClient, url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"intake exited with {process.returncode}")
        try:
            if (await client.get(f"{url}/livez", timeout=2)).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("intake was not ready in time")


async def run(bodies: int, size_mib: int, chunked: bool, lender: bool) -> dict[str, Any]:
    authorization = {}
    if lender:
        issued = TokenService(secret=DEVELOPMENT_AUTH_SECRET).issue(subject="bench-core", roles=["lender"])
        authorization = {"Authorization": f"Bearer {issued}"}
    directory = Path(tempfile.mkdtemp(prefix="hostile-bodies-"))
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DEBTFLOW_")}
    environment.update({"DEBTFLOW_INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'intake.db'}",
                        "DEBTFLOW_INTAKE_HOST": "127.0.0.1", "DEBTFLOW_INTAKE_PORT": str(port),
                        "DEBTFLOW_INTAKE_BUS": "memory"})
    url = f"http://127.0.0.1:{port}"
    with open(directory / "intake.log", "ab") as log_file:
        process = start_service("intake", log_file, env=environment)
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(300, connect=10),
                                     limits=httpx.Limits(max_connections=bodies)) as client:
            await wait_ready(client, url, process)
            await asyncio.sleep(1.0)  # let start-up allocations settle
            rss_before = vm_kib(process.pid, "VmRSS")
            started = time.perf_counter()
            answers = await asyncio.gather(*(send_one(client, url, size_mib * CHUNK, chunked, authorization)
                                             for _ in range(bodies)))
            seconds = time.perf_counter() - started
            peak = vm_kib(process.pid, "VmHWM")
            rss_after = vm_kib(process.pid, "VmRSS")
            alive = (await client.get(f"{url}/livez")).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return {
        "bodies": bodies, "mib_each": size_mib, "chunked": chunked, "lender_token": lender,
        "answers": dict(Counter(answer for answer, _ in answers)),
        "client_generated_mib": round(sum(sent for _, sent in answers) / CHUNK, 1),
        "seconds": round(seconds, 2),
        "rss_before_mib": mib(rss_before), "peak_rss_mib": mib(peak), "rss_after_mib": mib(rss_after),
        "checks": {"intake still live": alive},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bodies", type=int, default=8, help="concurrent unauthenticated requests")
    parser.add_argument("--mib", type=int, default=100, help="size of each body in MiB")
    parser.add_argument("--chunked", action="store_true", help="send without Content-Length")
    parser.add_argument("--lender", action="store_true", help="send a valid lender token (the size limit refuses)")
    options = parser.parse_args()
    started_at = datetime.now(UTC).isoformat()
    result = asyncio.run(run(options.bodies, options.mib, options.chunked, options.lender))
    for name, value in result.items():
        print(f"{name:>18}: {value}")
    report = {"meta": {"started_at": started_at, "versions": package_versions("fastapi", "starlette", "uvicorn")},
              "results": {"intake": result}}
    raise SystemExit(0 if write_report("hostile-bodies", report) else 1)


if __name__ == "__main__":
    main()
