"""The outbox and its relay against the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import importlib
import json
import select as select_module
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pika.exceptions
import psycopg2
import pytest
from opentelemetry import trace
from sqlalchemy import func, select, text

from order_service.models import tables
from plumbing import tracing
from plumbing.db import OUTBOX_NOTIFY_CHANNEL, Database
from plumbing.relay import BrokerPublisher, relay_batch
from tests.processes import running, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def order_database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("order", fresh_database("order"), tables, pool_size=2)
    yield db
    db.engine.dispose()


@pytest.fixture
def database(order_database: Database) -> Database:
    with order_database.engine.begin() as conn:
        conn.execute(tables.outbox.delete())
    return order_database


@pytest.fixture
def listener(amqp_uri: str) -> Iterator[Callable[[int, float], list[tuple[Any, Any, bytes]]]]:
    """A private queue bound to every order event; returns a function collecting messages."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare("order.events", exchange_type="topic", durable=True)
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, "order.events", routing_key="#")

    def collect(expected: int, timeout: float = 10.0) -> list[tuple[Any, Any, bytes]]:
        received: list[tuple[Any, Any, bytes]] = []
        for method, properties, body in channel.consume(queue, inactivity_timeout=timeout, auto_ack=True):
            if method is None:
                break
            received.append((method, properties, body))
            if len(received) >= expected:
                break
        channel.cancel()
        return received

    yield collect
    connection.close()


def unpublished(database: Database) -> int:
    with database.engine.connect() as conn:
        return conn.scalar(select(func.count()).where(tables.outbox.c.published_at.is_(None)))  # type: ignore[no-any-return]


def record(database: Database, count: int = 1, commit: bool = True) -> list[str]:
    with database.unit_of_work() as uow:
        ids = [uow.record_event("order.placed", {"order_number": f"ORD-T-{i}"}) for i in range(count)]
        if commit:
            uow.commit()
    return ids


def test_a_committed_event_is_published_once_with_its_id_and_trace(database: Database, amqp_uri: str, listener) -> None:
    tracing.setup("test")
    with trace.get_tracer("test").start_as_current_span("place order") as span:
        [event_id] = record(database)
        trace_id = format(span.get_span_context().trace_id, "032x")

    publisher = BrokerPublisher(amqp_uri)
    assert relay_batch(database.engine, tables, publisher) == 1
    assert relay_batch(database.engine, tables, publisher) == 0
    publisher.close()

    [(method, properties, body)] = listener(1)
    envelope = json.loads(body)
    assert method.routing_key == "order.placed"
    assert properties.message_id == event_id == envelope["id"]
    assert properties.delivery_mode == 2
    assert envelope["type"] == "order.placed" and envelope["version"] == 1
    assert envelope["data"] == {"order_number": "ORD-T-0"}
    assert properties.headers[tracing.AMQP_TRACEPARENT_HEADER].split("-")[1] == trace_id
    assert unpublished(database) == 0


def test_an_outbox_row_holds_the_whole_envelope_and_the_callers_trace(database: Database) -> None:
    tracing.setup("test")
    with trace.get_tracer("test").start_as_current_span("plant event"):
        traceparent = tracing.current_traceparent()
        with database.unit_of_work() as uow:
            event_id = uow.record_event("order.stage_reached", {"vin": "V", "note": "Überführung"}, version=1)
            uow.commit()
    with database.engine.connect() as conn:
        row = conn.execute(select(tables.outbox).where(tables.outbox.c.event_id == uuid.UUID(event_id))).one()

    assert (row.exchange, row.event_type, row.version, row.traceparent) == (
        "order.events",
        "order.stage_reached",
        1,
        traceparent,
    )
    assert (row.published_at, row.publish_attempts, row.last_error) == (None, 0, None)
    assert sorted(row.payload) == ["data", "id", "occurred_at", "source", "type", "version"]
    assert row.payload["id"] == event_id and row.payload["source"] == "order"
    assert row.payload["data"] == {"vin": "V", "note": "Überführung"}


def test_a_rolled_back_change_announces_nothing(database: Database) -> None:
    record(database, commit=False)
    with database.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(tables.outbox)) == 0


def test_events_stay_pending_while_the_broker_is_unreachable_and_go_out_after(
    database: Database, amqp_uri: str, listener
) -> None:
    ids = record(database, count=3)
    with pytest.raises(ConnectionError):
        relay_batch(database.engine, tables, BrokerPublisher("amqp://guest:guest@127.0.0.1:1/"))
    assert unpublished(database) == 3
    with database.engine.connect() as conn:
        attempts, error = conn.execute(
            select(tables.outbox.c.publish_attempts, tables.outbox.c.last_error).order_by(tables.outbox.c.seq).limit(1)
        ).one()
    assert attempts == 1 and error

    publisher = BrokerPublisher(amqp_uri)
    assert relay_batch(database.engine, tables, publisher) == 3
    publisher.close()
    assert [p.message_id for _, p, _ in listener(3)] == ids


class BrokerLostOnSecondPublish(BrokerPublisher):
    def __init__(self, amqp_uri: str) -> None:
        super().__init__(amqp_uri)
        self.calls = 0

    def publish(self, *args: Any) -> None:
        self.calls += 1
        if self.calls == 2:
            raise pika.exceptions.AMQPConnectionError("broker went away")
        super().publish(*args)


