"""The register in full: borrowers with encrypted personal data, loan terms, instalments, payments,
snapshots, the balance history and idempotency keys. Existing debts get a borrower row each.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.types import Money, UTCDateTime
from debtflow.common.web.idempotency import create_idempotency_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    _borrowers()
    _debt_columns()
    _ledger_tables()
    create_idempotency_table(op)


def _borrowers() -> None:
    borrowers = op.create_table(
        "borrowers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("external_id", sa.String(64), nullable=False, unique=True),
        sa.Column("source_system", sa.String(64), nullable=False),
        sa.Column("id_type", sa.String(32), nullable=True),
        sa.Column("name_enc", sa.Text(), nullable=True),
        sa.Column("id_number_enc", sa.Text(), nullable=True),
        sa.Column("id_number_hash", sa.String(64), nullable=True),
        sa.Column("phones_enc", sa.JSON(), nullable=False),
        sa.Column("emails_enc", sa.JSON(), nullable=False),
        sa.Column("address_enc", sa.Text(), nullable=True),
        sa.Column("date_of_birth_enc", sa.Text(), nullable=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_borrowers_id_number_hash", "borrowers", ["id_number_hash"])
    op.create_table(
        "borrower_contact_hashes",
        sa.Column("borrower_id", sa.Uuid(), sa.ForeignKey("borrowers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("lookup_hash", sa.String(64), primary_key=True),
    )
    op.create_index("ix_borrower_contact_lookup", "borrower_contact_hashes", ["kind", "lookup_hash"])
    # Borrowers of debts registered before this revision: known by id only (an empty content hash means
    # "nothing known", so the next default that carries their data stores it).
    connection = op.get_bind()
    known = connection.execute(sa.text(
        "SELECT borrower_id, MIN(source_system) AS source_system FROM debts GROUP BY borrower_id"
    )).all()
    now = datetime.now(UTC)
    if known:
        op.bulk_insert(borrowers, [
            {"id": uuid.uuid4(), "external_id": row.borrower_id, "source_system": row.source_system,
             "phones_enc": [], "emails_enc": [], "content_hash": "", "version": 1, "created_at": now,
             "updated_at": now}
            for row in known
        ])


def _debt_columns() -> None:
    with op.batch_alter_table("debts") as batch:
        batch.add_column(sa.Column("borrower_ref", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("product", sa.String(32), nullable=True))
        batch.add_column(sa.Column("disbursed_amount", Money(), nullable=True))
        batch.add_column(sa.Column("disbursed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("maturity_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("contract_rate", sa.Numeric(9, 6), nullable=True))
        for money in ("penalty_interest_outstanding", "credit_balance", "recovered_after_disposal"):
            batch.add_column(sa.Column(money, Money(), nullable=False, server_default=sa.text("0")))
        batch.add_column(sa.Column("collateralised", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("guaranteed", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))
        batch.alter_column("first_unpaid_due_date", existing_type=sa.Date(), nullable=True)
    op.execute("UPDATE debts SET borrower_ref = (SELECT borrowers.id FROM borrowers "
               "WHERE borrowers.external_id = debts.borrower_id)")
    with op.batch_alter_table("debts") as batch:
        batch.alter_column("borrower_ref", existing_type=sa.Uuid(), nullable=False)
        batch.create_foreign_key("fk_debts_borrower_ref", "borrowers", ["borrower_ref"], ["id"])
        for column in ("penalty_interest_outstanding", "credit_balance", "recovered_after_disposal", "collateralised",
                       "guaranteed", "version"):
            batch.alter_column(column, server_default=None)
    op.create_index("ix_debts_borrower_ref", "debts", ["borrower_ref"])
    op.create_index("ix_debts_product", "debts", ["product"])
    op.create_index("ix_debts_status_id", "debts", ["status", "id"])
    op.create_index("ix_debts_as_of_id", "debts", ["as_of_date", "id"])


def _ledger_tables() -> None:
    op.create_table(
        "instalments",
        sa.Column("debt_id", sa.Uuid(), sa.ForeignKey("debts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("sequence", sa.Integer(), primary_key=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("principal_due", Money(), nullable=False),
        sa.Column("interest_due", Money(), nullable=False),
        sa.Column("principal_paid", Money(), nullable=False),
        sa.Column("interest_paid", Money(), nullable=False),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("source_system", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("debt_id", sa.Uuid(), sa.ForeignKey("debts.id"), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("applied_penalty_interest", Money(), nullable=False),
        sa.Column("applied_fees", Money(), nullable=False),
        sa.Column("applied_interest", Money(), nullable=False),
        sa.Column("applied_principal", Money(), nullable=False),
        sa.Column("credit", Money(), nullable=False),
        sa.Column("instalment_allocation", sa.JSON(), nullable=False),
        sa.Column("first_unpaid_due_date_before", sa.Date(), nullable=True),
        sa.Column("post_disposal", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reversal_reason", sa.String(64), nullable=True),
        sa.Column("reversed_at", UTCDateTime(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("source_system", "external_id", name="uq_payments_source_payment"),
    )
    op.create_index("ix_payments_debt_paid", "payments", ["debt_id", "paid_at"])
    op.create_table(
        "snapshots",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("debt_id", sa.Uuid(), sa.ForeignKey("debts.id"), nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("principal_outstanding", Money(), nullable=False),
        sa.Column("interest_outstanding", Money(), nullable=False),
        sa.Column("penalty_interest_outstanding", Money(), nullable=False),
        sa.Column("fees_outstanding", Money(), nullable=False),
        sa.Column("first_unpaid_due_date", sa.Date(), nullable=True),
        sa.Column("days_past_due", sa.Integer(), nullable=True),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("debt_id", "as_of_date", name="uq_snapshots_debt_date"),
    )
    history = op.create_table(
        "balance_history",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("debt_id", sa.Uuid(), sa.ForeignKey("debts.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(32), nullable=False),
        sa.Column("cause_ref", sa.String(64), nullable=True),
        sa.Column("principal_outstanding", Money(), nullable=False),
        sa.Column("interest_outstanding", Money(), nullable=False),
        sa.Column("penalty_interest_outstanding", Money(), nullable=False),
        sa.Column("fees_outstanding", Money(), nullable=False),
        sa.Column("credit_balance", Money(), nullable=False),
        sa.Column("total_change", Money(), nullable=False),
        sa.Column("first_unpaid_due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_balance_history_debt_version", "balance_history", ["debt_id", "version"])
    # Debts registered before this revision start their history with their registration.
    op.execute(sa.insert(history).from_select(
        ["debt_id", "version", "cause", "principal_outstanding", "interest_outstanding",
         "penalty_interest_outstanding", "fees_outstanding", "credit_balance", "total_change",
         "first_unpaid_due_date", "status", "occurred_at"],
        sa.select(
            sa.column("id"), sa.literal(1), sa.literal("registered"), sa.column("principal_outstanding"),
            sa.column("interest_outstanding"), sa.column("penalty_interest_outstanding"),
            sa.column("fees_outstanding"), sa.column("credit_balance"),
            sa.column("principal_outstanding") + sa.column("interest_outstanding") + sa.column("fees_outstanding"),
            sa.column("first_unpaid_due_date"), sa.column("status"), sa.column("registered_at"),
        ).select_from(sa.table("debts")),
    ))


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    for table in ("balance_history", "snapshots", "payments", "instalments"):
        op.drop_table(table)
    for index in ("ix_debts_as_of_id", "ix_debts_status_id", "ix_debts_product", "ix_debts_borrower_ref"):
        op.drop_index(index, table_name="debts")
    with op.batch_alter_table("debts") as batch:
        batch.drop_constraint("fk_debts_borrower_ref", type_="foreignkey")
        for column in ("borrower_ref", "product", "disbursed_amount", "disbursed_on", "maturity_date", "contract_rate",
                       "penalty_interest_outstanding", "credit_balance", "recovered_after_disposal", "collateralised",
                       "guaranteed", "version"):
            batch.drop_column(column)
    op.drop_table("borrower_contact_hashes")
    op.drop_table("borrowers")
