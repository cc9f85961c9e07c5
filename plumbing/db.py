"""Database plumbing: engines, the unit of work, the transactional outbox and the
record of processed messages.

Every service keeps its own database. The outbox and processed-message tables live in
each service's own metadata (and migrations), so that a state change, the event that
announces it and the note that a message was handled commit in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    create_engine,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from plumbing import tracing

OUTBOX_NOTIFY_CHANNEL = "dealernet_outbox"
_OUTBOX_NOTIFY_FUNCTION = "dealernet_outbox_notify"
_OUTBOX_NOTIFY_TRIGGER = "outbox_notify_relay"


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    processed_messages: Table

    # The two writes every event and every consumed message make, as driver-level
    # statements: building `insert().values(...)` per call made SQLAlchemy compute a cache
    # key each time (64% of the plant feed's CPU in one profile), and even a statement built
    # once pays for the compiled-statement lookup and bind processing, about 80 of the
    # 280 us an event cost.
    @property
    def record_event_sql(self) -> str:
        return (
            f"INSERT INTO {self.outbox.name} (event_id, exchange, event_type, version, payload, traceparent) "
            "VALUES (CAST(%(event_id)s AS uuid), %(exchange)s, %(event_type)s, %(version)s, "
            "CAST(%(payload)s AS jsonb), %(traceparent)s)"
        )

    @property
    def claim_message_sql(self) -> str:
        return (
            f"INSERT INTO {self.processed_messages.name} (message_id, handler) "
            "VALUES (%(message_id)s, %(handler)s) ON CONFLICT DO NOTHING RETURNING message_id"
        )


def messaging_tables(metadata: MetaData) -> MessagingTables:
    """Declare the outbox and processed-message tables in a service's metadata."""
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", BigInteger, Identity(), primary_key=True),
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("exchange", String(100), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("version", Integer, nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("traceparent", String(100)),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("publish_attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
    )
    Index(
        "ix_outbox_unpublished",
        outbox.c.seq,
        postgresql_where=outbox.c.published_at.is_(None),
    )
    processed = Table(
        "processed_messages",
        metadata,
        Column("message_id", String(100), nullable=False),
        Column("handler", String(200), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("message_id", "handler"),
    )
    return MessagingTables(outbox=outbox, processed_messages=processed)


def outbox_notify_ddl(service: str) -> list[str]:
    """A trigger that wakes the service's outbox relay whenever events are written.

    PostgreSQL delivers a NOTIFY at commit, once per transaction, and drops it with a
    rollback (or with the savepoint that wrote the event), so the relay hears of committed
    events only. Raised by the database, it costs a writer no statement of its own.
    """
    return [
        f"CREATE OR REPLACE FUNCTION {_OUTBOX_NOTIFY_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN PERFORM pg_notify('{OUTBOX_NOTIFY_CHANNEL}', TG_ARGV[0]); RETURN NULL; END $$",
        f"CREATE TRIGGER {_OUTBOX_NOTIFY_TRIGGER} AFTER INSERT ON outbox"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {_OUTBOX_NOTIFY_FUNCTION}('{service}')",
    ]


def drop_outbox_notify_ddl() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {_OUTBOX_NOTIFY_TRIGGER} ON outbox",
        f"DROP FUNCTION IF EXISTS {_OUTBOX_NOTIFY_FUNCTION}()",
    ]


def make_engine(url: str, *, pool_size: int = 10, instrument: bool = True) -> Engine:
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    if instrument:
        tracing.instrument_engine(engine)
    return engine


def event_envelope(source: str, event_type: str, data: dict[str, Any], version: int) -> dict[str, Any]:
    """The body of every integration event: a versioned fact with its own id."""
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "version": version,
        "source": source,
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "data": data,
    }


class UnitOfWork:
    """One transaction: domain changes, outbox events and processed-message claims.

    Nothing is committed unless `commit()` is called: leaving the block rolls back whatever
    was not committed. Rows read inside stay readable after the block (detached, not expired).
    """

    def __init__(self, session: Session, service: str, tables: MessagingTables) -> None:
        self.session = session
        self.service = service
        self._tables = tables

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def record_event(self, event_type: str, data: dict[str, Any], *, version: int = 1) -> str:
        """Write an event to the outbox; it is published only if this transaction commits.

        The outbox's trigger (`outbox_notify_ddl`) wakes the relay when it does."""
        envelope = event_envelope(self.service, event_type, data, version)
        self.session.connection().exec_driver_sql(
            self._tables.record_event_sql,
            {
                "event_id": envelope["id"],
                "exchange": f"{self.service}.events",
                "event_type": event_type,
                "version": version,
                "payload": json.dumps(envelope),
                "traceparent": tracing.current_traceparent(),
            },
        )
        return str(envelope["id"])

    def claim_message(self, message_id: str, handler: str) -> bool:
        """Record that `handler` processed `message_id`; False when it already had."""
        inserted = self.session.connection().exec_driver_sql(
            self._tables.claim_message_sql, {"message_id": message_id, "handler": handler}
        )
        return inserted.first() is not None


class Database:
    """A service's database: its engine and a factory of units of work."""

    def __init__(self, service: str, url: str, tables: MessagingTables, *, pool_size: int = 10):
        self.service = service
        self.engine = make_engine(url, pool_size=pool_size)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.tables = tables

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions(), self.service, self.tables)

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))


UnitOfWorkFactory = Callable[[], UnitOfWork]
