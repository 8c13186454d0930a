"""Timeline per tenant: each entry records its lender. Existing entries are attributed from their debt's
registration (its summary names the source system, which was the tenant before tenants existed); a borrower-wide
entry takes its borrower's tenant when that borrower id belongs to one tenant only, else stays unattributed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: The wording crm gave registrations when this migration was written (timeline/wording.py, `_registered`).
_REGISTERED = re.compile(r"^Loan \S+ from (\S+) registered")


def upgrade() -> None:
    with op.batch_alter_table("timeline_entries") as batch_op:
        batch_op.add_column(sa.Column("tenant", sa.String(64), nullable=True))
        batch_op.create_index("ix_timeline_debt", ["debt_id"])
        batch_op.create_index("ix_timeline_tenant_borrower_time", ["tenant", "borrower_id", "occurred_at", "id"])
    _attribute_debt_entries()
    _attribute_borrower_entries()


def _attribute_debt_entries() -> None:
    bind = op.get_bind()
    registrations = bind.execute(sa.text(
        "SELECT debt_id, summary FROM timeline_entries WHERE event_type = 'debtflow.debt.registered.v1'"
    ).columns(debt_id=sa.Uuid(), summary=sa.String())).fetchall()
    update = sa.text("UPDATE timeline_entries SET tenant = :tenant WHERE debt_id = :debt_id").bindparams(
        sa.bindparam("debt_id", type_=sa.Uuid()))
    for row in registrations:
        match = _REGISTERED.match(row.summary)
        if match is not None and row.debt_id is not None:
            bind.execute(update, {"tenant": match.group(1), "debt_id": row.debt_id})


def _attribute_borrower_entries() -> None:
    bind = op.get_bind()
    single = bind.execute(sa.text(
        "SELECT borrower_id, MIN(tenant) AS tenant FROM timeline_entries WHERE tenant IS NOT NULL "
        "GROUP BY borrower_id HAVING COUNT(DISTINCT tenant) = 1"
    )).fetchall()
    for row in single:
        bind.execute(sa.text("UPDATE timeline_entries SET tenant = :tenant "
                             "WHERE borrower_id = :borrower_id AND tenant IS NULL"),
                     {"tenant": row.tenant, "borrower_id": row.borrower_id})


def downgrade() -> None:
    with op.batch_alter_table("timeline_entries") as batch_op:
        batch_op.drop_index("ix_timeline_tenant_borrower_time")
        batch_op.drop_index("ix_timeline_debt")
        batch_op.drop_column("tenant")
