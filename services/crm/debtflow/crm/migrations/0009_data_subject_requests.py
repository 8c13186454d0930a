"""crm: data-subject requests (exports and corrections), for audit.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

import debtflow.common.db.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_subject_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('requested_by', sa.String(length=128), nullable=False),
    sa.Column('requested_at', debtflow.common.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', debtflow.common.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('data_subject_requests', schema=None) as batch_op:
        batch_op.create_index('ix_data_subject_requests_borrower',
                              ['tenant', 'borrower_id', 'requested_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('data_subject_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_data_subject_requests_borrower')

    op.drop_table('data_subject_requests')
