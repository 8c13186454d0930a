"""Contact policy: holds from crm, each borrower's context (time zone, preferences, consent), the contact attempts
the frequency caps count, and the audit of every decision.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "contact_holds",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("debt_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=True),
        sa.Column("detail", sa.String(32), nullable=True),
        sa.Column("allowed_times", sa.JSON(), nullable=True),
        sa.Column("contact_point_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_contact_holds_borrower", "contact_holds", ["borrower_id", "tenant"])
    op.create_table(
        "contact_borrowers",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("intake_version", sa.Integer(), nullable=False),
        sa.Column("preferences_version", sa.Integer(), nullable=False),
        sa.Column("opted_out_channels", sa.JSON(), nullable=False),
        sa.Column("preferred_times", sa.JSON(), nullable=False),
        sa.Column("collection_consent", sa.String(16), nullable=True),
        sa.Column("collection_consent_at", UTCDateTime(), nullable=True),
        sa.Column("third_party_consent", sa.String(16), nullable=True),
        sa.Column("third_party_consent_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_contact_borrowers_borrower", "contact_borrowers", ["borrower_id", "tenant"])
    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("contact_point_id", sa.Uuid(), nullable=True),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("agency", sa.String(64), nullable=True),
        sa.Column("connected", sa.Boolean(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("action_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_contact_attempts_borrower_at", "contact_attempts", ["borrower_id", "at"])
    op.create_table(
        "contact_decisions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("contact_point_id", sa.Uuid(), nullable=True),
        sa.Column("agency", sa.String(64), nullable=True),
        sa.Column("collectors", sa.Integer(), nullable=False),
        sa.Column("email_kind", sa.String(16), nullable=True),
        sa.Column("connected", sa.Boolean(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(400), nullable=False),
        sa.Column("not_before", UTCDateTime(), nullable=True),
        sa.Column("action_id", sa.Uuid(), nullable=True),
        sa.Column("actor_subject", sa.String(128), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_contact_decisions_decided", "contact_decisions", ["decided_at", "id"])
    op.create_index("ix_contact_decisions_debt", "contact_decisions", ["debt_id", "decided_at"])
    op.create_index("ix_contact_decisions_borrower", "contact_decisions", ["borrower_id", "decided_at"])


def downgrade() -> None:
    for table in ("contact_decisions", "contact_attempts", "contact_borrowers", "contact_holds"):
        op.drop_table(table)
