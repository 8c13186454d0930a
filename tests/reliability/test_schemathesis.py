"""Schemathesis against every service's own OpenAPI document, as a lending core and as staff: no server error, and
every answer (status, content type, headers, body) is one the document declares.

The services run as real processes on PostgreSQL and the embedded broker; the example count per operation is
bounded (`EXAMPLES`) so the whole run stays within a couple of minutes.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from debtflow.common.embedded import EmbeddedBroker
from debtflow.common.services import service_names
from support import token
from support.stack import Stack, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

EXAMPLES = 15
SEED = 20261202  # reproducible: the same cases each run, so a failure is the code's, not the dice's
CHECKS = ",".join(["not_a_server_error", "status_code_conformance", "content_type_conformance",
                   "response_headers_conformance", "response_schema_conformance"])
CALLERS = {
    "lender": token("lender", subject="schemathesis-core"),
    "staff": token("supervisor", subject="schemathesis-supervisor", permissions=["pii:read"]),
}


@pytest.fixture(scope="module")
async def stack(broker: EmbeddedBroker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    directory: Path = tmp_path_factory.mktemp("schemathesis")
    async with running_stack(broker, directory, topic_prefix=f"st{uuid.uuid4().hex[:8]}.") as running:
        yield running


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("service", service_names())
def test_every_answer_is_documented_and_none_is_a_server_error(stack: Stack, service: str, caller: str,
                                                                tmp_path: Path) -> None:
    url = stack.url(service, "/openapi.json")
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", url, "--checks", CHECKS, "--max-examples", str(EXAMPLES),
        "--seed", str(SEED), "--phases", "examples,coverage,fuzzing", "--generation-database", "none",
        "--no-color", "--header", f"Authorization: {CALLERS[caller]['Authorization']}",
        # The operational endpoints are not the API under test (and replay would republish everything).
        "--exclude-path-regex", "^/(admin|metrics)",
        "--request-timeout", "20", "--max-failures", "20",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False)
    assert result.returncode == 0, f"schemathesis found failures on {service} as {caller}:\n{result.stdout[-12000:]}"
