"""The Makefile as a developer runs it: quiet, with no warnings about its own settings."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def test_make_install_prints_no_deprecation_warning() -> None:
    # Without the developer's own UV_* choices: only what the Makefile sets is under test.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("UV_")}
    result = subprocess.run(["make", "-s", "install"], cwd=REPOSITORY, env=environment, capture_output=True,
                            text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "deprecated" not in output.lower(), output


def test_make_lint_passes() -> None:
    """The house style's mechanical part (ruff, configured in pyproject.toml) holds on the whole repository."""
    result = subprocess.run(["make", "-s", "lint"], cwd=REPOSITORY, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
