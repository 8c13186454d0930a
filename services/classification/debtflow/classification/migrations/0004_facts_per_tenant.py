"""Facts per tenant: each debt's facts record its lender, so contagion and borrower-wide events stay within one
lender's customers. Existing rows stay null until the next event carrying the debt's tenant.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("debt_facts") as batch_op:
        batch_op.add_column(sa.Column("tenant", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("debt_facts") as batch_op:
        batch_op.drop_column("tenant")
