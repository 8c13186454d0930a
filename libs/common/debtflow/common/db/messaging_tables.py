"""The outbox, inbox and broker-identity tables every service keeps in its own database, beside its domain tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Text, text

from debtflow.common.db.types import UTCDateTime

_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite only auto-increments INTEGER PRIMARY KEY


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    broker_seen: Table


def _outbox_columns() -> list[Any]:
    return [
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(128), nullable=False),
        Column("topic", String(255), nullable=False),
        Column("message_key", String(255), nullable=False),
        Column("envelope", Text, nullable=False),
        Column("occurred_at", UTCDateTime, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("published_at", UTCDateTime, nullable=True),
        Column("publish_attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text, nullable=True),
    ]


def _inbox_columns() -> list[Any]:
    return [
        Column("consumer", String(128), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(128), nullable=False),
        Column("received_at", UTCDateTime, nullable=False),
    ]


def _broker_seen_columns() -> list[Any]:
    # One row: the cluster id of the broker the relay last published to. When the broker answering has
    # another id, it is a new broker (an in-memory one restarted, a cluster rebuilt) that may have lost
    # what was published; the relay then publishes every retained event again (see messaging/relay.py).
    return [
        Column("bus", String(32), primary_key=True),
        Column("cluster_id", String(255), nullable=False),
        Column("seen_at", UTCDateTime, nullable=False),
    ]


def _pending_index() -> dict[str, Any]:
    # Partial index: the relay's "unpublished rows in id order" query stays fast however much is retained.
    return {
        "postgresql_where": text("published_at IS NULL"),
        "sqlite_where": text("published_at IS NULL"),
    }


def add_messaging_tables(metadata: MetaData) -> MessagingTables:
    """Declare `outbox` and `inbox` in a service's metadata."""
    outbox = Table("outbox", metadata, *_outbox_columns())
    Index("ix_outbox_pending", outbox.c.id, **_pending_index())
    Index("ix_outbox_occurred_at", outbox.c.occurred_at)  # replay selects by time range
    inbox = Table("inbox", metadata, *_inbox_columns())
    Index("ix_inbox_received_at", inbox.c.received_at)  # housekeeping deletes ids past their retention by age
    broker_seen = Table("broker_seen", metadata, *_broker_seen_columns())
    return MessagingTables(outbox=outbox, inbox=inbox, broker_seen=broker_seen)


def messaging_tables_of(metadata: MetaData) -> MessagingTables:
    """The messaging tables a service declared with add_messaging_tables (a clear error if it did not)."""
    try:
        return MessagingTables(outbox=metadata.tables["outbox"], inbox=metadata.tables["inbox"],
                               broker_seen=metadata.tables["broker_seen"])
    except KeyError:
        raise LookupError("the service's models must call add_messaging_tables(Base.metadata)") from None


def create_messaging_tables(op: Any) -> None:
    """Alembic operations creating both tables as they are now; a new service's first migration calls this."""
    create_messaging_tables_v1(op)
    create_inbox_age_index(op)
    create_broker_seen_table(op)


def create_messaging_tables_v1(op: Any) -> None:
    """Both tables as the first six services' first migrations created them. Frozen: a released migration must
    do the same thing forever, so later changes to these tables are new functions called by new migrations."""
    op.create_table("outbox", *_outbox_columns())
    op.create_index("ix_outbox_pending", "outbox", ["id"], **_pending_index())
    op.create_index("ix_outbox_occurred_at", "outbox", ["occurred_at"])
    op.create_table("inbox", *_inbox_columns())


def create_inbox_age_index(op: Any) -> None:
    """The index housekeeping purges the inbox by (each of the first six services adds it in a migration)."""
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"])


def create_broker_seen_table(op: Any) -> None:
    """The broker identity the relay compares each broker against (each of the first six services adds it)."""
    op.create_table("broker_seen", *_broker_seen_columns())


def drop_messaging_tables(op: Any) -> None:
    op.drop_table("broker_seen", if_exists=True)  # the first six services drop it in its own migration first
    op.drop_table("inbox")
    op.drop_index("ix_outbox_occurred_at", table_name="outbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
