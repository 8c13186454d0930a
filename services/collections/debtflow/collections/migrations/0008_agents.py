"""Agents, promises and arrangements: collectors, claims, callbacks, vulnerable borrowers' teams, contact outcomes;
promises to pay with the payments counted towards them and each case's tally; debts' balances by component,
payment plans with their instalments, settlements, and the payments counted towards them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from debtflow.common.db.types import Money, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _agents() -> None:
    op.create_table(
        "collectors",
        sa.Column("identity", sa.String(128), primary_key=True),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_collectors_team", "collectors", ["team"])
    op.create_table(
        "case_claims",
        sa.Column("debt_id", sa.Uuid(), primary_key=True),
        sa.Column("collector", sa.String(128), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("assigned_by", sa.String(128), nullable=True),
    )
    op.create_index("ix_case_claims_collector", "case_claims", ["collector"])
    op.create_table(
        "case_agent_states",
        sa.Column("debt_id", sa.Uuid(), primary_key=True),
        sa.Column("callback_at", UTCDateTime(), nullable=True),
        sa.Column("last_outcome", sa.String(32), nullable=False),
        sa.Column("last_outcome_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_case_agent_states_callback_at", "case_agent_states", ["callback_at"])
    op.create_table(
        "borrower_specialist_teams",
        sa.Column("vulnerability_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_specialist_teams_borrower", "borrower_specialist_teams", ["tenant", "borrower_id"])
    op.create_table(
        "contact_outcomes",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("contact_point_id", sa.Uuid(), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("promise_id", sa.Uuid(), nullable=True),
        sa.Column("callback_at", UTCDateTime(), nullable=True),
        sa.Column("recorded_by", sa.String(128), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_contact_outcomes_debt", "contact_outcomes", ["debt_id", "recorded_at"])


def _promises() -> None:
    op.create_table(
        "promises_to_pay",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("deadline_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paid_amount", Money(), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("made_by", sa.String(128), nullable=False),
        sa.Column("outcome_id", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_promises_debt_status", "promises_to_pay", ["debt_id", "status"])
    op.create_index("ix_promises_status_deadline", "promises_to_pay", ["status", "deadline_at"])
    op.create_table(
        "promise_payments",
        sa.Column("payment_id", sa.Uuid(), primary_key=True),
        sa.Column("promise_id", sa.Uuid(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=False),
        sa.Column("reversed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_promise_payments_promise_id", "promise_payments", ["promise_id"])
    op.create_table(
        "case_promise_stats",
        sa.Column("debt_id", sa.Uuid(), primary_key=True),
        sa.Column("made", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("partly_kept", sa.Integer(), nullable=False),
        sa.Column("broken", sa.Integer(), nullable=False),
        sa.Column("last_broken_at", UTCDateTime(), nullable=True),
    )


def _arrangement_columns() -> list[sa.Column]:
    money = ["balance", "total_amount", "discount_amount", "waived_penalty_interest", "waived_fees",
             "waived_interest", "waived_principal", "paid_amount"]
    return [
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("debt_id", sa.Uuid(), nullable=False),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        *[sa.Column(name, Money(), nullable=False) for name in money[:3]],
        sa.Column("discount_bp", sa.Integer(), nullable=False),
        *[sa.Column(name, Money(), nullable=False) for name in money[3:]],
        sa.Column("proposed_by", sa.String(128), nullable=False),
        sa.Column("proposer_role", sa.String(16), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("approved_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_by", sa.String(128), nullable=True),
        sa.Column("acceptance_channel", sa.String(16), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(128), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def _arrangements() -> None:
    op.create_table(
        "debt_balances",
        sa.Column("debt_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant", sa.String(64), nullable=True),
        sa.Column("borrower_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        *[sa.Column(name, Money(), nullable=False)
          for name in ("penalty_interest", "fees", "interest", "principal", "total")],
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table("payment_plans", *_arrangement_columns())
    op.create_index("ix_payment_plans_debt_id", "payment_plans", ["debt_id"])
    op.create_table(
        "plan_instalments",
        sa.Column("plan_id", sa.Uuid(), primary_key=True),
        sa.Column("sequence", sa.Integer(), primary_key=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("paid_amount", Money(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table("settlements", *_arrangement_columns(), sa.Column("pay_by", sa.Date(), nullable=False))
    op.create_index("ix_settlements_debt_id", "settlements", ["debt_id"])
    op.create_table(
        "arrangement_payments",
        sa.Column("payment_id", sa.Uuid(), primary_key=True),
        sa.Column("arrangement_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=False),
        sa.Column("reversed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_arrangement_payments_arrangement", "arrangement_payments", ["arrangement_id"])


def upgrade() -> None:
    _agents()
    _promises()
    _arrangements()


_TABLES = ["arrangement_payments", "settlements", "plan_instalments", "payment_plans", "debt_balances",
           "case_promise_stats", "promise_payments", "promises_to_pay", "contact_outcomes",
           "borrower_specialist_teams", "case_agent_states", "case_claims", "collectors"]


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
