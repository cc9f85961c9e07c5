"""options, lifecycle, tracking, plant feed and alerts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:56:31.286344

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("order_number", sa.String(length=20), nullable=True),
        sa.Column("dealer_code", sa.String(length=20), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alerts_raised", "alerts", ["raised_at"], unique=False)
    op.create_table(
        "dealer_quotas",
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("vehicles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dealer_code", "month"),
    )
    op.create_table(
        "order_requests",
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("order_numbers", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("dealer_code", "idempotency_key"),
    )
    op.create_table(
        "parked_plant_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("body", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_index(op.f("ix_parked_plant_events_vin"), "parked_plant_events", ["vin"], unique=False)
    op.create_table(
        "catalogue_options",
        sa.Column("model_code", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("list_price_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_code"],
            ["catalogue_models.code"],
        ),
        sa.PrimaryKeyConstraint("model_code", "code"),
    )
    op.create_table(
        "vehicle_timeline",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("order_number", sa.String(length=20), nullable=False),
        sa.Column("vin", sa.String(length=17), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=30), nullable=True),
        sa.Column("hold_reason", sa.String(length=20), nullable=True),
        sa.Column("plant_code", sa.String(length=10), nullable=True),
        sa.Column("line", sa.String(length=20), nullable=True),
        sa.Column("station", sa.String(length=40), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("source_event_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_number"],
            ["vehicle_orders.order_number"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_event_id"),
    )
    op.create_index("ix_vehicle_timeline_order_time", "vehicle_timeline", ["order_number", "occurred_at"], unique=False)
    op.create_table(
        "catalogue_option_trims",
        sa.Column("model_code", sa.String(length=20), nullable=False),
        sa.Column("option_code", sa.String(length=20), nullable=False),
        sa.Column("trim_code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_code", "option_code"],
            ["catalogue_options.model_code", "catalogue_options.code"],
        ),
        sa.ForeignKeyConstraint(
            ["model_code", "trim_code"],
            ["catalogue_trims.model_code", "catalogue_trims.code"],
        ),
        sa.PrimaryKeyConstraint("model_code", "option_code", "trim_code"),
    )
    op.add_column(
        "vehicle_orders",
        sa.Column("option_codes", postgresql.ARRAY(sa.String(length=20)), server_default="{}", nullable=False),
    )
    op.add_column("vehicle_orders", sa.Column("status_reason", sa.Text(), nullable=True))
    op.add_column("vehicle_orders", sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("vehicle_orders", sa.Column("allocation_month", sa.String(length=7), nullable=True))
    op.add_column("vehicle_orders", sa.Column("plant_code", sa.String(length=10), nullable=True))
    op.add_column("vehicle_orders", sa.Column("scheduled_week", sa.String(length=8), nullable=True))
    op.add_column("vehicle_orders", sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("vehicle_orders", sa.Column("stage", sa.String(length=30), nullable=True))
    op.add_column("vehicle_orders", sa.Column("stage_reached_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("vehicle_orders", sa.Column("hold_reason", sa.String(length=20), nullable=True))
    op.add_column("vehicle_orders", sa.Column("hold_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("vehicle_orders", sa.Column("planned_arrival", sa.Date(), nullable=True))
    op.add_column("vehicle_orders", sa.Column("expected_arrival", sa.Date(), nullable=True))
    op.add_column("vehicle_orders", sa.Column("delivered_to_customer", sa.String(length=64), nullable=True))
    op.create_index("ix_vehicle_orders_status_stage", "vehicle_orders", ["status", "stage"], unique=False)
    op.create_index("ix_vehicle_orders_vin", "vehicle_orders", ["vin"], unique=True, postgresql_where="vin IS NOT NULL")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_vehicle_orders_vin", table_name="vehicle_orders", postgresql_where="vin IS NOT NULL")
    op.drop_index("ix_vehicle_orders_status_stage", table_name="vehicle_orders")
    op.drop_column("vehicle_orders", "delivered_to_customer")
    op.drop_column("vehicle_orders", "expected_arrival")
    op.drop_column("vehicle_orders", "planned_arrival")
    op.drop_column("vehicle_orders", "hold_since")
    op.drop_column("vehicle_orders", "hold_reason")
    op.drop_column("vehicle_orders", "stage_reached_at")
    op.drop_column("vehicle_orders", "stage")
    op.drop_column("vehicle_orders", "scheduled_at")
    op.drop_column("vehicle_orders", "scheduled_week")
    op.drop_column("vehicle_orders", "plant_code")
    op.drop_column("vehicle_orders", "allocation_month")
    op.drop_column("vehicle_orders", "approved_at")
    op.drop_column("vehicle_orders", "status_reason")
    op.drop_column("vehicle_orders", "option_codes")
    op.drop_table("catalogue_option_trims")
    op.drop_index("ix_vehicle_timeline_order_time", table_name="vehicle_timeline")
    op.drop_table("vehicle_timeline")
    op.drop_table("catalogue_options")
    op.drop_index(op.f("ix_parked_plant_events_vin"), table_name="parked_plant_events")
    op.drop_table("parked_plant_events")
    op.drop_table("order_requests")
    op.drop_table("dealer_quotas")
    op.drop_index("ix_alerts_raised", table_name="alerts")
    op.drop_table("alerts")
