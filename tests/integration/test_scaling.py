"""Three replicas of the inventory service, each a gRPC server and a Nameko worker in their own
processes, against the real broker and database: the gateway's calls and the order service's
events spread over them, no event is applied twice, and a replica stopped with SIGTERM while
it works finishes what it took and loses nothing.

Each replica writes its own trace file, so what it handled is counted by the replica itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pika
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from sqlalchemy import func, select, text

from dealernet.v1 import inventory_pb2
from gateway.backends import Backends, call
from inventory_service import domain, stock
from inventory_service.ledger import LocationKind
from inventory_service.models import ReservationRow, StockVehicleRow, tables
from plumbing import settings as settings_module
from plumbing.db import Database, event_envelope
from plumbing.principal import Principal, Role
from plumbing.vin import vin_check_digit
from tests.processes import BIN, ROOT, nameko_service, running, wait_for

pytestmark = pytest.mark.integration

REPLICAS = 3
# Each Nameko worker runs (and the broker hands it) at most this many messages at once.
WORKERS_PER_REPLICA = 4
# Orders placed while all replicas run, then while one of them is stopped.
STEADY_ORDERS = 60
ORDERS_DURING_STOP = 150
ORDERS = STEADY_ORDERS + ORDERS_DURING_STOP
HQ = Principal("hq.analyst", Role.HQ)
PLACED_QUEUE = "evt-order-order.placed--inventory.on_order_placed"
HANDLER = "inventory.on_order_placed"
GRPC_SPAN = "/dealernet.v1.InventoryService/GetStockSummary"
INVENTORY_QUEUES = (
    PLACED_QUEUE,
    "evt-order-order.cancelled--inventory.on_order_cancelled",
    "evt-order-order.rejected--inventory.on_order_rejected",
    "evt-order-order.vehicle_shipped--inventory.on_vehicle_shipped",
    "evt-order-order.vehicle_arrived--inventory.on_vehicle_arrived",
    "evt-order-order.vehicle_delivered--inventory.on_vehicle_delivered",
    "evt-customer-customer.merged--inventory.on_customer_merged",
)
LOGS = ROOT / "var" / "test-logs"


@dataclass
class Replica:
    number: int
    grpc_port: int
    trace_file: Path
    grpc_process: subprocess.Popen[bytes]
    events_process: subprocess.Popen[bytes]

    def spans(self) -> Counter[str]:
        if not self.trace_file.exists():
            return Counter()
        return Counter(json.loads(line)["name"] for line in self.trace_file.read_text().splitlines() if line)

    def stop(self) -> None:
        """What Kubernetes does to a pod it removes: SIGTERM to each container."""
        for process in (self.grpc_process, self.events_process):
            os.killpg(process.pid, signal.SIGTERM)


@dataclass
class Cluster:
    replicas: list[Replica]
    database: Database
    amqp_uri: str

    @property
    def grpc_target(self) -> str:
        return "ipv4:" + ",".join(f"127.0.0.1:{r.grpc_port}" for r in self.replicas)

    def counts(self, span_name: str) -> list[int]:
        return [r.spans()[span_name] for r in self.replicas]

    def handled_since(self, before: list[int], expected: int) -> list[int]:
        """Events each replica handled since `before`, once their total reached `expected`
        (a worker writes its span just after it commits)."""
        since: list[int] = []

        def reached() -> bool:
            since[:] = [after - b for after, b in zip(self.counts(HANDLER), before, strict=True)]
            return sum(since) >= expected

        wait_for(f"{expected} events handled", reached, timeout=30)
        return since


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_vin(serial: int) -> str:
    draft = f"LDN2A4C10S{serial:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def consumers(amqp_uri: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.consumer_count)
    except pika.exceptions.ChannelClosedByBroker:
        return 0
    finally:
        if connection.is_open:
            connection.close()


def queue_depth(amqp_uri: str, queue: str) -> int | None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)
    except pika.exceptions.ChannelClosedByBroker:
        return None
    finally:
        if connection.is_open:
            connection.close()


def serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


@pytest.fixture(scope="module")
def cluster(fresh_database: Callable[[str], str], amqp_uri: str) -> Iterator[Cluster]:
    database = Database("inventory", fresh_database("inventory"), tables, pool_size=3)
    with database.unit_of_work() as uow:
        stock.register_location(uow, domain.MAKER_POOL, LocationKind.PLANT_YARD, "Maker's pool", None)
        for serial in range(ORDERS):
            stock.receive_vehicle(uow, "plant", make_vin(serial), domain.MAKER_POOL, ("AUR", "LX", "WHT"))
        uow.commit()
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    # Events other tests published may wait in these queues; the replicas start without them.
    for queue in (*INVENTORY_QUEUES, "inventory.dead-letters"):
        channel.queue_delete(queue)
    channel.exchange_declare("order.events", exchange_type="topic", durable=True)
    connection.close()

    with ExitStack() as stack:
        replicas = []
        for number in range(1, REPLICAS + 1):
            port = free_port()
            trace_file = LOGS / f"scaling-replica-{number}.jsonl"
            trace_file.unlink(missing_ok=True)
            env = {
                "DEALERNET_INVENTORY_GRPC_PORT": str(port),
                "DEALERNET_TRACE_EXPORTER": "file",
                "DEALERNET_TRACE_FILE": str(trace_file),
                "NAMEKO_MAX_WORKERS": str(WORKERS_PER_REPLICA),
            }
            grpc_process = stack.enter_context(
                running(
                    [str(BIN / "python"), "-m", "inventory_service.grpc_api"],
                    env=env,
                    log_name=f"scaling-replica-{number}-grpc",
                )
            )
            events_process = stack.enter_context(
                running(
                    nameko_service("inventory_service.service"), env=env, log_name=f"scaling-replica-{number}-events"
                )
            )
            replicas.append(Replica(number, port, trace_file, grpc_process, events_process))
        for replica in replicas:
            wait_for(f"replica {replica.number} serving gRPC", lambda r=replica: serving(r.grpc_port), timeout=60)
        wait_for(
            f"{REPLICAS} consumers on {PLACED_QUEUE}",
            lambda: consumers(amqp_uri, PLACED_QUEUE) == REPLICAS,
            timeout=60,
            interval=0.3,
        )
        yield Cluster(replicas, database, amqp_uri)
    database.engine.dispose()


@pytest.fixture
def gateway_target(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> str:
    """The gateway's setting naming every replica, as a headless Service's DNS name does."""
    monkeypatch.setenv("DEALERNET_INVENTORY_GRPC_TARGET", cluster.grpc_target)
    return cluster.grpc_target


async def stock_summary(backends: Backends) -> None:
    await call(backends.inventory.GetStockSummary, inventory_pb2.GetStockSummaryRequest(group_by="model"), HQ)


async def warm_up(backends: Backends, cluster: Cluster) -> None:
    """Round robin takes turns among the replicas it is connected to, and connections open
    one by one: call until every replica answered once."""
    deadline = time.monotonic() + 15
    while not all(cluster.counts(GRPC_SPAN)):
        assert time.monotonic() < deadline, f"calls reached only {cluster.counts(GRPC_SPAN)}"
        await stock_summary(backends)


def test_the_gateways_calls_spread_over_every_replica(cluster: Cluster, gateway_target: str) -> None:
    calls = 90

    async def scenario() -> list[int]:
        backends = Backends.connect(settings_module.load())
        try:
            await warm_up(backends, cluster)
            before = cluster.counts(GRPC_SPAN)
            for _ in range(calls):
                await stock_summary(backends)
            return [after - b for after, b in zip(cluster.counts(GRPC_SPAN), before, strict=True)]
        finally:
            await backends.close()

    per_replica = asyncio.run(scenario())
    print(f"\ngRPC calls per replica: {per_replica}")
    assert per_replica == [calls // REPLICAS] * REPLICAS


def placed(serial: int) -> dict[str, Any]:
    data = {
        "order_number": f"ORD-2027-08{serial:05d}",
        "dealer_code": "D001",
        "model_code": "AUR",
        "trim_code": "LX",
        "colour_code": "WHT",
    }
    return event_envelope("order", "order.placed", data, 1)


def publish(amqp_uri: str, events: list[dict[str, Any]]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    for event in events:
        channel.basic_publish(
            "order.events",
            event["type"],
            json.dumps(event).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=event["id"]),
        )
    connection.close()


def claims_waiting(database: Database) -> int:
    """Event handlers under way, each stopped at its first statement: claiming its message."""
    with database.engine.connect() as conn:
        return int(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO processed_messages%'"
                )
            )
        )


def reservations(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ReservationRow)))


def test_events_spread_and_a_replica_stopped_mid_work_loses_nothing(cluster: Cluster, gateway_target: str) -> None:
    steady = [placed(serial) for serial in range(STEADY_ORDERS)]
    during_stop = [placed(serial) for serial in range(STEADY_ORDERS, ORDERS)]
    events = steady + during_stop
    stopped = cluster.replicas[1]

    # Competing consumers: the replicas share one queue, and the broker hands each message
    # to one of them.
    before = cluster.counts(HANDLER)
    publish(cluster.amqp_uri, steady)
    handled_steady = cluster.handled_since(before, STEADY_ORDERS)
    before = cluster.counts(HANDLER)
    # (code, seconds since the SIGTERM) of each call that failed.
    call_failures: list[tuple[str, float]] = []
    stopping_at: list[float] = []
    call_counts: dict[str, list[int]] = {}
    timings: dict[str, float] = {}

    async def keep_calling(backends: Backends, done: asyncio.Event) -> None:
        """The gateway's traffic goes on while the replica stops."""
        while not done.is_set():
            try:
                await stock_summary(backends)
            except grpc.aio.AioRpcError as exc:
                since = time.monotonic() - stopping_at[0] if stopping_at else -1.0
                call_failures.append((exc.code().name, since))
            await asyncio.sleep(0.01)

    async def scenario() -> None:
        backends = Backends.connect(settings_module.load())
        done = asyncio.Event()
        try:
            await warm_up(backends, cluster)
            grpc_before = cluster.counts(GRPC_SPAN)
            traffic = asyncio.create_task(keep_calling(backends, done))
            # Every claim of a message waits behind this lock, so each replica's workers are
            # held mid-message until it is released: the SIGTERM below finds work under way.
            with cluster.database.engine.connect() as holder:
                holder.execute(text("LOCK TABLE processed_messages IN SHARE MODE"))
                await asyncio.to_thread(publish, cluster.amqp_uri, during_stop)
                in_flight = REPLICAS * WORKERS_PER_REPLICA
                # The broker hands each replica no more than its workers, so this many waiting
                # means every replica has its full share under way.
                await asyncio.to_thread(
                    wait_for, "every worker holding a message", lambda: claims_waiting(cluster.database) == in_flight
                )
                stopping_at.append(time.monotonic())
                stopped.stop()
                await asyncio.to_thread(
                    wait_for,
                    "the stopped replica cancelling its consumer",
                    lambda: consumers(cluster.amqp_uri, PLACED_QUEUE) == REPLICAS - 1,
                )
                await asyncio.sleep(0.5)
                assert stopped.events_process.poll() is None, "the replica left before its workers finished"
                assert claims_waiting(cluster.database) == in_flight
                holder.rollback()
            released_at = time.monotonic()
            code = await asyncio.to_thread(stopped.events_process.wait, 30)
            timings["stopped replica exited"] = time.monotonic() - released_at
            assert code == 0, f"the stopped replica's worker exited with {code}"
            assert await asyncio.to_thread(stopped.grpc_process.wait, 10) == 0
            timings["stopped replica's gRPC server exited"] = time.monotonic() - stopping_at[0]
            await asyncio.to_thread(
                wait_for, "every order answered", lambda: reservations(cluster.database) == ORDERS, timeout=30
            )
            timings["every order applied"] = time.monotonic() - released_at
            done.set()
            await traffic
            call_counts["grpc"] = [after - b for after, b in zip(cluster.counts(GRPC_SPAN), grpc_before, strict=True)]
        finally:
            done.set()
            await backends.close()

    asyncio.run(scenario())

    handled = cluster.handled_since(before, ORDERS_DURING_STOP)
    print(f"\nevents handled per replica, all running: {handled_steady}")
    print(f"events handled per replica, replica {stopped.number} stopped mid-work: {handled}")
    print(f"gRPC calls per replica meanwhile: {call_counts['grpc']}, failed during the stop: {call_failures}")
    print("after the workers could go on: " + ", ".join(f"{k} in {v:.1f} s" for k, v in timings.items()))

    # Delivered once each: the replicas together handled every event, and no event twice.
    assert sum(handled_steady) == STEADY_ORDERS and min(handled_steady) >= STEADY_ORDERS // (3 * REPLICAS)
    assert sum(handled) == ORDERS_DURING_STOP
    # The stopped replica finished exactly what it held when told to stop, and took no more.
    assert handled[stopped.number - 1] == WORKERS_PER_REPLICA
    assert all(count >= WORKERS_PER_REPLICA for count in handled)
    # A call that reaches the stopping replica before the gateway's channel learns it is going
    # is cancelled; the gateway answers it 503 with Retry-After, and the next call goes elsewhere.
    # Nothing fails before the SIGTERM or after that replica's server has gone.
    assert all(code in ("CANCELLED", "UNAVAILABLE") for code, _ in call_failures), call_failures
    assert all(0 <= since <= timings["stopped replica's gRPC server exited"] for _, since in call_failures)
    assert len(call_failures) <= 3, call_failures
    assert all(call_counts["grpc"]) and sum(call_counts["grpc"]) > 0

    # Applied once each: one claim, one answer, one car and one announcement per order.
    ids = {event["id"] for event in events}
    numbers = {event["data"]["order_number"] for event in events}
    processed = tables.processed_messages
    with cluster.database.engine.connect() as conn:
        claimed = conn.execute(select(processed.c.message_id, processed.c.handler)).all()
        answers = conn.execute(select(ReservationRow.order_number, ReservationRow.outcome, ReservationRow.vin)).all()
        held = conn.scalars(
            select(StockVehicleRow.reserved_for_order).where(StockVehicleRow.status == "reserved")
        ).all()
        announced = conn.scalars(
            text("SELECT payload->'data'->>'order_number' FROM outbox WHERE event_type = :t"),
            {"t": domain.VEHICLE_RESERVED},
        ).all()
    assert sorted(claimed) == sorted((message_id, HANDLER) for message_id in ids)
    assert {a.order_number for a in answers} == numbers and len(answers) == ORDERS
    assert {a.outcome for a in answers} == {domain.ReservationOutcome.RESERVED.value}
    assert len({a.vin for a in answers}) == ORDERS
    assert sorted(held) == sorted(numbers)
    assert sorted(announced) == sorted(numbers)
    # Nothing failed on the way: no dead letters, and no replica saw a message already claimed.
    assert queue_depth(cluster.amqp_uri, "inventory.dead-letters") in (None, 0)
    for number in range(1, REPLICAS + 1):
        log = (LOGS / f"scaling-replica-{number}-events.log").read_text()
        assert "already processed" not in log and "dead-letters" not in log
