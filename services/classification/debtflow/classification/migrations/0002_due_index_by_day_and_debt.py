"""The re-ageing index holds (next_change_on, debt_id), so runs walk due debts in index order.

A run reads due debts a chunk at a time ordered by day, then debt id. On the old single-column index that
order needed a sort of every due debt per chunk, and SQLite preferred scanning the whole table in primary-key
order instead (2.4 s for a run with nothing due in a million debts).

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

_DUE = sa.text("next_change_on IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_classifications_due", table_name="classifications")
    op.create_index("ix_classifications_due", "classifications", ["next_change_on", "debt_id"],
                    postgresql_where=_DUE, sqlite_where=_DUE)


def downgrade() -> None:
    op.drop_index("ix_classifications_due", table_name="classifications")
    op.create_index("ix_classifications_due", "classifications", ["next_change_on"],
                    postgresql_where=_DUE, sqlite_where=_DUE)
