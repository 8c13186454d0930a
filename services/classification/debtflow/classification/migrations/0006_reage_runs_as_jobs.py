"""Re-ageing runs as jobs: a rule-set activation queues its run, which reports its progress as it goes. Runs
stored before are finished daily runs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reage_runs") as batch_op:
        batch_op.add_column(sa.Column("cause", sa.String(32), nullable=False, server_default=sa.text("'reage'")))
        batch_op.add_column(sa.Column("status", sa.String(16), nullable=False,
                                      server_default=sa.text("'finished'")))
        batch_op.add_column(sa.Column("due", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("queued_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.alter_column("started_at", existing_type=UTCDateTime(), nullable=True)
        batch_op.alter_column("finished_at", existing_type=UTCDateTime(), nullable=True)
        batch_op.create_index("ix_reage_runs_status", ["status", "id"])


def downgrade() -> None:
    op.execute("DELETE FROM reage_runs WHERE status <> 'finished'")
    with op.batch_alter_table("reage_runs") as batch_op:
        batch_op.drop_index("ix_reage_runs_status")
        batch_op.alter_column("finished_at", existing_type=UTCDateTime(), nullable=False)
        batch_op.alter_column("started_at", existing_type=UTCDateTime(), nullable=False)
        for column in ("error", "heartbeat_at", "queued_at", "due", "status", "cause"):
            batch_op.drop_column(column)
