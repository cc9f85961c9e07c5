"""The outbox relay: publishes committed outbox rows to RabbitMQ with publisher confirms.

A row is marked published only after the broker confirmed it, so a crash anywhere leaves
the row unpublished and the next relay (or the same one, restarted) sends it again.
Consumers are idempotent by event id, which makes that duplicate harmless. Rows are taken
with FOR UPDATE SKIP LOCKED, so several relays on one database never send the same row at
the same time. The relay wakes on the NOTIFY that a committing transaction sends, and polls
as a fallback.

    python -m plumbing.relay order [--gather-ms 0]

`--gather-ms` waits that long after a NOTIFY before taking the batch, so that rows committed
meanwhile go out in it: less CPU per event at a low rate (each batch costs about as much as
a row, on top of its rows), for that much added latency. Off by default: under load the
batches grow by themselves, since rows keep committing while a batch is published.
"""

from __future__ import annotations

import argparse
import functools
import logging
import select as select_module
import signal
import time
from dataclasses import dataclass
from typing import Any

import pika
from opentelemetry import trace
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.db import OUTBOX_NOTIFY_CHANNEL, MessagingTables, make_engine, messaging_tables

log = logging.getLogger("dealernet.relay")


class BrokerPublisher:
    """A confirmed-delivery channel that declares each event exchange once."""

    def __init__(self, amqp_uri: str) -> None:
        self.amqp_uri = amqp_uri
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._declared: set[str] = set()

    def _open(self) -> BlockingChannel:
        if self._channel is None or not self._channel.is_open:
            self.close()
            self._connection = pika.BlockingConnection(pika.URLParameters(self.amqp_uri))
            self._channel = self._connection.channel()
            self._channel.confirm_delivery()
            self._declared.clear()
        return self._channel

    def publish(self, exchange: str, routing_key: str, body: bytes, properties: pika.BasicProperties) -> None:
        channel = self._open()
        if exchange not in self._declared:
            channel.exchange_declare(exchange, exchange_type="topic", durable=True)
            self._declared.add(exchange)
        # With confirms on, basic_publish returns only once the broker has taken the
        # message, and raises if the broker refuses it.
        channel.basic_publish(exchange, routing_key, body, properties)

    def close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone either way
                pass
        self._connection = None
        self._channel = None


def _properties(event_id: str, event_type: str, version: int, traceparent: str | None) -> pika.BasicProperties:
    headers: dict[str, Any] = {"event_type": event_type, "event_version": version}
    if traceparent:
        headers[tracing.AMQP_TRACEPARENT_HEADER] = traceparent
    return pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=event_id,
        type=event_type,
        headers=headers,
    )


BATCH_LIMIT = 200
# Looked up once: getting a tracer is not free, and the relay asks for one every batch.
_tracer = tracing.tracer("dealernet.relay")


class PublishFailed(ConnectionError):
    """The broker did not take a row; it stays pending with its attempt and error recorded."""


@dataclass(frozen=True)
class _Statements:
    take: str
    mark_published: str
    record_failure: str


@functools.cache
def _statements(table: str) -> _Statements:
    # Plain SQL on the driver connection, the transaction opened and closed in the same
    # round trip as the first and the last statement: at a few rows a batch, SQLAlchemy's
    # statement handling and the separate BEGIN and COMMIT cost more than the work itself.
    # The payload goes out as the text PostgreSQL holds, without a parse and a re-dump.
    return _Statements(
        take=(
            "BEGIN; SELECT seq, event_id::text, exchange, event_type, version, payload::text, traceparent "
            f"FROM {table} WHERE published_at IS NULL ORDER BY seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED"
        ),
        mark_published=f"UPDATE {table} SET published_at = now() WHERE seq = ANY(%(published)s); ",
        record_failure=(
            f"UPDATE {table} SET publish_attempts = publish_attempts + 1, last_error = %(reason)s "
            "WHERE seq = %(failed)s; "
        ),
    )


def publish_rows(connection: Any, table: str, publisher: BrokerPublisher, limit: int = BATCH_LIMIT) -> int:
    """Publish up to `limit` unpublished rows in order on a DB-API connection in autocommit
    mode; returns how many were confirmed. The rows stay locked (SKIP LOCKED for any other
    relay) until they are marked, in the same transaction, after their confirms."""
    statements = _statements(table)
    published: list[int] = []
    failure: tuple[int, str] | None = None
    cursor = connection.cursor()
    try:
        cursor.execute(statements.take, {"limit": limit})
        rows = cursor.fetchall()
        for seq, event_id, exchange, event_type, version, payload, traceparent in rows:
            with _tracer.start_as_current_span(
                f"publish {event_type}",
                context=tracing.context_from_traceparent(traceparent),
                kind=trace.SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.destination.name": exchange,
                    "messaging.message.id": event_id,
                },
            ):
                try:
                    publisher.publish(
                        exchange,
                        event_type,
                        payload.encode(),
                        _properties(event_id, event_type, version, tracing.current_traceparent()),
                    )
                except Exception as exc:  # noqa: BLE001 - any broker failure stops the batch; the row stays pending
                    failure = (seq, f"{type(exc).__name__}: {exc}")
                    publisher.close()
                    break
            published.append(seq)
        finish = ""
        if published:
            finish += statements.mark_published
        if failure is not None:
            finish += statements.record_failure
        failed, reason = failure if failure is not None else (None, "")
        cursor.execute(finish + "COMMIT", {"published": published, "failed": failed, "reason": reason[:2000]})
    except BaseException:
        # Whatever was confirmed but not marked is sent again by the next batch, as after a crash.
        if not connection.closed:
            try:
                cursor.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - the first error is the one to report; the caller drops the connection
                pass
        raise
    finally:
        cursor.close()
    if failure is not None:
        log.warning("outbox row %s not published, will retry: %s", *failure)
        raise PublishFailed(failure[1])
    return len(published)


