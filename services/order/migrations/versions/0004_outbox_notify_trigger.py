"""outbox notify trigger: the database wakes the relay when events are written

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 09:00:00.000000

"""

from collections.abc import Sequence

from plumbing.migrations import create_outbox_notify, drop_outbox_notify

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_notify("order")


def downgrade() -> None:
    drop_outbox_notify()
