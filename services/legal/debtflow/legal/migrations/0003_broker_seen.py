"""Remember which broker the relay published to, so a new broker that lost what it held is noticed and refilled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from alembic import op

from debtflow.common.db.messaging_tables import create_broker_seen_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_broker_seen_table(op)


def downgrade() -> None:
    op.drop_table("broker_seen")
