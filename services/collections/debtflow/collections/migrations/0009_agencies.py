"""Agencies (commission schedule versions, placement rules, placements, contacts, conduct breaches, payment
reports, recoveries, complaints) and the collection cost ledger.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.types import Money, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _scaled(scale: int) -> sa.types.TypeEngine:
    # Exact at a fixed scale: NUMERIC on PostgreSQL, scaled integers on SQLite (costs.models.Scaled).
    return sa.Numeric(18, scale).with_variant(sa.BigInteger(), "sqlite")


def upgrade() -> None:
    _agencies()
    _placements()
    _reports()
    _costs()


def _agencies() -> None:
    op.create_table(
        "collection_agencies",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("max_placements", sa.Integer(), nullable=False),
        sa.Column("schedule_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "agency_commission_schedules",
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("collection_agencies.code"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "agency_placement_rules",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("buckets", sa.JSON(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("min_exposure", Money(), nullable=True),
        sa.Column("max_exposure", Money(), nullable=True),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("agency_codes", sa.JSON(), nullable=False),
        sa.Column("placement_days", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def _placements() -> None:
    op.create_table(
        "agency_placements",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("agency_code", sa.String(32), sa.ForeignKey("collection_agencies.code"), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=True),
        sa.Column("schedule_version", sa.Integer(), nullable=False),
        sa.Column("commission_rate_percent", _scaled(2), nullable=False),
        sa.Column("dpd_bucket", sa.String(16), nullable=False),
        sa.Column("age_days", sa.Integer(), nullable=False),
        sa.Column("exposure", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("placed_by", sa.String(128), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("recalled_at", UTCDateTime(), nullable=True),
        sa.Column("recall_reason", sa.String(16), nullable=True),
        sa.Column("recalled_by", sa.String(128), nullable=True),
        sa.Column("recovered", Money(), nullable=False),
        sa.Column("commission", Money(), nullable=False),
    )
    op.create_index("ix_agency_placements_debt_id", "agency_placements", ["debt_id"])
    op.create_index("ix_agency_placements_agency_status", "agency_placements", ["agency_code", "status"])
    op.create_index("ix_agency_placements_expiry", "agency_placements", ["status", "expires_at"])
    op.create_index("uq_agency_placements_one_active", "agency_placements", ["debt_id"], unique=True,
                    sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))


def _reports() -> None:
    op.create_table(
        "agency_contacts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("placement_id", sa.Uuid(), sa.ForeignKey("agency_placements.id"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("reported_by", sa.String(128), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_agency_contacts_placement_id", "agency_contacts", ["placement_id"])
    op.create_table(
        "agency_conduct_breaches",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("placement_id", sa.Uuid(), nullable=False),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("attempted_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_agency_conduct_breaches_agency", "agency_conduct_breaches", ["agency_code", "attempted_at"])
    op.create_table(
        "agency_payment_reports",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("placement_id", sa.Uuid(), sa.ForeignKey("agency_placements.id"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("reported_by", sa.String(128), nullable=False),
        sa.Column("reported_at", UTCDateTime(), nullable=False),
        sa.Column("reconciled_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_agency_payment_reports_placement_id", "agency_payment_reports", ["placement_id"])
    op.create_index("ix_agency_payment_reports_debt_id", "agency_payment_reports", ["debt_id"])
    op.create_table(
        "agency_recoveries",
        sa.Column("payment_id", sa.Uuid(), primary_key=True),
        sa.Column("placement_id", sa.Uuid(), sa.ForeignKey("agency_placements.id"), nullable=False),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rate_percent", _scaled(2), nullable=False),
        sa.Column("commission", Money(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=False),
        sa.Column("attributed_at", UTCDateTime(), nullable=False),
        sa.Column("reversed_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_agency_recoveries_placement_id", "agency_recoveries", ["placement_id"])
    op.create_index("ix_agency_recoveries_agency_paid", "agency_recoveries", ["agency_code", "paid_at"])
    op.create_table(
        "agency_complaints",
        sa.Column("complaint_id", sa.Uuid(), primary_key=True),
        sa.Column("agency_code", sa.String(32), nullable=False),
        sa.Column("placement_id", sa.Uuid(), nullable=False),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_agency_complaints_agency", "agency_complaints", ["agency_code", "received_at"])


def _costs() -> None:
    op.create_table(
        "collection_costs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("quantity", _scaled(2), nullable=False),
        sa.Column("unit_cost", _scaled(4), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("incurred_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "source_id", name="uq_collection_costs_source"),
    )
    op.create_index("ix_collection_costs_debt_id", "collection_costs", ["debt_id"])
    op.create_index("ix_collection_costs_incurred_at", "collection_costs", ["incurred_at"])


def downgrade() -> None:
    for table in ("collection_costs", "agency_complaints", "agency_recoveries", "agency_payment_reports",
                  "agency_conduct_breaches", "agency_contacts", "agency_placements", "agency_placement_rules",
                  "agency_commission_schedules", "collection_agencies"):
        op.drop_table(table)
