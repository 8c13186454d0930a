"""`WORKERS`: a service as several uvicorn worker processes on one SQLite file; every event is published once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import uuid
from pathlib import Path

import httpx

from conftest import kafka_options
from debtflow.common.embedded import EmbeddedBroker, free_port
from debtflow.common.events import events_topic
from debtflow.common.launcher import start_service
from debtflow.common.messaging.kafka import KafkaBus
from support import token
from support.faults import some_defaults
from support.messaging import read_topic

LENDER = token("lender", subject="lending-core-a")
ADMIN = token("admin", subject="ops-1")
DEFAULTS = 40


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout.split()
    return [int(child) for child in found]


async def _ready(client: httpx.AsyncClient, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        assert process.poll() is None, f"intake exited:\n{log.read_text()[-3000:]}"
        try:
            if (await client.get(f"{url}/readyz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"intake was not ready:\n{log.read_text()[-3000:]}")


async def test_two_workers_share_the_requests_and_publish_each_event_once(tmp_path: Path,
                                                                          broker: EmbeddedBroker) -> None:
    prefix = f"w{uuid.uuid4().hex[:8]}."
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DEBTFLOW_")}
    environment |= {
        "DEBTFLOW_INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}",
        "DEBTFLOW_INTAKE_PORT": str(port), "DEBTFLOW_INTAKE_WORKERS": "2",
        "DEBTFLOW_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers, "DEBTFLOW_TOPIC_PREFIX": prefix,
    }
    log = tmp_path / "intake.log"
    with open(log, "ab") as output:
        process = start_service("intake", output, env=environment, cwd=tmp_path)
    url = f"http://127.0.0.1:{port}"
    bus = KafkaBus(kafka_options(broker))
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            await _ready(client, url, process, log)
            assert len(_children(process.pid)) >= 2, "uvicorn runs two worker processes"
            replies = await asyncio.gather(*(client.post(f"{url}/v1/defaults", headers=LENDER, json=default)
                                             for default in some_defaults(prefix.upper(), DEFAULTS)))
            assert [reply.status_code for reply in replies] == [201] * DEFAULTS, replies[0].text
            for _ in range(150):
                status = (await client.get(f"{url}/admin/outbox", headers=ADMIN)).json()
                if status["pending"] == 0:
                    break
                await asyncio.sleep(0.2)
            assert status["pending"] == 0, status
        published = status["retained_published"]  # every event intake wrote (a registration may emit several)
        assert published >= DEFAULTS
        records = await read_topic(bus, events_topic("intake", prefix), published, timeout=30)
    finally:
        await bus.stop()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    ids = [record.header("ce_id") for record in records]
    assert len(ids) == len(set(ids)) == published, "each event on the bus once: one relay published"
