"""Each collection case records its lender (the tenant of the classification events), so an escalation that a
collector starts over HTTP announces the tenant too. Cases from before stay unattributed until their next
classification event, and their consumers fall back on the debt's registration (docs/tenants.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collection_cases") as batch_op:
        batch_op.add_column(sa.Column("tenant", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("collection_cases") as batch_op:
        batch_op.drop_column("tenant")
