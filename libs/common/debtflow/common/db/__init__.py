"""Database plumbing: engines, column types, the outbox/inbox tables, the unit of work, migrations."""

from debtflow.common.db.engine import create_engine, is_sqlite, normalise_url, session_factory
from debtflow.common.db.messaging_tables import MessagingTables, add_messaging_tables
from debtflow.common.db.sums import money_sum
from debtflow.common.db.types import BIG_ID, Money, UTCDateTime
from debtflow.common.db.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "BIG_ID",
    "MessagingTables",
    "Money",
    "UTCDateTime",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "add_messaging_tables",
    "create_engine",
    "is_sqlite",
    "money_sum",
    "normalise_url",
    "session_factory",
]
