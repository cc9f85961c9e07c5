"""stock vehicles, reservations and messaging tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 23:01:03.551024

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
    op.create_table(
        "reservations",
        sa.Column("order_number", sa.String(length=20), nullable=False),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("order_number"),
    )
    op.create_index(op.f("ix_reservations_dealer_code"), "reservations", ["dealer_code"], unique=False)
    op.create_table(
        "stock_vehicles",
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("model_code", sa.String(length=20), nullable=False),
        sa.Column("trim_code", sa.String(length=20), nullable=False),
        sa.Column("colour_code", sa.String(length=20), nullable=False),
        sa.Column("location_code", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reserved_for_order", sa.String(length=20), nullable=True),
        sa.Column("reserved_for_dealer", sa.String(length=20), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("vin"),
    )
    op.create_index("ix_stock_vehicles_location", "stock_vehicles", ["location_code"], unique=False)
    op.create_index(
        "ix_stock_vehicles_match",
        "stock_vehicles",
        ["model_code", "trim_code", "colour_code", "status", "location_code"],
        unique=False,
    )
    op.create_index(
        op.f("ix_stock_vehicles_reserved_for_dealer"), "stock_vehicles", ["reserved_for_dealer"], unique=False
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_stock_vehicles_reserved_for_dealer"), table_name="stock_vehicles")
    op.drop_index("ix_stock_vehicles_match", table_name="stock_vehicles")
    op.drop_index("ix_stock_vehicles_location", table_name="stock_vehicles")
    op.drop_table("stock_vehicles")
    op.drop_index(op.f("ix_reservations_dealer_code"), table_name="reservations")
    op.drop_table("reservations")
    op.drop_table("processed_messages")
    op.drop_index("ix_outbox_unpublished", table_name="outbox", postgresql_where=sa.text("published_at IS NULL"))
    op.drop_table("outbox")
