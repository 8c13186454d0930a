# debtflow: `make run` starts everything on embedded defaults; `make test` runs the whole test suite.
SHELL := /bin/bash
UV_VERSION := 0.13.9
# Use uv from PATH if there is one; otherwise bootstrap a pinned uv into .tools/ with the system Python.
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
# Trust the operating system's certificate store too (machines behind a TLS-inspecting proxy add theirs there).
# UV_SYSTEM_CERTS, not UV_NATIVE_TLS: uv 0.13 deprecated the old name and warns about it on every command.
export UV_SYSTEM_CERTS ?= 1

.PHONY: install run demo test lint docs docs-check bench clean

$(CURDIR)/.tools/bin/uv:
	@python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "debtflow needs Python 3.11 or newer")'
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --all-packages --frozen

run: install
	$(UV) run --frozen debtflow run

demo: install
	$(UV) run --frozen debtflow run --demo

test: install
	$(UV) run --frozen pytest

lint: install
	$(UV) run --frozen ruff check .

docs: install
	$(UV) run --frozen debtflow docs

docs-check: install
	$(UV) run --frozen debtflow docs --check

bench: install
	$(UV) run --frozen python bench/pipeline.py

# Starts over: the services' SQLite databases and logs live under var/ (the embedded broker keeps nothing).
clean:
	rm -rf var .pytest_cache
