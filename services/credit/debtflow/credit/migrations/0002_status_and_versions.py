"""Portfolio rows follow intake's versions (exposure after payments, status) and classification's dates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portfolio_debts") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="open"))
        batch.add_column(sa.Column("intake_version", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch.add_column(sa.Column("classified_as_of", sa.Date(), nullable=True))
    op.execute("UPDATE portfolio_debts SET classified_as_of = facts_as_of WHERE dpd_bucket IS NOT NULL")
    with op.batch_alter_table("portfolio_debts") as batch:
        batch.drop_column("facts_as_of")
        batch.alter_column("status", server_default=None)
        batch.alter_column("intake_version", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("portfolio_debts") as batch:
        batch.add_column(sa.Column("facts_as_of", sa.Date(), nullable=True))
    op.execute("UPDATE portfolio_debts SET facts_as_of = classified_as_of")
    with op.batch_alter_table("portfolio_debts") as batch:
        batch.drop_column("classified_as_of")
        batch.drop_column("intake_version")
        batch.drop_column("status")
