"""The outbox relay: publishes committed outbox rows to RabbitMQ with publisher confirms.

A row is marked published only after the broker confirmed it, so a crash anywhere leaves
the row unpublished and the next relay (or the same one, restarted) sends it again.
Consumers are idempotent by event id, which makes that duplicate harmless. Rows are taken
with FOR UPDATE SKIP LOCKED, so several relays on one database never send the same row at
the same time. The relay wakes on the NOTIFY that a committing transaction sends, and polls
as a fallback.

    python -m plumbing.relay order
"""

from __future__ import annotations

import argparse
import json
import logging
import select as select_module
import signal
import time
from typing import Any

import pika
from opentelemetry import trace
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import MetaData, func, select, update
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


def _properties(row: Any, traceparent: str | None) -> pika.BasicProperties:
    headers = {"event_type": row.event_type, "event_version": row.version}
    if traceparent:
        headers[tracing.AMQP_TRACEPARENT_HEADER] = traceparent
    return pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=str(row.event_id),
        type=row.event_type,
        headers=headers,
    )


BATCH_LIMIT = 200


def relay_batch(engine: Engine, tables: MessagingTables, publisher: BrokerPublisher, limit: int = BATCH_LIMIT) -> int:
    """Publish up to `limit` unpublished rows in order; returns how many were confirmed."""
    outbox = tables.outbox
    published: list[int] = []
    tracer = tracing.tracer("dealernet.relay")
    with engine.begin() as conn:
        rows = conn.execute(
            select(outbox)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        failure: tuple[int, str] | None = None
        for row in rows:
            parent = tracing.context_from_traceparent(row.traceparent)
            with tracer.start_as_current_span(
                f"publish {row.event_type}",
                context=parent,
                kind=trace.SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "rabbitmq",
                    "messaging.destination.name": row.exchange,
                    "messaging.message.id": str(row.event_id),
                },
            ):
                try:
                    publisher.publish(
                        row.exchange,
                        row.event_type,
                        json.dumps(row.payload).encode(),
                        _properties(row, tracing.current_traceparent()),
                    )
                except Exception as exc:  # noqa: BLE001 - any broker failure stops the batch; the row stays pending
                    failure = (row.seq, f"{type(exc).__name__}: {exc}")
                    publisher.close()
                    break
            published.append(row.seq)
        if published:
            conn.execute(update(outbox).where(outbox.c.seq.in_(published)).values(published_at=func.now()))
        if failure is not None:
            seq, reason = failure
            conn.execute(
                update(outbox)
                .where(outbox.c.seq == seq)
                .values(publish_attempts=outbox.c.publish_attempts + 1, last_error=reason[:2000])
            )
            log.warning("outbox row %s not published, will retry: %s", seq, reason)
    if failure is not None:
        raise ConnectionError(failure[1])
    return len(published)


class Relay:
    def __init__(self, service: str, database_url: str, amqp_uri: str, poll_seconds: float = 1.0) -> None:
        self.service = service
        self.tables = messaging_tables(MetaData())
        self.engine = make_engine(database_url, pool_size=2)
        self.publisher = BrokerPublisher(amqp_uri)
        self.poll_seconds = poll_seconds
        self.running = True

    def run(self) -> None:
        listener = self.engine.raw_connection()
        listener.set_isolation_level(0)  # autocommit, needed for LISTEN
        cursor = listener.cursor()
        cursor.execute(f"LISTEN {OUTBOX_NOTIFY_CHANNEL}")
        backoff = 0.5
        log.info("outbox relay for %s started", self.service)
        while self.running:
            try:
                sent = relay_batch(self.engine, self.tables, self.publisher)
                backoff = 0.5
            except Exception as exc:  # noqa: BLE001 - broker or database down: wait and retry, never exit
                log.warning("relay for %s waiting %.1fs after: %s", self.service, backoff, exc)
                time.sleep(backoff)
                backoff = min(backoff * 2, 15.0)
                continue
            if sent == BATCH_LIMIT:
                # More may be waiting. A shorter batch took everything committed when it
                # began; what committed since has sent a NOTIFY, which wakes the select.
                continue
            ready, _, _ = select_module.select([listener], [], [], self.poll_seconds)
            if ready:
                listener.poll()
                listener.notifies.clear()
        self.publisher.close()
        listener.close()

    def stop(self, *_: object) -> None:
        self.running = False


def main() -> None:
    parser = argparse.ArgumentParser(description="Relay a service's outbox to RabbitMQ")
    parser.add_argument("service", choices=settings_module.SERVICE_NAMES)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    cfg = settings_module.load()
    tracing.setup(f"{args.service}-relay")
    relay = Relay(args.service, cfg.database_url(args.service), cfg.amqp_uri)
    signal.signal(signal.SIGTERM, relay.stop)
    signal.signal(signal.SIGINT, relay.stop)
    relay.run()


if __name__ == "__main__":
    main()
