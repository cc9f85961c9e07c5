"""The plant feed consumer: applies the plants' MES events to ordered cars.

    python -m order_service.plant_feed [--batch-size 200] [--prefetch 500]
                                       [--batch-idle-ms 2] [--batch-max-wait-ms 20]

Consumes the queue `order.plant-feed`, bound to every routing key of the topic exchange
`plant.events` (the contract is docs/plant-feed.md). Messages are taken in batches: a
batch is applied in one database transaction, one savepoint per message, so a bad message
is rolled back alone. Then, in this order: commit; publish the batch's dead letters (a
malformed message, or one that could not be applied) with publisher confirms; ack the
whole batch with one `multiple` ack. A crash anywhere before the ack brings the batch back;
its events are then recognised as already processed (by event id) and skipped, and any
dead letter may be sent twice, never lost. A database or broker outage is waited out with
backoff, without acking; the process does not exit until it is told to.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pika
import pika.exceptions
from opentelemetry import trace
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from order_service import timeline, tracking
from order_service.models import tables
from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.db import UnitOfWork, UnitOfWorkFactory
from plumbing.nameko_shell import DEAD_LETTER_EXCHANGE, dead_letter_queue

log = logging.getLogger("dealernet.order.plant_feed")

PLANT_EXCHANGE = "plant.events"
QUEUE = "order.plant-feed"
SERVICE = "order"
DEAD_LETTERS = dead_letter_queue(SERVICE)

BATCH_SIZE = 200
# More than a batch in flight, so the next batch is already here when one commits.
PREFETCH = 500
# A batch closes when no message came for this long, or when it is this old.
BATCH_IDLE_SECONDS = 0.002
BATCH_MAX_WAIT_SECONDS = 0.02
REPORT_EVERY_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 15.0


@dataclass(frozen=True)
class Delivery:
    tag: int
    routing_key: str
    properties: pika.BasicProperties
    body: bytes

    @property
    def traceparent(self) -> str | None:
        headers = self.properties.headers or {}
        value = headers.get("traceparent") or headers.get(tracing.AMQP_TRACEPARENT_HEADER)
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class DeadLetter:
    delivery: Delivery
    reason: str
    event_id: str = ""


class PlantFeed:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        amqp_uri: str,
        *,
        batch_size: int = BATCH_SIZE,
        prefetch: int = PREFETCH,
        batch_idle: float = BATCH_IDLE_SECONDS,
        batch_max_wait: float = BATCH_MAX_WAIT_SECONDS,
    ) -> None:
        self.unit_of_work = unit_of_work
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.prefetch = max(prefetch, batch_size)
        self.batch_idle = batch_idle
        self.batch_max_wait = batch_max_wait
        self.running = True
        self.durations = timeline.DurationsCache()
        self.counts: Counter[str] = Counter()
        self.pending: list[Delivery] = []
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._dead_letter_channel: BlockingChannel | None = None
        self._next_report = time.monotonic() + REPORT_EVERY_SECONDS
        self._tracer = tracing.tracer("dealernet.plant_feed")

    # --- running --------------------------------------------------------------------------

    def run(self) -> None:
        backoff = 0.5
        while self.running:
            try:
                self._connect()
                backoff = 0.5
                log.info("plant feed consuming %s (batches of up to %d)", QUEUE, self.batch_size)
                self._consume()
            except pika.exceptions.AMQPError as exc:
                log.warning("plant feed lost the broker, reconnecting in %.1fs: %r", backoff, exc)
                self._close()
                self._pause(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        self._close()
        log.info("plant feed stopped")

    def stop(self, *_: object) -> None:
        self.running = False

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.running and time.monotonic() < deadline:
            time.sleep(min(0.2, deadline - time.monotonic()))

    def _connect(self) -> None:
        self.pending = []
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_uri))
        self._connection = connection
        channel = connection.channel()
        channel.exchange_declare(PLANT_EXCHANGE, exchange_type="topic", durable=True)
        channel.queue_declare(QUEUE, durable=True)
        channel.queue_bind(QUEUE, PLANT_EXCHANGE, routing_key="#")
        channel.basic_qos(prefetch_count=self.prefetch)
        dead_letter_channel = connection.channel()
        dead_letter_channel.exchange_declare(DEAD_LETTER_EXCHANGE.name, exchange_type="direct", durable=True)
        dead_letter_channel.queue_declare(DEAD_LETTERS.name, durable=True)
        dead_letter_channel.queue_bind(
            DEAD_LETTERS.name, DEAD_LETTER_EXCHANGE.name, routing_key=DEAD_LETTERS.routing_key
        )
        dead_letter_channel.confirm_delivery()
        channel.basic_consume(QUEUE, self._on_message)
        self._channel = channel
        self._dead_letter_channel = dead_letter_channel

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        self._channel = self._dead_letter_channel = None
        self.pending = []
        if connection is not None and connection.is_open:
            try:
                connection.close()  # unacked deliveries go back to the queue
            except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone either way
                pass

    def _on_message(self, channel: Any, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        self.pending.append(Delivery(method.delivery_tag, method.routing_key or "", properties, body))

    def _consume(self) -> None:
        assert self._connection is not None
        while self.running:
            if not self.pending:
                self._connection.process_data_events(time_limit=0.5)
            self._gather()
            if self.pending:
                batch = self.pending[: self.batch_size]
                if self._handle(batch):
                    del self.pending[: len(batch)]
            self._report()

    def _gather(self) -> None:
        """Let a batch fill while messages keep coming, for a few milliseconds at most."""
        assert self._connection is not None
        if not self.pending:
            return
        deadline = time.monotonic() + self.batch_max_wait
        while len(self.pending) < self.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            before = len(self.pending)
            self._connection.process_data_events(time_limit=min(self.batch_idle, remaining))
            if len(self.pending) == before:
                return

    # --- one batch ----------------------------------------------------------------------------

    def _handle(self, batch: list[Delivery]) -> bool:
        """Apply, commit, dead-letter, ack. False when stopped before the batch committed."""
        received_at = dt.datetime.now(dt.UTC)
        events: list[tracking.PlantEvent] = []
        deliveries: list[Delivery] = []
        dead_letters: list[DeadLetter] = []
        for delivery in batch:
            try:
                event = tracking.parse_plant_message(delivery.body, received_at)
            except tracking.MalformedPlantMessage as exc:
                dead_letters.append(DeadLetter(delivery, f"malformed plant message: {exc}"))
                continue
            events.append(event)
            deliveries.append(delivery)
        outcomes = self._apply(batch, events)
        if outcomes is None:
            return False
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            self.counts[outcome.result.value] += 1
            if outcome.result is timeline.Result.FAILED:
                dead_letters.append(DeadLetter(delivery, f"not applied: {outcome.reason}", outcome.event_id))
        for dead_letter in dead_letters:
            self._dead_letter(dead_letter)
        self.counts["dead_lettered"] += len(dead_letters)
        assert self._channel is not None
        self._channel.basic_ack(delivery_tag=batch[-1].tag, multiple=True)
        return True

    def _apply(self, batch: list[Delivery], events: list[tracking.PlantEvent]) -> list[timeline.Outcome] | None:
        """Apply the events in one transaction; wait out a database outage (not acking)."""
        backoff = 0.5
        while True:
            with self._batch_span(batch) as span:
                try:
                    with self.unit_of_work() as uow:
                        outcomes: list[timeline.Outcome] = timeline.apply_plant_events(
                            uow, events, dt.datetime.now(dt.UTC), durations=self.durations
                        )
                        uow.commit()
                    span.set_attribute("dealernet.plant_feed.applied", sum(o.result == "applied" for o in outcomes))
                    return outcomes
                except Exception as exc:  # noqa: BLE001 - not acked: the batch is retried, and any part that did commit is then skipped
                    span.record_exception(exc)
                    span.set_status(trace.Status(trace.StatusCode.ERROR, str(exc)))
                    log.warning(
                        "plant feed batch of %d not applied, retrying in %.1fs: %s: %s",
                        len(batch),
                        backoff,
                        type(exc).__name__,
                        exc,
                    )
            if not self.running:
                return None
            assert self._connection is not None
            # Sleeping through the connection keeps its heartbeats answered.
            self._connection.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _batch_span(self, batch: list[Delivery]) -> Any:
        """One span per batch: a child of the message's trace when there is one message,
        otherwise linked to each message's trace."""
        contexts = [
            trace.get_current_span(tracing.context_from_traceparent(d.traceparent)).get_span_context()
            for d in batch
            if d.traceparent
        ]
        contexts = [context for context in contexts if context.is_valid]
        parent = None
        links = []
        if len(batch) == 1 and contexts:
            parent = trace.set_span_in_context(trace.NonRecordingSpan(contexts[0]))
        else:
            links = [trace.Link(context) for context in contexts]
        return self._tracer.start_as_current_span(
            f"{QUEUE} process",
            context=parent,
            kind=trace.SpanKind.CONSUMER,
            links=links,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.operation": "process",
                "messaging.destination.name": PLANT_EXCHANGE,
                "messaging.batch.message_count": len(batch),
            },
            record_exception=False,
            set_status_on_exception=False,
        )

    def _dead_letter(self, dead_letter: DeadLetter) -> None:
        """Publish the original body with the reason; returns once the broker confirmed it."""
        assert self._dead_letter_channel is not None
        delivery = dead_letter.delivery
        log.error("plant feed dead-letters a message (%s): %s", delivery.routing_key, dead_letter.reason)
        self._dead_letter_channel.basic_publish(
            DEAD_LETTER_EXCHANGE.name,
            DEAD_LETTERS.routing_key,
            delivery.body,
            pika.BasicProperties(
                content_type=delivery.properties.content_type or "application/json",
                delivery_mode=pika.DeliveryMode.Persistent,
                message_id=dead_letter.event_id or delivery.properties.message_id,
                headers={
                    "x-dead-letter-reason": dead_letter.reason[:4000],
                    "x-handler": timeline.PLANT_FEED_HANDLER,
                    "x-source-exchange": PLANT_EXCHANGE,
                    "x-source-routing-key": delivery.routing_key,
                    "x-message-id": dead_letter.event_id,
                    "x-failed-at": dt.datetime.now(dt.UTC).isoformat(),
                },
            ),
            mandatory=True,
        )

    # --- now and then -------------------------------------------------------------------------

    def _report(self) -> None:
        """Every half minute: apply parked events whose VIN has since been given to an order,
        and log what the feed did, with how many events wait parked."""
        now = time.monotonic()
        if now < self._next_report:
            return
        self._next_report = now + REPORT_EVERY_SECONDS
        try:
            with self.unit_of_work() as uow:
                released = timeline.retry_parked_events(uow, dt.datetime.now(dt.UTC))
                uow.commit()
                parked = timeline.parked_count(uow)
        except Exception as exc:  # noqa: BLE001 - only a report; the next one tries again
            log.warning("plant feed could not read its parked events: %s", exc)
            return
        counts = ", ".join(f"{key} {self.counts[key]}" for key in sorted(self.counts)) or "nothing"
        log.info(
            "plant feed, last %.0fs: %s; parked events applied %d; parked_count %d",
            REPORT_EVERY_SECONDS,
            counts,
            released,
            parked,
        )
        self.counts.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description="Apply the plants' MES events to ordered cars")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--prefetch", type=int, default=PREFETCH)
    parser.add_argument(
        "--batch-idle-ms", type=float, default=BATCH_IDLE_SECONDS * 1000, help="close a batch after this quiet"
    )
    parser.add_argument(
        "--batch-max-wait-ms", type=float, default=BATCH_MAX_WAIT_SECONDS * 1000, help="close a batch this old"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("pika").setLevel(logging.WARNING)
    cfg = settings_module.load()
    tracing.setup("order-plant-feed")
    # No span per SQL statement (a batch runs hundreds; its one span says what it did), and
    # no ping before each batch: a dead connection fails the batch, which is then retried.
    engine = create_engine(cfg.database_url(SERVICE), pool_size=2, max_overflow=0, pool_pre_ping=False)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    feed = PlantFeed(
        lambda: UnitOfWork(sessions(), SERVICE, tables),
        cfg.amqp_uri,
        batch_size=args.batch_size,
        prefetch=args.prefetch,
        batch_idle=args.batch_idle_ms / 1000,
        batch_max_wait=args.batch_max_wait_ms / 1000,
    )
    signal.signal(signal.SIGTERM, feed.stop)
    signal.signal(signal.SIGINT, feed.stop)
    try:
        feed.run()
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
