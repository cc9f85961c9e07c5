"""dealer accounts: invoices, payments, credit notes, reminders, statements

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:28:57.190951

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute(sa.schema.CreateSequence(sa.Sequence("invoice_number_seq")))
    op.execute(sa.schema.CreateSequence(sa.Sequence("credit_note_number_seq")))
    op.create_table(
        "credit_notes",
        sa.Column("credit_note_number", sa.String(length=20), nullable=False),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("unapplied_minor", sa.BigInteger(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("credit_note_number"),
        sa.UniqueConstraint("dealer_code", "reference", name="uq_credit_notes_dealer_reference"),
    )
    op.create_index("ix_credit_notes_dealer_issued", "credit_notes", ["dealer_code", "issued_on"], unique=False)
    op.create_index(
        "ix_credit_notes_unapplied",
        "credit_notes",
        ["dealer_code"],
        unique=False,
        postgresql_where="unapplied_minor > 0",
    )
    op.create_table(
        "dealer_accounts",
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("credit_limit_minor", sa.BigInteger(), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), server_default="30", nullable=False),
        sa.Column("discount_bp", sa.Integer(), server_default="0", nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("dealer_code"),
    )
    op.create_table(
        "invoices",
        sa.Column("invoice_number", sa.String(length=20), nullable=False),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column("order_number", sa.String(length=20), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("open_minor", sa.BigInteger(), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reminder_level", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("open_minor >= 0 AND open_minor <= total_minor", name="ck_invoices_open_within_total"),
        sa.PrimaryKeyConstraint("invoice_number"),
        sa.UniqueConstraint("order_number"),
    )
    op.create_index("ix_invoices_dealer_due", "invoices", ["dealer_code", "due_on"], unique=False)
    op.create_index(
        "ix_invoices_open", "invoices", ["dealer_code", "due_on"], unique=False, postgresql_where="open_minor > 0"
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("unapplied_minor", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dealer_code", "reference", name="uq_payments_dealer_reference"),
    )
    op.create_index("ix_payments_dealer_received", "payments", ["dealer_code", "received_on"], unique=False)
    op.create_index(
        "ix_payments_unapplied", "payments", ["dealer_code"], unique=False, postgresql_where="unapplied_minor > 0"
    )
    op.create_table(
        "rebates",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("model_code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(op.f("ix_rebates_model_code"), "rebates", ["model_code"], unique=False)
    op.create_table(
        "statement_confirmations",
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column("closing_balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=100), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("dealer_code", "period_from", "period_to"),
    )
    op.create_table(
        "statement_disputes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column("line_kind", sa.String(length=20), nullable=False),
        sa.Column("line_reference", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("raised_by", sa.String(length=100), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_statement_disputes_open_line",
        "statement_disputes",
        ["dealer_code", "line_kind", "line_reference"],
        unique=True,
        postgresql_where="status = 'open'",
    )
    op.create_table(
        "account_allocations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("invoice_number", sa.String(length=20), nullable=False),
        sa.Column("source_kind", sa.String(length=20), nullable=False),
        sa.Column("source_reference", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_number"],
            ["invoices.invoice_number"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_account_allocations_invoice", "account_allocations", ["invoice_number"], unique=False)
    op.create_index(
        "ix_account_allocations_source",
        "account_allocations",
        ["dealer_code", "source_kind", "source_reference"],
        unique=False,
    )
    op.create_table(
        "credit_overrides",
        sa.Column("order_number", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("held_for", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("order_number"),
    )
    op.create_table(
        "payment_reminders",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("invoice_number", sa.String(length=20), nullable=False),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("days_overdue", sa.Integer(), nullable=False),
        sa.Column("open_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("orders_held", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_number"],
            ["invoices.invoice_number"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_number", "level", name="uq_payment_reminders_invoice_level"),
    )
    op.create_index("ix_payment_reminders_dealer_sent", "payment_reminders", ["dealer_code", "sent_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_payment_reminders_dealer_sent", table_name="payment_reminders")
    op.drop_table("payment_reminders")
    op.drop_table("credit_overrides")
    op.drop_index("ix_account_allocations_source", table_name="account_allocations")
    op.drop_index("ix_account_allocations_invoice", table_name="account_allocations")
    op.drop_table("account_allocations")
    op.drop_index(
        "ix_statement_disputes_open_line", table_name="statement_disputes", postgresql_where="status = 'open'"
    )
    op.drop_table("statement_disputes")
    op.drop_table("statement_confirmations")
    op.drop_index(op.f("ix_rebates_model_code"), table_name="rebates")
    op.drop_table("rebates")
    op.drop_index("ix_payments_unapplied", table_name="payments", postgresql_where="unapplied_minor > 0")
    op.drop_index("ix_payments_dealer_received", table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_invoices_open", table_name="invoices", postgresql_where="open_minor > 0")
    op.drop_index("ix_invoices_dealer_due", table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("dealer_accounts")
    op.drop_index("ix_credit_notes_unapplied", table_name="credit_notes", postgresql_where="unapplied_minor > 0")
    op.drop_index("ix_credit_notes_dealer_issued", table_name="credit_notes")
    op.drop_table("credit_notes")
    op.execute(sa.schema.DropSequence(sa.Sequence("credit_note_number_seq")))
    op.execute(sa.schema.DropSequence(sa.Sequence("invoice_number_seq")))
