"""Headquarters' channel monitor end to end: real events published to the real broker, the
real Nameko monitor consuming them into its database, and the dashboard read through the
monitor's gRPC servicer and through the gateway."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
import pika
import pytest
from fastapi.testclient import TestClient

from dealernet.v1 import monitor_pb2, monitor_pb2_grpc
from gateway import API_PREFIX
from monitor_service import monitor
from monitor_service.grpc_api import MonitorServicer
from monitor_service.models import OrderRow, SupportRow, tables
from monitor_service.service import MonitorService
from plumbing.db import Database, event_envelope
from plumbing.grpc_support import DomainErrorInterceptor
from plumbing.nameko_shell import DEAD_LETTER_EXCHANGE
from plumbing.principal import GRPC_METADATA_KEY, Principal, Role
from tests.gateway_client import bearer, gateway_calling
from tests.processes import nameko_service, queue_consumed, running, wait_for

pytestmark = pytest.mark.integration

HQ = Principal(subject="analyst@hq", role=Role.HQ)
OPS = Principal(subject="ops", role=Role.OPS)
DEALER = Principal(subject="sales@D001", role=Role.DEALER, org_code="D001", region="EAST")
STATION = Principal(subject="tech@S001", role=Role.STATION, org_code="S001", region="EAST")
DEAD_LETTERS = "monitor.dead-letters"
SOURCES = {"order": "order", "inventory": "inventory", "support_request": "station", "customer": "customer"}


def consumer_queues() -> list[str]:
    """The queue of every handler, named as Nameko names event handler queues."""
    queues = []
    for name, handler in vars(MonitorService).items():
        if name.startswith("on_"):
            entrypoint = next(iter(handler.nameko_entrypoints))
            queues.append(f"evt-{entrypoint.source_service}-{entrypoint.event_type}--monitor.{name}")
    return queues


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str], amqp_uri: str) -> Iterator[Database]:
    db = Database("monitor", fresh_database("monitor"), tables, pool_size=4)
    queues = consumer_queues()
    # Events earlier runs published wait in these queues; start without them.
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    for queue in queues:
        connection.channel().queue_delete(queue)
    connection.close()
    with running(nameko_service("monitor_service.service"), log_name="monitor-events"):
        for queue in queues:
            wait_for(f"monitor consumer {queue}", lambda q=queue: queue_consumed(amqp_uri, q), timeout=60)
        yield db
    db.engine.dispose()


@pytest.fixture(scope="module")
def monitor_port(database: Database) -> Iterator[int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), interceptors=[DomainErrorInterceptor()])
    monitor_pb2_grpc.add_MonitorServiceServicer_to_server(MonitorServicer(database), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield port
    server.stop(grace=None)


@pytest.fixture(scope="module")
def stub(monitor_port: int) -> Iterator[monitor_pb2_grpc.MonitorServiceStub]:
    with grpc.insecure_channel(f"127.0.0.1:{monitor_port}") as channel:
        yield monitor_pb2_grpc.MonitorServiceStub(channel)


@pytest.fixture(scope="module")
def gateway(monitor_port: int, amqp_uri: str) -> Iterator[TestClient]:
    with gateway_calling({"monitor": monitor_port}) as client:
        yield client


@pytest.fixture(scope="module")
def broker(amqp_uri: str) -> Iterator[Any]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare(DEAD_LETTER_EXCHANGE.name, exchange_type="direct", durable=True)
    channel.queue_declare(DEAD_LETTERS, durable=True)
    channel.queue_bind(DEAD_LETTERS, DEAD_LETTER_EXCHANGE.name, routing_key="monitor")
    channel.queue_purge(DEAD_LETTERS)
    yield channel
    connection.close()


def as_principal(principal: Principal) -> tuple[tuple[str, str], ...]:
    return ((GRPC_METADATA_KEY, principal.to_json()),)


T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def event(event_type: str, data: dict[str, Any], hour: float) -> dict[str, Any]:
    """An event as its producer records it, at a given hour after T0."""
    source = SOURCES[event_type.split(".")[0]]
    envelope = event_envelope(source, event_type, data, 1)
    envelope["occurred_at"] = (T0 + dt.timedelta(hours=hour)).isoformat()
    return envelope


def publish(channel: Any, envelope: dict[str, Any]) -> None:
    channel.basic_publish(
        f"{envelope['source']}.events",
        envelope["type"],
        json.dumps(envelope).encode(),
        pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=envelope["id"]),
    )


def order_life(number: str, dealer: str, region: str = "EAST") -> list[dict[str, Any]]:
    vin = f"LDN{uuid.uuid4().hex[:14].upper()}"
    ids = {"order_number": number, "dealer_code": dealer}
    return [
        event(
            "order.placed", {**ids, "region": region, "model_code": "AUR", "trim_code": "LX", "colour_code": "WHT"}, 0
        ),
        event("order.approved", {**ids, "status": "approved", "allocation_month": "2026-11"}, 1),
        event("order.scheduled", {**ids, "vin": vin, "planned_arrival": "2026-11-20", "model_code": "AUR"}, 2),
        event("order.vehicle_shipped", {**ids, "vin": vin, "model_code": "AUR"}, 3),
    ]


def stored_order(db: Database, number: str) -> OrderRow | None:
    with db.unit_of_work() as uow:
        return uow.session.get(OrderRow, number)


def counters(db: Database) -> dict[tuple[str, str, str, str], int]:
    with db.unit_of_work() as uow:
        return monitor.counts(uow)


def new_dealer() -> str:
    return f"T{uuid.uuid4().hex[:6].upper()}"


def test_an_orders_events_make_its_figures_and_a_duplicate_counts_once(
    database: Database, broker: Any, stub: monitor_pb2_grpc.MonitorServiceStub
) -> None:
    dealer, number = new_dealer(), f"ORD-T-{uuid.uuid4().hex[:8]}"
    events = order_life(number, dealer)
    for envelope in events:
        publish(broker, envelope)
    publish(broker, events[0])  # the placing delivered twice
    publish(broker, events[1])  # and the approval
    wait_for("shipped order", lambda: (row := stored_order(database, number)) and row.status == "shipped", timeout=90)
    # A marker published after the copies is handled after them: each handler's queue is in order.
    marker = f"ORD-T-{uuid.uuid4().hex[:8]}"
    publish(broker, order_life(marker, dealer)[0])
    publish(broker, event("order.approved", {"order_number": marker, "dealer_code": dealer, "status": "approved"}, 1))
    wait_for("marker", lambda: (row := stored_order(database, marker)) and row.status == "approved", timeout=90)

    counts = counters(database)
    assert counts[("orders.dealer", dealer, "shipped", "")] == 1
    assert counts[("orders.dealer", dealer, "approved", "")] == 1
    assert ("orders.dealer", dealer, "submitted", "") not in counts
    board = stub.GetDashboard(monitor_pb2.GetDashboardRequest(), metadata=as_principal(HQ))
    assert board.as_of and board.orders_total >= 2
    assert {t.key: t.count for t in board.orders_by_stage}["shipped"] >= 1
    assert [s.step for s in board.funnel] == ["placed", "approved", "scheduled", "shipped", "arrived", "delivered"]
    listed = stub.ListOrders(monitor_pb2.ListMonitoredOrdersRequest(dealer_code=dealer), metadata=as_principal(HQ))
    assert {o.order_number: o.status for o in listed.orders} == {number: "shipped", marker: "approved"}


def test_events_out_of_order_end_at_the_furthest_stage(database: Database, broker: Any) -> None:
    dealer, number = new_dealer(), f"ORD-T-{uuid.uuid4().hex[:8]}"
    placed, approved, scheduled, shipped = order_life(number, dealer, region="NORTH")
    for envelope in (shipped, approved, scheduled, placed):
        publish(broker, envelope)
    wait_for("order filled in", lambda: (row := stored_order(database, number)) and row.region == "NORTH", timeout=90)
    row = stored_order(database, number)
    assert row is not None and row.status == "shipped" and row.furthest == 3 and row.model_code == "AUR"
    counts = counters(database)
    assert counts[("orders.region", "NORTH", "shipped", "")] >= 1
    assert counts[("orders.dealer", dealer, "shipped", "")] == 1
    assert sum(n for (f, k1, _, _), n in counts.items() if f == "orders.dealer" and k1 == dealer) == 1


def test_late_cars_support_stock_and_customers_reach_the_dashboard(
    database: Database, broker: Any, stub: monitor_pb2_grpc.MonitorServiceStub
) -> None:
    dealer, number = new_dealer(), f"ORD-T-{uuid.uuid4().hex[:8]}"
    placed, approved, scheduled, _ = order_life(number, dealer, region="SOUTH")
    ids = {"order_number": number, "dealer_code": dealer, "vin": "V"}
    for envelope in (placed, approved, scheduled):
        publish(broker, envelope)
    publish(
        broker,
        event("order.vehicle_late", {**ids, "planned_arrival": "2026-11-20", "expected_arrival": "2026-11-27"}, 4),
    )

    now = dt.datetime.now(dt.UTC)
    request_id = str(uuid.uuid4())
    request = {"request_id": request_id, "station_code": "S001", "region": "SOUTH", "vin": "V", "priority": "critical"}
    publish(
        broker,
        event(
            "support_request.opened",
            {
                **request,
                "status": "open",
                "opened_at": (now - dt.timedelta(hours=10)).isoformat(),
                "first_response_due": (now - dt.timedelta(hours=8)).isoformat(),
                "resolution_due": (now - dt.timedelta(hours=1)).isoformat(),
            },
            0,
        ),
    )
    rated_id = str(uuid.uuid4())
    publish(
        broker, event("support_request.closed", {**request, "request_id": rated_id, "status": "closed", "rating": 4}, 5)
    )

    vin = f"LDN{uuid.uuid4().hex[:14].upper()}"
    received_at = (now - dt.timedelta(days=40)).isoformat()
    publish(
        broker,
        event(
            "inventory.vehicle_received",
            {
                "vin": vin,
                "dealer_code": dealer,
                "order_number": number,
                "model_code": "AUR",
                "received_at": received_at,
            },
            5,
        ),
    )
    customer_id = str(uuid.uuid4())
    publish(broker, event("customer.registered", {"customer_id": customer_id, "kind": "person", "region": "SOUTH"}, 0))
    publish(
        broker, event("customer.segment_changed", {"customer_id": customer_id, "segment": "key", "region": "SOUTH"}, 1)
    )

    def everything_recorded() -> bool:
        counts = counters(database)
        return (
            counts.get(("late", "SOUTH", "", ""), 0) >= 1
            and counts.get(("support.rating", "SOUTH", "4", ""), 0) >= 1
            and any(f == "stock" and k1 == "SOUTH" for f, k1, _, _ in counts)
            and counts.get(("customers.segment", "key", "SOUTH", ""), 0) >= 1
            and (row := stored_order(database, number)) is not None
            and row.status == "scheduled"
        )

    wait_for("every figure", everything_recorded, timeout=90)
    board = stub.GetDashboard(monitor_pb2.GetDashboardRequest(), metadata=as_principal(OPS))
    assert board.late_vehicles >= 1 and {t.key for t in board.late_by_region} >= {"SOUTH"}
    assert board.support.breached >= 1 and board.support.open >= 1 and board.support.ratings >= 1
    assert any(t.region == "SOUTH" and t.age_band == "31-60" for t in board.stock)
    assert {t.key: t.count for t in board.customers_by_segment}["key"] >= 1

    late = stub.ListOrders(monitor_pb2.ListMonitoredOrdersRequest(late=True, region="SOUTH"), metadata=as_principal(HQ))
    assert number in [o.order_number for o in late.orders]
    breached = stub.ListSupportRequests(
        monitor_pb2.ListMonitoredSupportRequestsRequest(view="breached", region="SOUTH"), metadata=as_principal(HQ)
    )
    assert [r.request_id for r in breached.requests] == [request_id] and breached.requests[0].breached
    aged = stub.ListStock(
        monitor_pb2.ListMonitoredStockRequest(region="SOUTH", age_band="31-60"), metadata=as_principal(HQ)
    )
    assert [car.vin for car in aged.cars] == [vin] and aged.cars[0].age_days == 40
    keys = stub.ListCustomers(monitor_pb2.ListMonitoredCustomersRequest(segment="key"), metadata=as_principal(HQ))
    assert customer_id in [c.customer_id for c in keys.customers]


def test_the_counters_equal_a_recount_of_the_records(database: Database) -> None:
    incremental = counters(database)
    assert incremental
    with database.unit_of_work() as uow:
        monitor.recount(uow)
        recounted = monitor.counts(uow)
        uow.session.rollback()
    assert recounted == incremental


@pytest.mark.parametrize("principal", [DEALER, STATION])
def test_a_dealer_or_station_calling_the_service_directly_is_refused(
    stub: monitor_pb2_grpc.MonitorServiceStub, principal: Principal
) -> None:
    calls = [
        (stub.GetDashboard, monitor_pb2.GetDashboardRequest()),
        (stub.ListOrders, monitor_pb2.ListMonitoredOrdersRequest(dealer_code="D001")),
        (stub.ListStock, monitor_pb2.ListMonitoredStockRequest()),
        (stub.ListSupportRequests, monitor_pb2.ListMonitoredSupportRequestsRequest()),
        (stub.ListCustomers, monitor_pb2.ListMonitoredCustomersRequest()),
    ]
    for method, request in calls:
        with pytest.raises(grpc.RpcError) as refused:
            method(request, metadata=as_principal(principal))
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as anonymous:
        stub.GetDashboard(monitor_pb2.GetDashboardRequest())
    assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_the_gateway_serves_the_dashboard_and_its_lists_to_hq_only(
    database: Database, broker: Any, gateway: TestClient
) -> None:
    dealer = new_dealer()
    numbers = [f"ORD-T-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for number in numbers:
        publish(broker, order_life(number, dealer)[0])
    wait_for("three orders", lambda: all(stored_order(database, n) for n in numbers), timeout=90)

    answer = gateway.get("/dashboard", headers=bearer(gateway, HQ))
    assert answer.status_code == 200, answer.text
    board = answer.json()
    assert board["as_of"] and board["orders_total"] >= 3
    submitted = next(t for t in board["orders_by_stage"] if t["key"] == "submitted")
    assert submitted["list"] == f"{API_PREFIX}/dashboard/orders?stage=submitted"
    assert board["lists"]["late_vehicles"] == f"{API_PREFIX}/dashboard/late-vehicles"
    assert {"funnel", "stock", "support", "customers_by_segment", "orders_by_dealer"} <= set(board)

    first = gateway.get(f"/dashboard/orders?dealer={dealer}&stage=submitted&page_size=2", headers=bearer(gateway, HQ))
    assert first.status_code == 200, first.text
    second = gateway.get(
        f"/dashboard/orders?dealer={dealer}&stage=submitted&page_size=2&page_token={first.json()['next_page_token']}",
        headers=bearer(gateway, OPS),
    )
    listed = [o["order_number"] for o in first.json()["orders"] + second.json()["orders"]]
    assert sorted(listed) == sorted(numbers) and second.json()["next_page_token"] == ""

    for path in (
        "/dashboard/stock?age_band=0-30",
        "/dashboard/support?view=breached",
        "/dashboard/customers?segment=key",
    ):
        assert gateway.get(path, headers=bearer(gateway, HQ)).status_code == 200, path
    assert gateway.get("/dashboard/late-vehicles", headers=bearer(gateway, HQ)).status_code == 200

    for path in ("/dashboard", "/dashboard/orders", "/dashboard/late-vehicles", "/dashboard/support"):
        assert gateway.get(path, headers=bearer(gateway, DEALER)).status_code == 403, path
        assert gateway.get(path, headers=bearer(gateway, STATION)).status_code == 403, path
    assert gateway.get("/dashboard").status_code == 401
    refused = gateway.get("/dashboard/stock?age_band=old", headers=bearer(gateway, HQ))
    assert refused.status_code in (400, 422) and "age_band" in refused.text


def test_an_event_the_monitor_cannot_read_is_dead_lettered(database: Database, broker: Any) -> None:
    bad = event("order.placed", {"dealer_code": "D001"}, 0)  # no order number
    publish(broker, bad)
    received = []
    for method, properties, body in broker.consume(DEAD_LETTERS, inactivity_timeout=15, auto_ack=True):
        if method is None:
            break
        received.append((properties, body))
        break
    broker.cancel()
    [(properties, body)] = received
    assert "order_number" in properties.headers["x-dead-letter-reason"]
    assert properties.headers["x-handler"] == "monitor.on_order_placed"
    assert json.loads(body)["id"] == bad["id"]
    with database.unit_of_work() as uow:
        assert uow.session.get(SupportRow, "nothing") is None
