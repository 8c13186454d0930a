"""Current classifications, their history, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.messaging_tables import create_messaging_tables, drop_messaging_tables
from debtflow.common.db.types import Money, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "classifications",
        sa.Column("debt_id", sa.Uuid(), primary_key=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("exposure", Money(), nullable=False),
        sa.Column("first_unpaid_due_date", sa.Date(), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("dpd_bucket", sa.String(16), nullable=False),
        sa.Column("five_tier_class", sa.String(16), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("ruleset_version", sa.String(64), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("first_classified_at", UTCDateTime(), nullable=False),
        sa.Column("classified_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_classifications_borrower_id", "classifications", ["borrower_id"])
    op.create_index("ix_classifications_dpd_bucket", "classifications", ["dpd_bucket"])
    op.create_index("ix_classifications_five_tier_class", "classifications", ["five_tier_class"])
    op.create_table(
        "classification_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("debt_id", sa.Uuid(), sa.ForeignKey("classifications.debt_id"), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("dpd_bucket", sa.String(16), nullable=False),
        sa.Column("five_tier_class", sa.String(16), nullable=False),
        sa.Column("exposure", Money(), nullable=False),
        sa.Column("ruleset_version", sa.String(64), nullable=False),
        sa.Column("cause_event_id", sa.String(64), nullable=False),
        sa.Column("classified_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_classification_history_debt_id", "classification_history", ["debt_id"])


def downgrade() -> None:
    op.drop_table("classification_history")
    op.drop_table("classifications")
    drop_messaging_tables(op)
