"""look-alike names searched within their city through one index

Revision ID: 0004
Revises: 0003

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # btree_gin lets the city's equality and the name's trigrams share one GIN index.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute("CREATE INDEX ix_customers_city_name_trgm ON customers USING gin (lower(city), name_key gin_trgm_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_customers_city_name_trgm")