def _driver_connection(pooled: Any) -> Any:
    driver = pooled.driver_connection
    assert driver is not None
    return driver


def relay_batch(engine: Engine, tables: MessagingTables, publisher: BrokerPublisher, limit: int = BATCH_LIMIT) -> int:
    """Publish up to `limit` unpublished rows in order on a connection from `engine`'s pool;
    returns how many were confirmed."""
    pooled = engine.raw_connection()
    driver = _driver_connection(pooled)
    try:
        driver.autocommit = True
        sent = publish_rows(driver, tables.outbox.name, publisher, limit)
    except PublishFailed:
        driver.autocommit = False  # the batch committed what it recorded
        raise
    except BaseException:
        pooled.invalidate()  # its transaction state is unknown
        raise
    else:
        driver.autocommit = False
        return sent
    finally:
        pooled.close()


class Relay:
    def __init__(
        self, service: str, database_url: str, amqp_uri: str, poll_seconds: float = 1.0, gather_seconds: float = 0.0
    ) -> None:
        self.service = service
        self.gather_seconds = gather_seconds
        self.tables = messaging_tables(MetaData())
        # Driver connections only: the relay's statements get no SQL spans (they would
        # each start a trace of their own); each publish gets its span in the row's trace.
        self.engine = make_engine(database_url, pool_size=2, instrument=False)
        self.publisher = BrokerPublisher(amqp_uri)
        self.poll_seconds = poll_seconds
        self.running = True
        self._connection: Any = None
        self._listener: Any = None

    def relay_once(self) -> int:
        """One batch on the relay's own connection, kept open between batches (no pool
        checkout and no ping each time); a database error drops it, the next batch reconnects."""
        if self._connection is None or self._connection.closed:
            self._connection = self._own_connection()
            self._connection.autocommit = True
        try:
            return publish_rows(self._connection, self.tables.outbox.name, self.publisher)
        except PublishFailed:
            raise
        except Exception:
            self._close_connection()
            raise

    def _own_connection(self) -> Any:
        """A driver connection of the relay's own, outside the pool."""
        pooled = self.engine.raw_connection()
        driver = _driver_connection(pooled)
        pooled.detach()
        return driver

    def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone either way
                pass

    def _listen(self) -> Any:
        if self._listener is None or self._listener.closed:
            listener = self._own_connection()
            listener.autocommit = True  # needed for LISTEN
            cursor = listener.cursor()
            cursor.execute(f"LISTEN {OUTBOX_NOTIFY_CHANNEL}")
            cursor.close()
            self._listener = listener
        return self._listener

    def _drain_notifications(self) -> None:
        """Forget the NOTIFYs received so far: the batch about to start sees their rows."""
        listener = self._listen()
        listener.poll()
        listener.notifies.clear()

    def run(self) -> None:
        backoff = 0.5
        log.info("outbox relay for %s started", self.service)
        while self.running:
            try:
                self._drain_notifications()
                sent = self.relay_once()
                backoff = 0.5
                if sent == BATCH_LIMIT:
                    # More may be waiting. A shorter batch took everything committed when it
                    # began; what committed since has sent a NOTIFY, which wakes the select.
                    continue
                ready, _, _ = select_module.select([self._listen()], [], [], self.poll_seconds)
                if ready and self.gather_seconds:
                    time.sleep(self.gather_seconds)
            except Exception as exc:  # noqa: BLE001 - broker or database down: wait and retry, never exit
                log.warning("relay for %s waiting %.1fs after: %s", self.service, backoff, exc)
                if not isinstance(exc, PublishFailed) and self._listener is not None:
                    self._listener.close()
                time.sleep(backoff)
                backoff = min(backoff * 2, 15.0)
        self.publisher.close()
        self._close_connection()
        if self._listener is not None and not self._listener.closed:
            self._listener.close()

    def stop(self, *_: object) -> None:
        self.running = False


def main() -> None:
    parser = argparse.ArgumentParser(description="Relay a service's outbox to RabbitMQ")
    parser.add_argument("service", choices=settings_module.SERVICE_NAMES)
    parser.add_argument(
        "--gather-ms", type=float, default=0.0, help="after a NOTIFY, wait this long for more rows (default 0)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    cfg = settings_module.load()
    tracing.setup(f"{args.service}-relay")
    relay = Relay(args.service, cfg.database_url(args.service), cfg.amqp_uri, gather_seconds=args.gather_ms / 1000)
    signal.signal(signal.SIGTERM, relay.stop)
    signal.signal(signal.SIGINT, relay.stop)
    relay.run()


if __name__ == "__main__":
    main()
