"""A car reaching its dealer and its buyer: the real Nameko inventory and customer services
consume the order service's events from the real broker."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pika
import pytest
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import func, select

from customer_service import customers
from customer_service.domain import RegistrationForm
from customer_service.models import CustomerVehicleRow
from customer_service.models import tables as customer_tables
from inventory_service.models import StockVehicleRow
from inventory_service.models import tables as inventory_tables
from plumbing.db import Database, event_envelope
from plumbing.nameko_shell import DEAD_LETTER_EXCHANGE
from plumbing.principal import Principal, Role
from scripts.seed_demo import demo_vin
from tests.processes import BIN, ROOT, nameko_service, queue_consumed, running, wait_for

pytestmark = pytest.mark.integration

INVENTORY_QUEUES = (
    "evt-order-order.placed--inventory.on_order_placed",
    "evt-order-order.cancelled--inventory.on_order_cancelled",
    "evt-order-order.rejected--inventory.on_order_rejected",
    "evt-order-order.vehicle_arrived--inventory.on_vehicle_arrived",
    "evt-order-order.vehicle_delivered--inventory.on_vehicle_delivered",
)
CUSTOMER_QUEUE = "evt-order-order.vehicle_delivered--customer.on_vehicle_delivered"
LOGS = ROOT / "var" / "test-logs"
HQ = Principal("hq.master-data", Role.HQ)

POOL_CAR = demo_vin(910_001)
POOL_CAR_ORDER = "ORD-2026-0910001"
# Held in the pool for orders that are then cancelled and rejected.
WITHDRAWN = {
    "order.cancelled": (demo_vin(910_011), "ORD-2026-0910011"),
    "order.rejected": (demo_vin(910_012), "ORD-2026-0910012"),
}


@pytest.fixture(scope="module")
def services(fresh_database: Callable[[str], str], amqp_uri: str) -> Iterator[tuple[Database, Database]]:
    inventory = Database("inventory", fresh_database("inventory"), inventory_tables, pool_size=2)
    customer = Database("customer", fresh_database("customer"), customer_tables, pool_size=2)
    with inventory.unit_of_work() as uow:
        for vin, order_number in (((POOL_CAR, POOL_CAR_ORDER)), *WITHDRAWN.values()):
            uow.session.add(
                StockVehicleRow(
                    vin=vin,
                    model_code="AUR",
                    trim_code="LX",
                    colour_code="WHT",
                    location_code="POOL",
                    status="reserved",
                    reserved_for_order=order_number,
                    reserved_for_dealer="D001",
                )
            )
        uow.commit()
    # Events other tests published to order.events wait in these queues; start without them.
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    for queue in (*INVENTORY_QUEUES, CUSTOMER_QUEUE):
        connection.channel().queue_delete(queue)
    connection.close()
    with (
        running(nameko_service("inventory_service.service"), log_name="inventory-handover") as inventory_process,
        running(nameko_service("customer_service.service"), log_name="customer-handover") as customer_process,
    ):
        for queue in (*INVENTORY_QUEUES, CUSTOMER_QUEUE):
            wait_for(f"consumer queue {queue}", lambda queue=queue: queue_consumed(amqp_uri, queue), timeout=60)
        yield inventory, customer
        # Both told to stop at once, rather than one after the other.
        for process in (inventory_process, customer_process):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (inventory_process, customer_process):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
    inventory.engine.dispose()
    customer.engine.dispose()


@pytest.fixture(scope="module")
def inventory(services: tuple[Database, Database]) -> Database:
    return services[0]


@pytest.fixture(scope="module")
def customer_master(services: tuple[Database, Database]) -> Database:
    return services[1]


@pytest.fixture
def broker(amqp_uri: str) -> Iterator[Any]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    for exchange in ("order.events", "inventory.events"):
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    channel.exchange_declare(DEAD_LETTER_EXCHANGE.name, exchange_type="direct", durable=True)
    for service in ("customer", "inventory"):
        channel.queue_declare(f"{service}.dead-letters", durable=True)
        channel.queue_bind(f"{service}.dead-letters", DEAD_LETTER_EXCHANGE.name, routing_key=service)
        channel.queue_purge(f"{service}.dead-letters")
    yield channel
    connection.close()


def publish(channel: Any, envelope: dict[str, Any]) -> None:
    channel.basic_publish(
        "order.events",
        envelope["type"],
        json.dumps(envelope).encode(),
        pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=envelope["id"]),
    )


def at(hours: int) -> str:
    return (dt.datetime(2027, 2, 1, 9, tzinfo=dt.UTC) + dt.timedelta(hours=hours)).isoformat()


def arrived(vin: str, order_number: str, dealer_code: str = "D001", **overrides: Any) -> dict[str, Any]:
    data = {
        "order_number": order_number,
        "dealer_code": dealer_code,
        "vin": vin,
        "arrived_at": at(0),
        "model_code": "AUR",
        "trim_code": "LX",
        "colour_code": "WHT",
        **overrides,
    }
    return event_envelope("order", "order.vehicle_arrived", data, 1)


def delivered(
    vin: str, order_number: str, customer_id: str, dealer_code: str = "D001", **overrides: Any
) -> dict[str, Any]:
    data = {
        "order_number": order_number,
        "dealer_code": dealer_code,
        "vin": vin,
        "customer_id": customer_id,
        "delivered_at": at(48),
        **overrides,
    }
    return event_envelope("order", "order.vehicle_delivered", data, 1)


def new_customer(customer_master: Database, phone: str) -> str:
    with customer_master.unit_of_work() as uow:
        result = customers.register_customer(uow, HQ, RegistrationForm(full_name="Mei Lin", phone=phone))
        uow.commit()
        return str(result.customer.id)


def stock_row(inventory: Database, vin: str) -> StockVehicleRow | None:
    with inventory.unit_of_work() as uow:
        return uow.session.get(StockVehicleRow, vin)


def link_of(customer_master: Database, vin: str) -> CustomerVehicleRow | None:
    with customer_master.unit_of_work() as uow:
        return uow.session.get(CustomerVehicleRow, vin)


def received_events(inventory: Database, vin: str) -> list[dict[str, Any]]:
    outbox = inventory_tables.outbox
    with inventory.engine.connect() as conn:
        payloads = conn.scalars(
            select(outbox.c.payload).where(
                outbox.c.event_type == "inventory.vehicle_received", outbox.c.payload["data"]["vin"].astext == vin
            )
        )
        return list(payloads)


def processed(database: Database, message_id: str) -> int:
    processed_messages = database.tables.processed_messages
    with database.engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count())
                .select_from(processed_messages)
                .where(processed_messages.c.message_id == message_id)
            )
        )


def skipped_in_log(log_name: str, handler: str, message_id: str) -> bool:
    return f"{handler} already processed {message_id}; skipped" in Path(LOGS / f"{log_name}.log").read_text()


def dead_letters(channel: Any, queue: str, expected: int, timeout: float = 15) -> list[tuple[Any, bytes]]:
    received = []
    for method, properties, body in channel.consume(queue, inactivity_timeout=timeout, auto_ack=True):
        if method is None:
            break
        received.append((properties, body))
        if len(received) >= expected:
            break
    channel.cancel()
    return received


def test_a_pool_car_held_for_the_order_moves_into_the_dealers_stock_for_sale(inventory: Database, broker) -> None:
    publish(broker, arrived(POOL_CAR, POOL_CAR_ORDER))

    row = wait_for(
        "the pool car at the dealer", lambda: (r := stock_row(inventory, POOL_CAR)) and r.location_code == "D001" and r
    )
    assert (row.status, row.reserved_for_order, row.reserved_for_dealer) == ("available", None, None)
    assert row.arrived_at == dt.datetime.fromisoformat(at(0))
    [received] = received_events(inventory, POOL_CAR)
    assert received["type"] == "inventory.vehicle_received" and received["version"] == 1
    assert received["data"] == {
        "vin": POOL_CAR,
        "dealer_code": "D001",
        "order_number": POOL_CAR_ORDER,
        "model_code": "AUR",
        "trim_code": "LX",
        "colour_code": "WHT",
        "received_at": at(0),
    }


@pytest.mark.parametrize(("event_type", "released_vin_known"), [("order.cancelled", True), ("order.rejected", False)])
def test_a_pool_car_held_for_a_withdrawn_order_goes_back_on_sale_in_the_pool(
    inventory: Database, broker, event_type: str, released_vin_known: bool
) -> None:
    vin, order_number = WITHDRAWN[event_type]
    # The order service may not have learnt of the reservation yet: the VIN is then unknown to it.
    data = {"order_number": order_number, "dealer_code": "D001", "reason": "customer changed their mind"}
    publish(
        broker, event_envelope("order", event_type, {**data, "released_vin": vin if released_vin_known else None}, 1)
    )

    row = wait_for("the car released", lambda: (r := stock_row(inventory, vin)) and r.status == "available" and r)
    assert (row.location_code, row.reserved_for_order, row.reserved_for_dealer) == ("POOL", None, None)


def test_a_car_built_for_the_order_enters_the_dealers_stock(inventory: Database, broker) -> None:
    vin = demo_vin(910_002)
    publish(broker, arrived(vin, "ORD-2026-0910002", dealer_code="D003", model_code="TER", trim_code="LTD"))

    row = wait_for("the built car in stock", lambda: stock_row(inventory, vin))
    assert (row.location_code, row.status, row.model_code, row.trim_code, row.colour_code) == (
        "D003",
        "available",
        "TER",
        "LTD",
        "WHT",
    )
    assert len(received_events(inventory, vin)) == 1


def test_a_delivered_car_is_sold_and_linked_to_its_buyer_who_shows_it(
    inventory: Database, customer_master: Database, broker, amqp_uri: str
) -> None:
    vin, order_number = demo_vin(910_003), "ORD-2026-0910003"
    buyer = new_customer(customer_master, "+86 138 0091 0003")
    publish(broker, arrived(vin, order_number))
    wait_for("the car in stock", lambda: stock_row(inventory, vin))

    publish(broker, delivered(vin, order_number, buyer))

    sold = wait_for("the car sold", lambda: (r := stock_row(inventory, vin)) and r.status == "sold" and r)
    assert sold.location_code == "D001"
    link = wait_for("the car linked to its buyer", lambda: link_of(customer_master, vin))
    assert (str(link.customer_id), link.dealer_code, link.order_number) == (buyer, "D001", order_number)
    assert link.delivered_at == dt.datetime.fromisoformat(at(48))

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data={"principal": HQ.to_json()}) as cluster:
        record = cluster.customer.get_customer(buyer)
    assert [(v["vin"], v["dealer_code"], v["order_number"]) for v in record["vehicles"]] == [
        (vin, "D001", order_number)
    ]


def test_a_message_delivered_twice_is_applied_once(inventory: Database, customer_master: Database, broker) -> None:
    vin, order_number = demo_vin(910_004), "ORD-2026-0910004"
    buyer = new_customer(customer_master, "+86 138 0091 0004")
    arrival, delivery = arrived(vin, order_number), delivered(vin, order_number, buyer)
    publish(broker, arrival)
    wait_for("the car in stock", lambda: stock_row(inventory, vin))
    publish(broker, delivery)
    wait_for("the car sold", lambda: (r := stock_row(inventory, vin)) and r.status == "sold")
    first_link = wait_for("the car linked", lambda: link_of(customer_master, vin))
    first_stock = stock_row(inventory, vin)
    assert first_stock is not None

    publish(broker, arrival)
    publish(broker, delivery)
    for log_name, handler, message_id in (
        ("inventory-handover", "inventory.on_vehicle_arrived", arrival["id"]),
        ("inventory-handover", "inventory.on_vehicle_delivered", delivery["id"]),
        ("customer-handover", "customer.on_vehicle_delivered", delivery["id"]),
    ):
        wait_for(f"{handler} skipping the copy", partial(skipped_in_log, log_name, handler, message_id), timeout=15)

    # Applied again, the arrival would have put the sold car back on sale and the
    # delivery would have stamped both rows anew.
    again = stock_row(inventory, vin)
    assert again is not None
    assert (again.status, again.updated_at) == ("sold", first_stock.updated_at)
    assert link_of(customer_master, vin).linked_at == first_link.linked_at  # type: ignore[union-attr]
    assert len(received_events(inventory, vin)) == 1
    assert processed(inventory, arrival["id"]) == 1
    assert processed(inventory, delivery["id"]) == 1
    assert processed(customer_master, delivery["id"]) == 1


def test_a_car_sold_again_belongs_to_its_newest_buyer_and_a_late_old_handover_changes_nothing(
    customer_master: Database, broker
) -> None:
    vin = demo_vin(910_005)
    first_buyer = new_customer(customer_master, "+86 138 0091 0051")
    second_buyer = new_customer(customer_master, "+86 138 0091 0052")
    first_sale = delivered(vin, "ORD-2026-0910005", first_buyer, delivered_at=at(24))
    second_sale = delivered(vin, "ORD-2026-0910005", second_buyer, dealer_code="D002", delivered_at=at(24 * 400))

    publish(broker, first_sale)
    wait_for("the first owner", lambda: link_of(customer_master, vin))
    publish(broker, second_sale)
    wait_for("the second owner", lambda: str(link_of(customer_master, vin).customer_id) == second_buyer)  # type: ignore[union-attr]
    late_copy_of_first = {**first_sale, "id": str(uuid.uuid4())}
    publish(broker, late_copy_of_first)
    wait_for("the late handover handled", lambda: processed(customer_master, late_copy_of_first["id"]) == 1)

    owner = link_of(customer_master, vin)
    assert owner is not None
    assert (str(owner.customer_id), owner.dealer_code) == (second_buyer, "D002")
    with customer_master.engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(CustomerVehicleRow.vin == vin)) == 1


@pytest.mark.parametrize(
    ("serial", "customer_id", "reason"),
    [
        (910_101, "7c0e5d5e-3f38-4bb4-9b4c-0d6f1c8b2a11", "is not in the customer master"),
        (910_102, "C-42", "customer_id 'C-42': not a customer id"),
    ],
)
def test_a_delivery_to_a_customer_the_master_cannot_find_is_dead_lettered_with_the_reason(
    customer_master: Database, broker, serial: int, customer_id: str, reason: str
) -> None:
    vin = demo_vin(serial)
    event = delivered(vin, "ORD-2026-0910100", customer_id)
    publish(broker, event)

    [(properties, body)] = dead_letters(broker, "customer.dead-letters", 1)
    assert reason in properties.headers["x-dead-letter-reason"]
    assert properties.headers["x-handler"] == "customer.on_vehicle_delivered"
    assert properties.headers["x-message-id"] == event["id"]
    assert json.loads(body) == event
    assert link_of(customer_master, vin) is None


def test_an_arrival_with_a_bad_vin_is_dead_lettered_not_stocked(inventory: Database, broker) -> None:
    bad_vin = "LDN2A4C1OR0910200"  # the letter O is never used in a VIN
    event = arrived(bad_vin, "ORD-2026-0910200")
    publish(broker, event)

    [(properties, _)] = dead_letters(broker, "inventory.dead-letters", 1)
    assert "order.vehicle_arrived has an invalid vin" in properties.headers["x-dead-letter-reason"]
    assert properties.headers["x-handler"] == "inventory.on_vehicle_arrived"
    assert stock_row(inventory, bad_vin) is None


def test_a_car_sold_from_stock_is_linked_to_its_buyer(customer_master: Database, broker) -> None:
    vin = demo_vin(910_020)
    buyer = new_customer(customer_master, "+86 138 0091 0020")
    sale = event_envelope(
        "inventory",
        "inventory.vehicle_sold",
        {"vin": vin, "location_code": "D002", "dealer_code": "D002", "customer_id": buyer, "sold_at": at(5)},
        1,
    )
    broker.basic_publish(
        "inventory.events",
        sale["type"],
        json.dumps(sale).encode(),
        pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=sale["id"]),
    )

    link = wait_for("the sold car linked to its buyer", lambda: link_of(customer_master, vin))
    assert (str(link.customer_id), link.dealer_code, link.order_number) == (buyer, "D002", None)
    with customer_master.unit_of_work() as uow:
        dealer = Principal("d002.sales", Role.DEALER, "D002")
        assert str(customers.get_customer(uow, dealer, buyer).id) == buyer


def test_a_merge_in_the_master_reaches_the_inventory_through_the_relay(
    inventory: Database, customer_master: Database, broker
) -> None:
    vin, order_number = demo_vin(910_021), "ORD-2026-0910021"
    survivor = new_customer(customer_master, "+86 138 0091 0021")
    duplicate = new_customer(customer_master, "+86 138 0091 0022")
    publish(broker, arrived(vin, order_number))
    publish(broker, delivered(vin, order_number, duplicate))
    wait_for("the car sold", lambda: (r := stock_row(inventory, vin)) and r.sold_to_customer == duplicate and r)

    with customer_master.unit_of_work() as uow:
        customers.merge_customers(uow, HQ, survivor, duplicate, reason="one person, two phones")
        uow.commit()
    with running([str(BIN / "python"), "-m", "plumbing.relay", "customer"], log_name="customer-relay"):
        repointed = wait_for(
            "the sold car naming the survivor",
            lambda: (r := stock_row(inventory, vin)) and r.sold_to_customer == survivor and r,
        )

    assert repointed.status == "sold"
    assert str(link_of(customer_master, vin).customer_id) == survivor  # type: ignore[union-attr]
