"""look-alike names searched within their city, among those without the newcomer's kind of contact

Revision ID: 0004
Revises: 0003

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CITY_NAME_INDEXES = (
    ("ix_customers_city_name_trgm", ""),
    ("ix_customers_city_name_trgm_no_phone", " WHERE phone IS NULL"),
    ("ix_customers_city_name_trgm_no_email", " WHERE email IS NULL"),
)


def upgrade() -> None:
    # btree_gin lets the city's equality and the name's trigrams share one GIN index.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name, where in CITY_NAME_INDEXES:
        op.execute(f"CREATE INDEX {name} ON customers USING gin (lower(city), name_key gin_trgm_ops){where}")
    # Superseded: a name is always looked for within its city.
    op.drop_index("ix_customers_name_key_trgm", table_name="customers")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_customers_name_key_trgm ON customers USING gin (name_key gin_trgm_ops)")
    for name, _ in CITY_NAME_INDEXES:
        op.execute(f"DROP INDEX {name}")
