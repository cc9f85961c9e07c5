"""finer roles, disabled accounts, sign-in sessions with refresh tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 04:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("accounts", "role", type_=sa.String(length=20), existing_nullable=False)
    # Every account keeps what it could do: each side's widest role.
    op.execute(
        "UPDATE accounts SET role = CASE role WHEN 'hq' THEN 'hq_admin' WHEN 'dealer' THEN 'dealer_admin' "
        "WHEN 'station' THEN 'station_user' ELSE role END"
    )
    op.add_column("accounts", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["username"], ["accounts.username"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_sessions_username", "sign_in_sessions", ["username"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sign_in_sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_refresh_tokens_session_id", table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index("ix_sign_in_sessions_username", table_name="sign_in_sessions")
    op.drop_table("sign_in_sessions")
    op.drop_column("accounts", "disabled_at")
    op.execute(
        "UPDATE accounts SET role = CASE WHEN role LIKE 'hq_%' THEN 'hq' WHEN role LIKE 'dealer_%' THEN 'dealer' "
        "WHEN role = 'station_user' THEN 'station' ELSE role END"
    )
    op.alter_column("accounts", "role", type_=sa.String(length=10), existing_nullable=False)