def test_a_batch_cut_short_by_the_broker_keeps_what_was_confirmed_and_records_the_failure(
    database: Database, amqp_uri: str, listener
) -> None:
    ids = record(database, count=3)
    publisher = BrokerLostOnSecondPublish(amqp_uri)
    with pytest.raises(ConnectionError):
        relay_batch(database.engine, tables, publisher)
    outbox = tables.outbox
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.published_at.is_not(None), outbox.c.publish_attempts, outbox.c.last_error).order_by(
                outbox.c.seq
            )
        ).all()
    assert [(published, attempts) for published, attempts, _ in rows] == [(True, 0), (False, 1), (False, 0)]
    assert "broker went away" in rows[1][2]

    publisher = BrokerPublisher(amqp_uri)
    assert relay_batch(database.engine, tables, publisher) == 2
    publisher.close()
    assert [p.message_id for _, p, _ in listener(3)] == ids


def test_a_relay_started_after_a_crash_publishes_what_was_left(database: Database, amqp_uri: str, listener) -> None:
    ids = record(database, count=5)  # committed while no relay was running
    with running([sys.executable, "-m", "plumbing.relay", "order"], log_name="relay-restart"):
        wait_for("outbox drained", lambda: unpublished(database) == 0, timeout=20)
        later = record(database, count=2)  # woken by NOTIFY, not only by polling
        wait_for("new events drained", lambda: unpublished(database) == 0, timeout=20)
    assert sorted(p.message_id for _, p, _ in listener(7)) == sorted(ids + later)


def test_a_relay_that_lost_its_database_connections_reconnects(database: Database, amqp_uri: str, listener) -> None:
    with running([sys.executable, "-m", "plumbing.relay", "order"], log_name="relay-reconnect") as relay:
        before = record(database, count=2)
        wait_for("outbox drained", lambda: unpublished(database) == 0, timeout=20)
        with database.engine.connect() as conn:
            # As a database restart would: every other session of this database ends.
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        time.sleep(2)  # longer than the relay's poll: it has seen its sessions go by now
        assert relay.poll() is None
        after = record(database, count=2)
        wait_for("events recorded after the loss drained", lambda: unpublished(database) == 0, timeout=30)
        assert relay.poll() is None
    assert sorted(p.message_id for _, p, _ in listener(4)) == sorted(before + after)


def test_two_relays_never_send_the_same_row(database: Database, amqp_uri: str, listener) -> None:
    ids = record(database, count=300)
    command = [sys.executable, "-m", "plumbing.relay", "order"]
    with running(command, log_name="relay-a"), running(command, log_name="relay-b"):
        wait_for("outbox drained", lambda: unpublished(database) == 0, timeout=30)
    received = [p.message_id for _, p, _ in listener(400, timeout=3)]
    assert len(received) == len(set(received)) == 300
    assert set(received) == set(ids)


def test_a_claimed_message_is_claimed_once(database: Database) -> None:
    message_id = str(uuid.uuid4())
    with database.unit_of_work() as uow:
        assert uow.claim_message(message_id, "inventory.on_order_placed")
        uow.commit()
    with database.unit_of_work() as uow:
        assert not uow.claim_message(message_id, "inventory.on_order_placed")
        assert uow.claim_message(message_id, "customer.on_order_placed")


# Every service database with an outbox, and the name its relay listens for.
OUTBOX_SERVICES = {
    "order": "order_service.models",
    "inventory": "inventory_service.models",
    "customer": "customer_service.models",
    "station": "station_service.models",
    "monitor": "monitor_service.models",
}


@pytest.mark.parametrize("service", sorted(OUTBOX_SERVICES))
def test_the_database_wakes_the_relay_once_per_committed_transaction_and_never_for_a_rollback(
    service: str, fresh_database: Callable[[str], str]
) -> None:
    url = fresh_database(service)
    db = Database(service, url, importlib.import_module(OUTBOX_SERVICES[service]).tables, pool_size=1)
    listener = psycopg2.connect(db.engine.url.render_as_string(hide_password=False).replace("+psycopg2", ""))
    try:
        listener.autocommit = True
        listener.cursor().execute(f"LISTEN {OUTBOX_NOTIFY_CHANNEL}")

        def heard(within: float = 0.5) -> list[str]:
            """The notifications that arrived, waiting up to `within` seconds for a first one
            (they travel on a connection of their own). A second one for the same commit
            would still be there at the next call."""
            deadline = time.monotonic() + within
            while not listener.notifies and (left := deadline - time.monotonic()) > 0:
                select_module.select([listener], [], [], left)
                listener.poll()
            payloads = [n.payload for n in listener.notifies if n.channel == OUTBOX_NOTIFY_CHANNEL]
            listener.notifies.clear()
            return payloads

        with db.unit_of_work() as uow:
            uow.record_event("test.happened", {"n": 1})
            uow.record_event("test.happened", {"n": 2})
            assert heard() == []  # not before the commit
            uow.commit()
        assert heard() == [service]

        with db.unit_of_work() as uow:
            uow.record_event("test.happened", {"n": 3})  # left without a commit: rolled back
        with db.unit_of_work() as uow:
            uow.session.execute(text("SELECT 1"))
            uow.commit()  # a transaction that wrote no event
        assert heard() == []
    finally:
        listener.close()
        db.engine.dispose()
