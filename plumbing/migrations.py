"""Shared body of every service's Alembic env.py: each service migrates its own database."""

from __future__ import annotations

from alembic import context, op
from sqlalchemy import MetaData, engine_from_config, pool

from plumbing import settings as settings_module
from plumbing.db import drop_outbox_notify_ddl, outbox_notify_ddl


def run(metadata: MetaData, service: str) -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url") or settings_module.load().database_url(service)
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


def create_outbox_notify(service: str) -> None:
    """In a migration: the trigger that wakes the service's relay (`db.outbox_notify_ddl`)."""
    for statement in outbox_notify_ddl(service):
        op.execute(statement)


def drop_outbox_notify() -> None:
    for statement in drop_outbox_notify_ddl():
        op.execute(statement)
