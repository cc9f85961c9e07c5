"""customers and messaging tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 23:02:08.944069

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "customers",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("registered_by", sa.String(length=20), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customers_registered_at", "customers", ["registered_at"], unique=False)
    op.create_index("ix_customers_registered_by_at", "customers", ["registered_by", "registered_at"], unique=False)
    op.create_index(
        "uq_customers_email", "customers", ["email"], unique=True, postgresql_where=sa.text("email IS NOT NULL")
    )
    op.create_index(
        "uq_customers_phone", "customers", ["phone"], unique=True, postgresql_where=sa.text("phone IS NOT NULL")
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("exchange", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("traceparent", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publish_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["seq"], unique=False, postgresql_where=sa.text("published_at IS NULL")
    )
    op.create_table(
        "processed_messages",
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("handler", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "handler"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("processed_messages")
    op.drop_index("ix_outbox_unpublished", table_name="outbox", postgresql_where=sa.text("published_at IS NULL"))
    op.drop_table("outbox")
    op.drop_index("uq_customers_phone", table_name="customers", postgresql_where=sa.text("phone IS NOT NULL"))
    op.drop_index("uq_customers_email", table_name="customers", postgresql_where=sa.text("email IS NOT NULL"))
    op.drop_index("ix_customers_registered_by_at", table_name="customers")
    op.drop_index("ix_customers_registered_at", table_name="customers")
    op.drop_table("customers")
