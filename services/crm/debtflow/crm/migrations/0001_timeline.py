"""Borrower interaction timeline, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.messaging_tables import create_messaging_tables_v1, drop_messaging_tables
from debtflow.common.db.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables_v1(op)
    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("debt_id", sa.Uuid(), nullable=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("source_service", sa.String(32), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
    )
    op.create_index("ix_timeline_borrower_time", "timeline_entries", ["borrower_id", "occurred_at", "id"])


def downgrade() -> None:
    op.drop_table("timeline_entries")
    drop_messaging_tables(op)
