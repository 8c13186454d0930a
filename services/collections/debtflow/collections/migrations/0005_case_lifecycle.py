"""Case lifecycle (closed, reopened; segment fields; the step on the path), strategies as data with versions and
experiments, and the planned actions of every case.

Cases from before start their path again at step 0 of their strategy's built-in version on their next
classification; until then they keep their summary of the next action.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.types import Money, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CASE_COLUMNS = [
    sa.Column("overdue_type", sa.String(24), nullable=True),
    sa.Column("days_past_due", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("exposure", Money(), nullable=False, server_default="0"),
    sa.Column("currency", sa.String(3), nullable=False, server_default="CNY"),
    sa.Column("product", sa.String(32), nullable=True),
    sa.Column("region", sa.String(64), nullable=True),
    sa.Column("vulnerable", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("recovery_probability_bp", sa.Integer(), nullable=True),
    sa.Column("priority_score", Money(), nullable=True),
    sa.Column("priority_tier", sa.String(4), nullable=True),
    sa.Column("strategy_version", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("experiment_id", sa.String(64), nullable=True),
    sa.Column("arm", sa.String(64), nullable=True),
    sa.Column("step_index", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("path_started_at", UTCDateTime(), nullable=True),
    sa.Column("path_exit", sa.String(32), nullable=True),
    sa.Column("entered_at", UTCDateTime(), nullable=True),
    sa.Column("exposure_at_entry", Money(), nullable=False, server_default="0"),
    sa.Column("first_action_at", UTCDateTime(), nullable=True),
    sa.Column("recovered", Money(), nullable=False, server_default="0"),
    sa.Column("complaints", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("closed_at", UTCDateTime(), nullable=True),
    sa.Column("close_reason", sa.String(16), nullable=True),
]


def upgrade() -> None:
    with op.batch_alter_table("collection_cases") as batch_op:
        for column in _CASE_COLUMNS:
            batch_op.add_column(column)
        batch_op.alter_column("next_action_channel", existing_type=sa.String(16), nullable=True)
        batch_op.alter_column("next_action_at", existing_type=UTCDateTime(), nullable=True)
    # A case from before entered (and started its path) when it was assigned.
    op.execute("UPDATE collection_cases SET entered_at = assigned_at, path_started_at = assigned_at")
    with op.batch_alter_table("collection_cases") as batch_op:
        batch_op.alter_column("entered_at", existing_type=UTCDateTime(), nullable=False)
        batch_op.alter_column("path_started_at", existing_type=UTCDateTime(), nullable=False)
        batch_op.create_index("ix_collection_cases_status", ["status"])
        batch_op.create_index("ix_collection_cases_experiment_id", ["experiment_id"])
    op.create_table(
        "collection_debt_facts",
        sa.Column("debt_id", sa.Uuid(), primary_key=True),
        sa.Column("product", sa.String(32), nullable=True),
        sa.Column("recovery_probability_bp", sa.Integer(), nullable=True),
    )
    op.create_table(
        "collection_borrower_facts",
        sa.Column("borrower_id", sa.String(64), primary_key=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("vulnerable", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "strategy_versions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("authored_by", sa.String(128), nullable=False),
        sa.Column("authored_at", UTCDateTime(), nullable=False),
        sa.Column("activated_by", sa.String(128), nullable=True),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("code", "version", name="uq_strategy_versions_code_version"),
    )
    op.create_index("ix_strategy_versions_code", "strategy_versions", ["code"])
    op.create_table(
        "strategy_experiments",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("champion_code", sa.String(64), nullable=False),
        sa.Column("arms", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.String(128), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
        sa.Column("promoted_code", sa.String(64), nullable=True),
        sa.Column("promotion_requested_by", sa.String(128), nullable=True),
    )
    op.create_index("ix_strategy_experiments_champion_code", "strategy_experiments", ["champion_code"])
    op.create_table(
        "collection_actions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("strategy_code", sa.String(64), nullable=False),
        sa.Column("strategy_version", sa.Integer(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("template_code", sa.String(64), nullable=False),
        sa.Column("tone", sa.String(16), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_collection_actions_debt_id", "collection_actions", ["debt_id"])
    op.create_index("ix_collection_actions_due", "collection_actions", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("collection_actions")
    op.drop_table("strategy_experiments")
    op.drop_table("strategy_versions")
    op.drop_table("collection_borrower_facts")
    op.drop_table("collection_debt_facts")
    with op.batch_alter_table("collection_cases") as batch_op:
        batch_op.drop_index("ix_collection_cases_experiment_id")
        batch_op.drop_index("ix_collection_cases_status")
        for column in reversed(_CASE_COLUMNS):
            batch_op.drop_column(column.name)
