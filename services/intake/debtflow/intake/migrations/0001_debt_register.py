"""Debt register, outbox and inbox.

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
        "debts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("source_system", sa.String(64), nullable=False),
        sa.Column("loan_id", sa.String(64), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("principal_outstanding", Money(), nullable=False),
        sa.Column("interest_outstanding", Money(), nullable=False),
        sa.Column("fees_outstanding", Money(), nullable=False),
        sa.Column("first_unpaid_due_date", sa.Date(), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source_system", "loan_id", name="uq_debts_source_loan"),
    )
    op.create_index("ix_debts_borrower_id", "debts", ["borrower_id"])


def downgrade() -> None:
    op.drop_table("debts")
    drop_messaging_tables(op)
