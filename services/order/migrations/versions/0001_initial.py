"""orders, catalogue and messaging tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 22:58:57.357046

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
    op.execute(sa.schema.CreateSequence(sa.Sequence("order_number_seq")))
    op.create_table(
        "catalogue_models",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("code"),
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
    op.create_table(
        "vehicle_orders",
        sa.Column("order_number", sa.String(length=20), nullable=False),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=True),
        sa.Column("model_code", sa.String(length=20), nullable=False),
        sa.Column("trim_code", sa.String(length=20), nullable=False),
        sa.Column("colour_code", sa.String(length=20), nullable=False),
        sa.Column("wanted_week", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("supply", sa.String(length=30), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("list_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("order_number"),
    )
    op.create_index("ix_vehicle_orders_dealer_placed", "vehicle_orders", ["dealer_code", "placed_at"], unique=False)
    op.create_table(
        "catalogue_colours",
        sa.Column("model_code", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_code"],
            ["catalogue_models.code"],
        ),
        sa.PrimaryKeyConstraint("model_code", "code"),
    )
    op.create_table(
        "catalogue_trims",
        sa.Column("model_code", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("list_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_code"],
            ["catalogue_models.code"],
        ),
        sa.PrimaryKeyConstraint("model_code", "code"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("catalogue_trims")
    op.drop_table("catalogue_colours")
    op.drop_index("ix_vehicle_orders_dealer_placed", table_name="vehicle_orders")
    op.drop_table("vehicle_orders")
    op.drop_table("processed_messages")
    op.drop_index("ix_outbox_unpublished", table_name="outbox", postgresql_where=sa.text("published_at IS NULL"))
    op.drop_table("outbox")
    op.drop_table("catalogue_models")
    op.execute(sa.schema.DropSequence(sa.Sequence("order_number_seq")))
