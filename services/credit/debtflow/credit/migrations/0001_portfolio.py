"""Portfolio read model, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.messaging_tables import create_messaging_tables_v1, drop_messaging_tables
from debtflow.common.db.types import Money, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables_v1(op)
    op.create_table(
        "portfolio_debts",
        sa.Column("debt_id", sa.Uuid(), primary_key=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("exposure", Money(), nullable=False),
        sa.Column("facts_as_of", sa.Date(), nullable=False),
        sa.Column("dpd_bucket", sa.String(16), nullable=True),
        sa.Column("five_tier_class", sa.String(16), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_portfolio_debts_borrower_id", "portfolio_debts", ["borrower_id"])


def downgrade() -> None:
    op.drop_table("portfolio_debts")
    drop_messaging_tables(op)
