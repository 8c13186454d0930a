"""Tenants: borrowers are one per (tenant, customer id) and every debt records its tenant; the audit of cleared
borrower fields. Existing rows take their source system as tenant (before this, each lending core was its own),
and a debt that pointed at another tenant's borrower gets a borrower of its own tenant, without personal data.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import uuid

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    _tenant_columns()
    _split_shared_borrowers()
    _one_borrower_per_tenant()
    _erasures()


def _tenant_columns() -> None:
    for table in ("borrowers", "debts"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("tenant", sa.String(64), nullable=True))
        op.execute(f"UPDATE {table} SET tenant = source_system")
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("tenant", existing_type=sa.String(64), nullable=False)
    with op.batch_alter_table("debts") as batch_op:
        batch_op.create_index("ix_debts_tenant_id", ["tenant", "id"])


def _split_shared_borrowers() -> None:
    """A debt of one tenant pointing at a borrower another tenant registered gets its own borrower. Who wrote the
    shared row's personal data last is unknown, so the new row holds none (no lender gains another's data); an
    empty content hash matches nothing, so that lender's next default with a borrower block fills it in."""
    bind = op.get_bind()
    shared = bind.execute(sa.text(
        "SELECT d.tenant, d.borrower_ref, b.external_id, MIN(d.source_system) AS source_system, "
        "MIN(b.created_at) AS created_at FROM debts d JOIN borrowers b ON b.id = d.borrower_ref "
        "WHERE d.tenant <> b.tenant GROUP BY d.tenant, d.borrower_ref, b.external_id"
    ).columns(tenant=sa.String(), borrower_ref=sa.Uuid(), external_id=sa.String(), source_system=sa.String(),
              created_at=UTCDateTime())).fetchall()
    for row in shared:
        copy = uuid.uuid4()
        bind.execute(sa.text(
            "INSERT INTO borrowers (id, tenant, external_id, source_system, phones_enc, emails_enc, content_hash, "
            "version, created_at, updated_at) VALUES (:id, :tenant, :external_id, :source_system, '[]', '[]', '', 1, "
            ":created_at, :created_at)"
        ).bindparams(sa.bindparam("id", type_=sa.Uuid()), sa.bindparam("created_at", type_=UTCDateTime())),
            {"id": copy, "tenant": row.tenant, "external_id": row.external_id, "source_system": row.source_system,
             "created_at": row.created_at})
        bind.execute(sa.text("UPDATE debts SET borrower_ref = :copy WHERE tenant = :tenant AND borrower_ref = :old")
                     .bindparams(sa.bindparam("copy", type_=sa.Uuid()), sa.bindparam("old", type_=sa.Uuid())),
                     {"copy": copy, "tenant": row.tenant, "old": row.borrower_ref})


def _one_borrower_per_tenant() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's unique constraint from 0002 has no name; the convention names it so batch mode can drop it.
        with op.batch_alter_table("borrowers", naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}
                                  ) as batch_op:
            batch_op.drop_constraint("uq_borrowers_external_id", type_="unique")
    else:
        op.drop_constraint("borrowers_external_id_key", "borrowers", type_="unique")
    with op.batch_alter_table("borrowers") as batch_op:
        batch_op.create_index("ix_borrowers_external_id", ["external_id"])
        batch_op.create_unique_constraint("uq_borrowers_tenant_external", ["tenant", "external_id"])


def _erasures() -> None:
    op.create_table(
        "borrower_field_erasures",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("borrower_id", sa.Uuid(), sa.ForeignKey("borrowers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("erased_by", sa.String(128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("erased_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_borrower_field_erasures_borrower", "borrower_field_erasures", ["borrower_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_borrower_field_erasures_borrower", "borrower_field_erasures")
    op.drop_table("borrower_field_erasures")
    with op.batch_alter_table("borrowers") as batch_op:
        batch_op.drop_constraint("uq_borrowers_tenant_external", type_="unique")
        batch_op.drop_index("ix_borrowers_external_id")
        batch_op.drop_column("tenant")
    with op.batch_alter_table("debts") as batch_op:
        batch_op.drop_index("ix_debts_tenant_id")
        batch_op.drop_column("tenant")
