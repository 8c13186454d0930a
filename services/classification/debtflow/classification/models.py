"""Classification's declarative base: every capability's tables, with the outbox and inbox, in one metadata."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from debtflow.common.db import add_messaging_tables


class Base(DeclarativeBase):
    pass


add_messaging_tables(Base.metadata)
