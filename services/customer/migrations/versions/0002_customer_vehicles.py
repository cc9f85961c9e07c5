"""customer vehicles: each delivered car linked to its buyer

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:05:04.332196

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "customer_vehicles",
        sa.Column("vin", sa.String(length=17), nullable=False),
        sa.Column("customer_id", sa.UUID(), nullable=False),
        sa.Column("dealer_code", sa.String(length=20), nullable=False),
        sa.Column("order_number", sa.String(length=20), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("vin"),
    )
    op.create_index(op.f("ix_customer_vehicles_customer_id"), "customer_vehicles", ["customer_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_customer_vehicles_customer_id"), table_name="customer_vehicles")
    op.drop_table("customer_vehicles")
