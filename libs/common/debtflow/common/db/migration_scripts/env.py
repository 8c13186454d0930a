"""The Alembic environment every service shares: its revisions live in `debtflow/<service>/migrations/`."""

from debtflow.common.db.migrations import run_env

run_env()
