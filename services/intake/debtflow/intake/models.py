"""Intake's declarative base: every capability's tables, with the outbox, inbox and idempotency keys."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from debtflow.common.db import add_messaging_tables
from debtflow.common.web.idempotency import add_idempotency_table


class Base(DeclarativeBase):
    pass


add_messaging_tables(Base.metadata)
idempotency_keys = add_idempotency_table(Base.metadata)
