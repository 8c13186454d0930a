"""Debt facts, pauses, classifications with every dimension, their history, bucket history, rule sets,
re-ageing runs, outbox and inbox.

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

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_messaging_tables_v1(op)
    op.create_table(
        "debt_facts",
        sa.Column("debt_id", sa.Uuid(), primary_key=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("exposure", Money(), nullable=False),
        sa.Column("past_due_amount", Money(), nullable=True),
        sa.Column("first_unpaid_due_date", sa.Date(), nullable=True),
        sa.Column("facts_as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("intake_version", sa.Integer(), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("restructured_on", sa.Date(), nullable=True),
        sa.Column("collection_score", sa.Numeric(5, 4), nullable=True),
        sa.Column("limitation_expires_on", sa.Date(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_debt_facts_borrower_id", "debt_facts", ["borrower_id"])
    op.create_table(
        "pauses",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("debt_id", sa.Uuid(), sa.ForeignKey("debt_facts.debt_id"), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("source_ref", sa.String(64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_pauses_debt_id", "pauses", ["debt_id"])
    op.create_table(
        "classifications",
        sa.Column("debt_id", sa.Uuid(), sa.ForeignKey("debt_facts.debt_id"), primary_key=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("exposure", Money(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("dpd_bucket", sa.String(16), nullable=False),
        sa.Column("five_tier_class", sa.String(16), nullable=False),
        sa.Column("ifrs9_stage", sa.Integer(), nullable=False),
        sa.Column("stage_improving_since", sa.Date(), nullable=True),
        sa.Column("default_flag", sa.Boolean(), nullable=False),
        sa.Column("overdue_type", sa.String(24), nullable=False),
        sa.Column("priority_score", Money(), nullable=False),
        sa.Column("priority_tier", sa.String(2), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("ruleset_version", sa.String(64), nullable=False),
        sa.Column("next_change_on", sa.Date(), nullable=True),
        sa.Column("registered_at", UTCDateTime(), nullable=True),
        sa.Column("first_classified_at", UTCDateTime(), nullable=False),
        sa.Column("classified_at", UTCDateTime(), nullable=False),
        sa.Column("seconds_to_classify", sa.Integer(), nullable=True),
    )
    op.create_index("ix_classifications_borrower_id", "classifications", ["borrower_id"])
    op.create_index("ix_classifications_dpd_bucket", "classifications", ["dpd_bucket"])
    op.create_index("ix_classifications_five_tier_class", "classifications", ["five_tier_class"])
    op.create_index("ix_classifications_seconds_to_classify", "classifications", ["seconds_to_classify"])
    op.create_index("ix_classifications_priority", "classifications", ["status", "priority_score"])
    # Partial: the daily re-ageing finds the few debts whose day has come among all the others.
    op.create_index("ix_classifications_due", "classifications", ["next_change_on"],
                    postgresql_where=sa.text("next_change_on IS NOT NULL"),
                    sqlite_where=sa.text("next_change_on IS NOT NULL"))
    op.create_table(
        "classification_history",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("debt_id", sa.Uuid(), sa.ForeignKey("debt_facts.debt_id"), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("dpd_bucket", sa.String(16), nullable=False),
        sa.Column("five_tier_class", sa.String(16), nullable=False),
        sa.Column("ifrs9_stage", sa.Integer(), nullable=False),
        sa.Column("default_flag", sa.Boolean(), nullable=False),
        sa.Column("overdue_type", sa.String(24), nullable=False),
        sa.Column("priority_score", Money(), nullable=False),
        sa.Column("priority_tier", sa.String(2), nullable=False),
        sa.Column("exposure", Money(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_unpaid_due_date", sa.Date(), nullable=True),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("ruleset_version", sa.String(64), nullable=False),
        sa.Column("cause", sa.String(64), nullable=False),
        sa.Column("cause_ref", sa.String(64), nullable=True),
        sa.Column("classified_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_classification_history_debt_day", "classification_history", ["debt_id", "as_of_date", "id"])
    op.create_table(
        "bucket_history",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("debt_id", sa.Uuid(), sa.ForeignKey("debt_facts.debt_id"), nullable=False),
        sa.Column("bucket", sa.String(16), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("exited_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_bucket_history_debt", "bucket_history", ["debt_id", "entered_on"])
    op.create_index("ix_bucket_history_days", "bucket_history", ["entered_on", "exited_on"])
    op.create_table(
        "rulesets",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("version", sa.String(64), nullable=False, unique=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("activated_by", sa.String(128), nullable=True),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_rulesets_status", "rulesets", ["status"])
    op.create_table(
        "reage_runs",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("ruleset_version", sa.String(64), nullable=False),
        sa.Column("examined", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_reage_runs_as_of_date", "reage_runs", ["as_of_date"])


def downgrade() -> None:
    for table in ("reage_runs", "rulesets", "bucket_history", "classification_history", "classifications", "pauses",
                  "debt_facts"):
        op.drop_table(table)
    drop_messaging_tables(op)
