"""Channels: the contact data replica (encrypted at rest), template versions, messages sent and delivery receipts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.types import BIG_ID, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_borrowers",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=True),
        sa.Column("listed", sa.JSON(), nullable=False),
        sa.Column("intake_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("tenant", "borrower_id", name="uq_channel_borrowers_tenant_borrower"),
    )
    op.create_index("ix_channel_borrowers_borrower_id", "channel_borrowers", ["borrower_id"])
    op.create_table(
        "channel_contact_points",
        sa.Column("contact_point_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value_enc", sa.Text(), nullable=False),
        sa.Column("lookup_hash", sa.String(64), nullable=False),
        sa.Column("belongs_to", sa.String(16), nullable=False),
        sa.Column("relationship", sa.String(32), nullable=True),
        sa.Column("verification", sa.String(16), nullable=False),
        sa.Column("do_not_use", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_channel_contact_points_tenant_borrower", "channel_contact_points", ["tenant", "borrower_id"])
    op.create_table(
        "message_templates",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("tone", sa.String(16), nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("placeholders", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("code", "channel", "language", "tone", "audience", "version",
                            name="uq_message_templates_version"),
    )
    op.create_index("ix_message_templates_code", "message_templates", ["code"])
    op.create_table(
        "channel_messages",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("contact_point_id", sa.Uuid(), nullable=True),
        sa.Column("template_code", sa.String(64), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("gateway", sa.String(16), nullable=False),
        sa.Column("recipient_masked", sa.String(400), nullable=False),
        sa.Column("subject_enc", sa.Text(), nullable=True),
        sa.Column("body_enc", sa.Text(), nullable=False),
        sa.Column("opt_out_included", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_message_id", sa.String(128), nullable=True),
        sa.Column("failure", sa.String(200), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_channel_messages_action_id", "channel_messages", ["action_id"])
    op.create_index("ix_channel_messages_debt_id", "channel_messages", ["debt_id"])
    op.create_table(
        "channel_receipts",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("gateway", sa.String(16), nullable=False),
        sa.Column("receipt_id", sa.String(128), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("gateway", "receipt_id", name="uq_channel_receipts_receipt"),
    )
    op.create_index("ix_channel_receipts_message_id", "channel_receipts", ["message_id"])


def downgrade() -> None:
    for table in ("channel_receipts", "channel_messages", "message_templates", "channel_contact_points",
                  "channel_borrowers"):
        op.drop_table(table)
