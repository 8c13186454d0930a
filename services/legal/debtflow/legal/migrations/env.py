"""Alembic environment for legal (run through `debtflow migrate` or at service start-up)."""

from debtflow.common.db.migrations import run_env
from debtflow.legal.models import Base

run_env(Base.metadata)
