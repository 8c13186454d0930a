"""Legal cases, outbox and inbox.

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
        "legal_cases",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debt_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("five_tier_class", sa.String(16), nullable=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("cause_event_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_legal_cases_borrower_id", "legal_cases", ["borrower_id"])


def downgrade() -> None:
    op.drop_table("legal_cases")
    drop_messaging_tables(op)
