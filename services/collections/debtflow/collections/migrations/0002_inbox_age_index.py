"""Index the inbox by the time each event was received, so housekeeping can purge ids past their retention.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from alembic import op

from debtflow.common.db.messaging_tables import create_inbox_age_index

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_inbox_age_index(op)


def downgrade() -> None:
    op.drop_index("ix_inbox_received_at", table_name="inbox")
