"""The README runs as pasted: `./debtflow run` on its embedded defaults, then every ```sh block of the README and
the banner's example, in a fresh shell (no uv on PATH, no DEBTFLOW_* variables), each command checked.

Convention: a ```sh block in README.md is run here, in order, sharing variables; a block that cannot run against
the embedded stack (starting it, pointing at external Kafka) is fenced ```console instead.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from debtflow.common.docs import repo_root
from debtflow.common.services import installed_services

pytestmark = pytest.mark.e2e

ROOT = repo_root()
READY_SECONDS = 120
#: Blocks that only read may run before the other services have heard of what was just posted: retried.
READ_RETRIES = 30
PRELUDE = """set -euo pipefail
set -a  # every variable a block sets is kept for the next block
[ -f state.sh ] && . ./state.sh
# As pasted, but a failing request fails the block (the README's curl -s would print the problem and go on).
curl() { command curl --fail-with-body --show-error "$@"; }
"""
EPILOGUE = "\nexport -p > state.sh\n"


def sh_blocks(text: str) -> list[str]:
    return [match.group(1) for match in re.finditer(r"^```sh\n(.*?)^```", text, re.S | re.M)]


def _fresh_environment(home: Path) -> dict[str, str]:
    """What a new terminal has: a plain PATH without uv, no debtflow settings."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))}


def _busy_ports() -> list[int]:
    ports = [service.default_port for service in installed_services().values()] + [9092]
    busy = []
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(port)
    return busy


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str], Path]]:
    """`./debtflow run` from a directory of its own (its var/ there), through a symlink to the wrapper."""
    busy = _busy_ports()
    assert not busy, f"the README's ports {busy} are taken: stop `make run` (or whatever holds them) first"
    workdir = tmp_path_factory.mktemp("readme")
    (workdir / "debtflow").symlink_to(ROOT / "debtflow")
    environment = _fresh_environment(workdir)
    banner = workdir / "banner.txt"
    with open(banner, "wb") as output:
        launcher = subprocess.Popen(["./debtflow", "run"], cwd=workdir, env=environment, stdout=output,
                                    stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_ready(launcher, banner)
        yield workdir, environment, banner
    finally:
        launcher.send_signal(signal.SIGINT)
        try:
            launcher.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)


def _wait_until_ready(launcher: subprocess.Popen[bytes], banner: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if launcher.poll() is not None:
            raise AssertionError(f"`./debtflow run` exited with {launcher.returncode}:\n{banner.read_text()}")
        if "Press Ctrl-C" in banner.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise AssertionError(f"`./debtflow run` was not ready in {READY_SECONDS}s:\n{banner.read_text()}")


def _run(block: str, workdir: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", PRELUDE + block + EPILOGUE], cwd=workdir, env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_banner_says_how_to_make_tokens_and_its_example_runs(stack: tuple[Path, dict[str, str], Path]) -> None:
    workdir, environment, banner = stack
    text = banner.read_text()
    assert "./debtflow token --role supervisor" in text and "uv run" not in text, text
    example = text.split("):\n", 1)[1].split("Press Ctrl-C", 1)[0]
    result = _run(example, workdir, environment)
    assert result.returncode == 0, f"the banner's example failed:\n{example}\n{result.stdout}\n{result.stderr}"
    assert '"loan_id":"LN-1"' in result.stdout


def test_every_sh_block_of_the_readme_runs_as_pasted(stack: tuple[Path, dict[str, str], Path]) -> None:
    workdir, environment, _ = stack
    blocks = sh_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 5, "the README's examples are ```sh blocks"
    for number, block in enumerate(blocks, start=1):
        attempts = 1 if "-X POST" in block or "./debtflow" in block.replace("./debtflow token", "") else READ_RETRIES
        for _attempt in range(attempts):
            result = _run(block, workdir, environment)
            if result.returncode == 0:
                break
            time.sleep(1)
        assert result.returncode == 0, (f"README block {number} failed after {attempts} attempt(s):\n{block}\n"
                                        f"--- stdout\n{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}")


def test_no_readme_command_needs_uv_on_the_path() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "uv run" not in text, "use ./debtflow: uv is not on PATH when make bootstrapped it into .tools/"


def test_the_stack_answers_on_the_documented_ports(stack: tuple[Path, dict[str, str], Path]) -> None:
    for service in installed_services().values():
        assert httpx.get(f"http://127.0.0.1:{service.default_port}/readyz", timeout=5).status_code == 200


MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_documentation_links_only_to_files_in_the_repository() -> None:
    """A clone is all a reader has: no link may point outside it (as the README once did to ../shared/) or to a
    file that is not there."""
    documents = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md")),
                 *sorted(ROOT.glob("*/README.md")), *sorted(ROOT.glob("services/*/README.md"))]
    broken = []
    for document in documents:
        for target in MARKDOWN_LINK.findall(document.read_text()):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            resolved = (document.parent / target).resolve()
            if not resolved.is_relative_to(ROOT.resolve()) or not resolved.exists():
                broken.append(f"{document.relative_to(ROOT)}: {target}")
    assert not broken, broken
