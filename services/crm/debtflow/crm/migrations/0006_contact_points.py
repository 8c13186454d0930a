"""crm: contact points (a borrower's phones, emails and addresses) and their revisions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

import debtflow.common.db.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_points',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('tenant', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value_enc', sa.Text(), nullable=False),
    sa.Column('lookup_hash', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('belongs_to', sa.String(length=16), nullable=False),
    sa.Column('relationship', sa.String(length=32), nullable=True),
    sa.Column('verification', sa.String(length=16), nullable=False),
    sa.Column('last_successful_contact_at', debtflow.common.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('do_not_use', sa.Boolean(), nullable=False),
    sa.Column('do_not_use_reason', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=128), nullable=False),
    sa.Column('created_at', debtflow.common.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', debtflow.common.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contact_points', schema=None) as batch_op:
        batch_op.create_index('ix_contact_points_lookup', ['tenant', 'kind', 'lookup_hash'], unique=False)
        batch_op.create_index('ix_contact_points_tenant_borrower', ['tenant', 'borrower_id', 'status'], unique=False)

    op.create_table('contact_point_revisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('contact_point_id', sa.Uuid(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('state_enc', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=128), nullable=False),
    sa.Column('changed_at', debtflow.common.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['contact_point_id'], ['contact_points.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('contact_point_id', 'revision', name='uq_contact_point_revisions_revision')
    )


def downgrade() -> None:
    op.drop_table('contact_point_revisions')
    with op.batch_alter_table('contact_points', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_points_tenant_borrower')
        batch_op.drop_index('ix_contact_points_lookup')

    op.drop_table('contact_points')
