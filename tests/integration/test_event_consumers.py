"""A real Nameko inventory service consuming order events from the real broker."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import func, select

from inventory_service.models import MovementRow, ReservationRow, StockVehicleRow, tables
from plumbing.db import Database, event_envelope
from plumbing.nameko_shell import DEAD_LETTER_EXCHANGE
from plumbing.principal import Principal, Role
from plumbing.vin import vin_check_digit
from tests.processes import nameko_service, queue_consumed, running, wait_for

pytestmark = pytest.mark.integration

CONSUMER_QUEUE = "evt-order-order.placed--inventory.on_order_placed"
DEAD_LETTERS = "inventory.dead-letters"


@pytest.fixture(scope="module")
def inventory(fresh_database: Callable[[str], str], amqp_uri: str) -> Iterator[Database]:
    db = Database("inventory", fresh_database("inventory"), tables, pool_size=2)
    with db.unit_of_work() as uow:
        uow.session.add(
            StockVehicleRow(
                vin="LDN2A4C19R0000001",
                model_code="AUR",
                trim_code="LX",
                colour_code="WHT",
                location_code="POOL",
                status="available",
            )
        )
        uow.commit()
    # Events other tests published to order.events wait in this queue; start without them.
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    connection.channel().queue_delete(CONSUMER_QUEUE)
    connection.close()
    with running(nameko_service("inventory_service.service"), log_name="inventory-events"):
        wait_for("inventory consumer queue", lambda: queue_consumed(amqp_uri, CONSUMER_QUEUE), timeout=60)
        yield db
    db.engine.dispose()


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare(DEAD_LETTER_EXCHANGE.name, exchange_type="direct", durable=True)
    channel.queue_declare(DEAD_LETTERS, durable=True)
    channel.queue_bind(DEAD_LETTERS, DEAD_LETTER_EXCHANGE.name, routing_key="inventory")
    channel.queue_purge(DEAD_LETTERS)
    yield channel
    connection.close()


def publish(channel: Any, body: Any, raw: bytes | None = None) -> None:
    channel.basic_publish(
        "order.events",
        "order.placed",
        raw if raw is not None else json.dumps(body).encode(),
        pika.BasicProperties(content_type="application/json", delivery_mode=2),
    )


def order_placed(order_number: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "order_number": order_number,
        "dealer_code": "D001",
        "model_code": "AUR",
        "trim_code": "LX",
        "colour_code": "WHT",
        "wanted_week": "",
        **overrides,
    }
    return event_envelope("order", "order.placed", data, 1)


def reservation(db: Database, order_number: str) -> ReservationRow | None:
    with db.unit_of_work() as uow:
        return uow.session.get(ReservationRow, order_number)


def count(db: Database, table: Any, *where: Any) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(*where))  # type: ignore[no-any-return]


def dead_letters(channel: Any, expected: int, timeout: float = 15) -> list[tuple[Any, bytes]]:
    received = []
    for method, properties, body in channel.consume(DEAD_LETTERS, inactivity_timeout=timeout, auto_ack=True):
        if method is None:
            break
        received.append((properties, body))
        if len(received) >= expected:
            break
    channel.cancel()
    return received


def test_a_placed_order_reserves_the_matching_pool_car_and_announces_it(inventory: Database, broker) -> None:
    order_number = f"ORD-T-{uuid.uuid4().hex[:8]}"
    publish(broker, order_placed(order_number))
    row = wait_for("reservation", lambda: reservation(inventory, order_number))
    assert row.outcome == "reserved" and row.vin == "LDN2A4C19R0000001"
    assert count(inventory, tables.outbox, tables.outbox.c.payload["data"]["order_number"].astext == order_number) == 1


def test_the_same_message_delivered_twice_is_processed_once(inventory: Database, broker) -> None:
    order_number = f"ORD-T-{uuid.uuid4().hex[:8]}"
    event = order_placed(order_number, colour_code="RED")
    publish(broker, event)
    publish(broker, event)
    wait_for("reservation", lambda: reservation(inventory, order_number))
    marker = f"ORD-T-{uuid.uuid4().hex[:8]}"
    publish(broker, order_placed(marker))  # processed after both copies: the queue is in order
    wait_for("marker reservation", lambda: reservation(inventory, marker))
    assert count(inventory, tables.processed_messages, tables.processed_messages.c.message_id == event["id"]) == 1
    outbox_for_order = tables.outbox.c.payload["data"]["order_number"].astext == order_number
    assert count(inventory, tables.outbox, outbox_for_order) == 1
    assert reservation(inventory, order_number).outcome == "unavailable"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "raw", "reason"),
    [
        (order_placed("ORD-T-BAD", model_code=""), None, "missing model_code"),
        ({**order_placed("ORD-T-V9"), "version": 9}, None, "version 9 not handled"),
        (["not", "an", "event"], None, "must be a JSON object"),
        (None, b"{not json", "cannot be decoded as application/json"),
    ],
)
def test_a_message_that_cannot_be_handled_is_dead_lettered_with_its_reason(
    inventory: Database, broker, body: Any, raw: bytes | None, reason: str
) -> None:
    publish(broker, body, raw)
    [(properties, dead_body)] = dead_letters(broker, 1)
    assert reason in properties.headers["x-dead-letter-reason"]
    assert properties.headers["x-source-routing-key"] == "order.placed" or raw is None
    if raw is None:
        assert properties.headers["x-handler"] == "inventory.on_order_placed"
        assert json.loads(dead_body) == body
    else:
        assert dead_body == raw

    # The consumer is not stuck: the next good message is processed.
    order_number = f"ORD-T-{uuid.uuid4().hex[:8]}"
    publish(broker, order_placed(order_number, colour_code="SLV"))
    wait_for("reservation after a poisoned message", lambda: reservation(inventory, order_number))


def test_another_service_asking_by_rpc_sees_only_what_its_principal_may(
    inventory: Database, broker, amqp_uri: str
) -> None:
    order_number = f"ORD-T-{uuid.uuid4().hex[:8]}"
    publish(broker, order_placed(order_number, colour_code="BLK"))
    wait_for("reservation", lambda: reservation(inventory, order_number))

    def ask(principal: Principal | None) -> dict[str, Any]:
        context = {"principal": principal.to_json()} if principal else {}
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=context) as cluster:
            return cluster.inventory.get_reservation(order_number)  # type: ignore[no-any-return]

    assert ask(Principal("d001.sales", Role.DEALER, "D001"))["outcome"] == "unavailable"
    assert ask(Principal("hq.analyst", Role.HQ))["order_number"] == order_number
    with pytest.raises(RemoteError) as hidden:
        ask(Principal("d002.sales", Role.DEALER, "D002"))
    assert hidden.value.exc_type == "NotFound"
    with pytest.raises(RemoteError) as anonymous:
        ask(None)
    assert anonymous.value.exc_type == "PrincipalError"


def test_a_shipped_then_arrived_car_moves_through_the_pool_into_the_dealers_stock(inventory: Database, broker) -> None:
    draft = "LDN2A4C10R0000777"
    vin = draft[:8] + vin_check_digit(draft) + draft[9:]
    car = {"order_number": "D001-000777", "dealer_code": "D001", "vin": vin}
    shipped = event_envelope(
        "order", "order.vehicle_shipped", car | {"model_code": "AUR", "trim_code": "EX", "colour_code": "BLK"}, 1
    )
    arrived = event_envelope(
        "order",
        "order.vehicle_arrived",
        car | {"model_code": "AUR", "trim_code": "EX", "colour_code": "BLK", "arrived_at": "2026-11-20T09:00:00+00:00"},
        1,
    )

    def stock_row() -> StockVehicleRow | None:
        with inventory.unit_of_work() as uow:
            return uow.session.get(StockVehicleRow, vin)

    as_json = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    broker.basic_publish("order.events", "order.vehicle_shipped", json.dumps(shipped).encode(), as_json)
    on_the_way = wait_for("car in the pool", stock_row)
    assert (on_the_way.location_code, on_the_way.status) == ("POOL", "in_transit")
    broker.basic_publish("order.events", "order.vehicle_arrived", json.dumps(arrived).encode(), as_json)
    at_dealer = wait_for("car at the dealer", lambda: (row := stock_row()) and row.location_code == "D001" and row)

    assert at_dealer.status == "available" and at_dealer.reserved_for_order is None
    with inventory.engine.connect() as conn:
        moves = conn.execute(
            select(MovementRow.kind, MovementRow.location_code, MovementRow.on_hand_change)
            .where(MovementRow.vin == vin)
            .order_by(MovementRow.seq)
        ).all()
    assert [tuple(m) for m in moves] == [("receipt", "POOL", 1), ("dispatch", "POOL", -1), ("receipt", "D001", 1)]
