"""Collection cases, outbox and inbox.

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
        "collection_cases",
        sa.Column("debt_id", sa.Uuid(), primary_key=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("dpd_bucket", sa.String(16), nullable=False),
        sa.Column("five_tier_class", sa.String(16), nullable=False),
        sa.Column("classified_as_of", sa.Date(), nullable=False),
        sa.Column("strategy_code", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("next_action_channel", sa.String(16), nullable=False),
        sa.Column("next_action_at", UTCDateTime(), nullable=False),
        sa.Column("assigned_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
        sa.Column("escalation_reason", sa.String(64), nullable=True),
    )
    op.create_index("ix_collection_cases_borrower_id", "collection_cases", ["borrower_id"])
    op.create_index("ix_collection_cases_strategy_code", "collection_cases", ["strategy_code"])


def downgrade() -> None:
    op.drop_table("collection_cases")
    drop_messaging_tables(op)
