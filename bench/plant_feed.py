"""The plant feed under load, beside a bare pika consume-and-commit loop.

    python -m bench.plant_feed [--rate 200] [--seconds 20] [--blocks 4] [--replay 20000]

(a) Sustained: `--rate` plant events a second for `--seconds` seconds against the real
    consumer process (`python -m order_service.plant_feed`). Each event moves one car a
    stage; its latency runs from just before the publish to the moment
    `timeline.get_tracking` (the dealer's read path, in a unit of work of its own) shows the
    car at that stage. Beside it, in the same run, the same number of messages at the same
    rate through a bare pika loop in its own process (one INSERT and one COMMIT per message,
    then the ack), read back with one primary-key SELECT. The two alternate in blocks.
    The dealer side runs too: the order outbox relay (`python -m plumbing.relay order`), the
    order gRPC server and the gateway (uvicorn). The cars of (a) are dealer D001's; logged in
    as d001.sales, a process of its own holds GET /tracking/stream open and notes when each
    event's order.stage_reached arrives, and one event in GATEWAY_SAMPLE_EVERY is also read
    through GET /tracking/{vin} until the gateway shows its stage. The bar: p99 of both within
    100 ms. The dealer side is stopped before (b).
(b) Replay of a shift: `--replay` stage events (plus `--duplicates` of them sent twice),
    published as fast as possible by `scripts.plant_simulator.replay`; the figure is events
    applied per second, from the first publish to the last event visible. Then the check:
    one timeline row and one order.stage_reached event per distinct event, none more.

It uses its own databases (`dealernet_bench_order`, emptied of orders first,
`dealernet_bench_gateway` with the demo logins, and `dealernet_bench_plant_bare` for the bare
loop) and the RabbitMQ vhost `dealernet-bench`.
Process logs go to var/bench/. Not a test: it prints figures and exits 0, or non-zero when
it cannot run or an event went missing.

    python -m bench.plant_feed --bare-consumer AMQP_URI DSN   # the bare loop (started by the bench)
    python -m bench.plant_feed --stream-reader GATEWAY_URL    # the stream reader (started by the bench)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pika
import psycopg2

from bench.measure import libpq_dsn, percentile_ms
from gateway import API_PREFIX

BARE_EXCHANGE = "bench.plant-bare"
BARE_QUEUE = "bench.plant-bare"
BARE_DATABASE = "plant_bare"
BAR_P99_MS = 100.0
LINE = ("BIW_IN", "PAINT_IN", "GA_IN", "EOL", "QREL", "SHIP")
STAGE_OF = {
    "BIW_IN": "body_shop",
    "PAINT_IN": "paint_shop",
    "GA_IN": "assembly",
    "EOL": "end_of_line",
    "QREL": "quality_release",
    "SHIP": "shipped",
}
MODEL_CODE = "AUR"
PLANT_CODE = "SH1"
DRAIN_TIMEOUT_SECONDS = 15.0
# The dealer whose cars the sustained load moves, and its login (scripts.seed_demo's accounts).
DEALER_CODE = "D001"
DEALER_USERNAME = "d001.sales"
# One event in this many is also read back through GET /tracking/{vin}, so that the polling
# itself does not take the CPU the feed needs.
GATEWAY_SAMPLE_EVERY = 20
GATEWAY_POLL_PAUSE_SECONDS = 0.002
STREAM_TOKEN_VARIABLE = "DEALERNET_BENCH_STREAM_TOKEN"
# A car moved before the measurement, so the relay, the gateway and the stream are known to work.
WARM_UP_CODES = ("BIW_IN", "PAINT_IN")


# --- the bare loop (its own process) ----------------------------------------------------------


def bare_consumer(amqp_uri: str, dsn: str) -> None:
    """Consume, INSERT one row, COMMIT, ack: the least a durable consumer can do per message."""
    database = psycopg2.connect(dsn)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare(BARE_EXCHANGE, exchange_type="topic", durable=True)
    channel.queue_declare(BARE_QUEUE, durable=True)
    channel.queue_bind(BARE_QUEUE, BARE_EXCHANGE, routing_key="#")
    channel.basic_qos(prefetch_count=500)
    cursor = database.cursor()

    def handle(ch: Any, method: Any, properties: Any, body: bytes) -> None:
        message = json.loads(body)
        cursor.execute(
            "INSERT INTO bench_bare_plant_events (event_id, vin, stage, occurred_at) VALUES (%s, %s, %s, %s)",
            (message["event_id"], message["vin"], message["stage"], message["occurred_at"]),
        )
        database.commit()
        ch.basic_ack(method.delivery_tag)

    def stop(*_: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    channel.basic_consume(BARE_QUEUE, handle)
    try:
        channel.start_consuming()
    finally:
        if connection.is_open:
            connection.close()
        database.close()


# --- measuring ----------------------------------------------------------------------------------


Key = tuple[str, str, str]


@dataclass
class MeasuredPath:
    """One way an event becomes visible, with what was measured of it."""

    label: str
    exchange: str
    # Of the events (event id, vin, stage) still awaited, those its read path now shows.
    visible: Callable[[list[Key]], list[Key]]
    process: Any = None
    latencies_ns: list[int] = field(default_factory=list)
    published: int = 0
    missing: int = 0
    cpu_seconds: float = 0.0


class Watcher:
    """Polls each published event until its path shows it; records publish-to-visible."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outstanding: dict[str, tuple[MeasuredPath, Key, int]] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="watcher", daemon=True)
        self.thread.start()

    def expect(self, path: MeasuredPath, key: Key, published_ns: int) -> None:
        with self.lock:
            self.outstanding[key[0]] = (path, key, published_ns)

    def _run(self) -> None:
        while not self.stopping.is_set():
            # A pause between sweeps keeps the readers from taking the CPU the feed needs.
            time.sleep(0.001)
            with self.lock:
                items = list(self.outstanding.values())
            by_path: dict[int, tuple[MeasuredPath, list[Key]]] = {}
            published: dict[str, int] = {}
            for path, key, published_ns in items:
                by_path.setdefault(id(path), (path, []))[1].append(key)
                published[key[0]] = published_ns
            for path, keys in by_path.values():
                try:
                    shown = path.visible(keys)
                except Exception as exc:  # noqa: BLE001 - reported once the block drains without it
                    print(f"watcher: {exc}", file=sys.stderr)
                    continue
                seen_ns = time.perf_counter_ns()
                with self.lock:
                    for key in shown:
                        path.latencies_ns.append(seen_ns - published[key[0]])
                        self.outstanding.pop(key[0], None)

    def drain(self, timeout: float) -> int:
        """Wait for every outstanding event; returns how many never showed (and forgets them)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.outstanding:
                    return 0
            time.sleep(0.01)
        with self.lock:
            missing = len(self.outstanding)
            self.outstanding.clear()
        return missing

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()


def plant_body(vin: str, code: str, occurred_at: dt.datetime) -> dict[str, Any]:
    return {
        "schema": 1,
        "event_id": str(uuid.uuid4()),
        "vin": vin,
        "plant": PLANT_CODE,
        "line": "L1",
        "station": f"{code}-010",
        "stage": code,
        "occurred_at": occurred_at.isoformat(),
    }


def stage_major(vins: list[str], count: int) -> Iterator[tuple[str, str]]:
    """Every car's first stage, then every car's second, ...: a car's next event comes long
    after its last one was applied, so each event is a move of its own."""
    sent = 0
    for code in LINE:
        for vin in vins:
            if sent == count:
                return
            yield vin, code
            sent += 1


StageKey = tuple[str, str]  # (vin, stage)


def stream_reader(base_url: str) -> None:
    """Hold a dealer's GET /tracking/stream open; print when each order.stage_reached arrived.

    A process of its own, so that the arrival times are not delayed by the bench's other threads.
    The token comes in the environment (STREAM_TOKEN_VARIABLE). Prints "connected" once the
    stream is open, then "<perf_counter_ns> <vin> <stage>" per event.
    """
    import httpx

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    headers = {"Authorization": f"Bearer {os.environ[STREAM_TOKEN_VARIABLE]}", "Accept": "text/event-stream"}
    event_type, data, connected = "", "", False
    with (
        httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0, read=None)) as client,
        client.stream("GET", "/tracking/stream", headers=headers) as response,
    ):
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith(":"):
                if not connected:
                    print("connected", flush=True)
                    connected = True
            elif line.startswith("event:"):
                event_type = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif not line and data:
                if event_type == "order.stage_reached":
                    arrived = time.perf_counter_ns()
                    payload = json.loads(data)
                    print(arrived, payload["vin"], payload["stage"], flush=True)
                event_type, data = "", ""


class LiveStreamReader:
    """The stream reader process, and what it reported: when each (vin, stage) arrived."""

    def __init__(self, base_url: str, token: str, env: dict[str, str]) -> None:
        from bench.hops import PYTHON, ROOT

        self.lock = threading.Lock()
        self.arrived_ns: dict[StageKey, int] = {}
        self.connected = threading.Event()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "bench.plant_feed", "--stream-reader", base_url],
            cwd=ROOT,
            env={**env, STREAM_TOKEN_VARIABLE: token},
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.thread = threading.Thread(target=self._collect, name="live-stream", daemon=True)
        self.thread.start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip() == "connected":
                self.connected.set()
                continue
            arrived, vin, stage = line.split()
            with self.lock:
                self.arrived_ns.setdefault((vin, stage), int(arrived))

    @property
    def failure(self) -> str | None:
        code = self.process.poll()
        return None if code is None else f"the stream reader exited with code {code}"

    def arrived(self, key: StageKey) -> int | None:
        with self.lock:
            return self.arrived_ns.get(key)

    def wait_for(self, keys: list[StageKey], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.failure is None:
            with self.lock:
                if all(key in self.arrived_ns for key in keys):
                    return
            time.sleep(0.01)

    def close(self) -> None:
        stop_process(self.process)
        self.thread.join(timeout=5)


class GatewayTrackingPoller:
    """Reads GET /tracking/{vin} through the gateway until it shows each sampled event's stage."""

    def __init__(self, base_url: str, token: str) -> None:
        import httpx

        self.client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10.0)
        self.lock = threading.Lock()
        self.outstanding: dict[StageKey, int] = {}
        self.latencies_ns: list[int] = []
        self.errors = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="gateway-poller", daemon=True)
        self.thread.start()

    def expect(self, key: StageKey, published_ns: int) -> None:
        with self.lock:
            self.outstanding[key] = published_ns

    def shows(self, key: StageKey) -> bool:
        reply = self.client.get(f"/tracking/{key[0]}")
        if reply.status_code != 200:
            with self.lock:
                self.errors += 1
            return False
        return bool(reply.json().get("stage") == key[1])

    def _run(self) -> None:
        while not self.stopping.is_set():
            time.sleep(GATEWAY_POLL_PAUSE_SECONDS)
            with self.lock:
                awaited = list(self.outstanding.items())
            for key, published_ns in awaited:
                try:
                    shown = self.shows(key)
                except Exception as exc:  # noqa: BLE001 - counted; the event then shows up missing
                    print(f"gateway poller: {exc}", file=sys.stderr)
                    shown = False
                if shown:
                    seen_ns = time.perf_counter_ns()
                    with self.lock:
                        self.latencies_ns.append(seen_ns - published_ns)
                        self.outstanding.pop(key, None)

    def drain(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.outstanding:
                    return 0
            time.sleep(0.01)
        with self.lock:
            missing = len(self.outstanding)
            self.outstanding.clear()
        return missing

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.client.close()


def run_block(
    channel: Any,
    path: MeasuredPath,
    events: list[tuple[str, str]],
    rate: float,
    watcher: Watcher,
    on_publish: Callable[[StageKey, int], None] | None = None,
) -> None:
    from bench.hops import process_cpu_seconds

    cpu_before = process_cpu_seconds(path.process)
    started = time.perf_counter()
    for index, (vin, code) in enumerate(events):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        body = plant_body(vin, code, dt.datetime.now(dt.UTC))
        published_ns = time.perf_counter_ns()
        watcher.expect(path, (body["event_id"], vin, STAGE_OF[code]), published_ns)
        if on_publish is not None:
            on_publish((vin, STAGE_OF[code]), published_ns)
        channel.basic_publish(
            path.exchange,
            f"{PLANT_CODE}.{code}",
            json.dumps(body).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=pika.DeliveryMode.Persistent),
        )
    path.published += len(events)
    path.missing += watcher.drain(DRAIN_TIMEOUT_SECONDS)
    path.cpu_seconds += process_cpu_seconds(path.process) - cpu_before


# --- the bench ------------------------------------------------------------------------------------


STREAM_PROBE_VIN = "BENCHSTREAMPROBE0"
STREAM_PROBE_STAGE = "probe"


def wait_until_streaming(channel: Any, stream: LiveStreamReader, alive: Callable[[], None]) -> None:
    """Publish a probe event (D001's, for no real car) straight to order.events until the
    dealer's stream delivers it."""
    from bench.hops import READY_TIMEOUT_SECONDS

    envelope = {
        "id": str(uuid.uuid4()),
        "type": "order.stage_reached",
        "version": 1,
        "source": "bench",
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "data": {"vin": STREAM_PROBE_VIN, "stage": STREAM_PROBE_STAGE, "dealer_code": DEALER_CODE},
    }
    channel.exchange_declare("order.events", exchange_type="topic", durable=True)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        alive()
        channel.basic_publish("order.events", "order.stage_reached", json.dumps(envelope).encode())
        stream.wait_for([(STREAM_PROBE_VIN, STREAM_PROBE_STAGE)], 0.5)
        if stream.arrived((STREAM_PROBE_VIN, STREAM_PROBE_STAGE)) is not None:
            return
    raise TimeoutError(f"the gateway's live stream passed nothing on ({stream.failure})")


def make_vins(count: int, offset: int) -> list[str]:
    from plumbing.vin import vin_check_digit

    vins = []
    for serial in range(offset, offset + count):
        draft = f"LDNAURLX0RB{serial:06d}"
        vins.append(draft[:8] + vin_check_digit(draft) + draft[9:])
    return vins


def prepare_orders(engine: Any, vins: list[str], dealer_vins: set[str]) -> None:
    """An empty order database but for `vins`, each a car scheduled for next week; those in
    `dealer_vins` are DEALER_CODE's, the others spread over six dealers."""
    from sqlalchemy import insert, text

    from order_service import timeline
    from order_service.models import VehicleOrderRow

    now = dt.datetime.now(dt.UTC)
    year, week, _ = (now + dt.timedelta(days=7)).isocalendar()
    scheduled_week = f"{year}-W{week:02d}"
    planned = timeline.plan_arrival(PLANT_CODE, scheduled_week)
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE vehicle_timeline, parked_plant_events, alerts, outbox, processed_messages, "
                "order_requests, vehicle_orders"
            )
        )
        conn.execute(
            insert(VehicleOrderRow),
            [
                {
                    "order_number": f"ORD-BENCH-{index:07d}",
                    "dealer_code": DEALER_CODE if vin in dealer_vins else f"D{index % 6 + 1:03d}",
                    "region": "EAST",
                    "model_code": MODEL_CODE,
                    "trim_code": "LX",
                    "colour_code": "WHT",
                    "wanted_week": scheduled_week,
                    "status": "scheduled",
                    "supply": "to_be_built",
                    "vin": vin,
                    "list_price_minor": 18_900_00,
                    "currency": "EUR",
                    "placed_by": "bench",
                    "plant_code": PLANT_CODE,
                    "scheduled_week": scheduled_week,
                    "scheduled_at": now,
                    "stage": "scheduled",
                    "stage_reached_at": now,
                    "planned_arrival": planned,
                    "expected_arrival": planned,
                }
                for index, vin in enumerate(vins)
            ],
        )
        conn.execute(text("ANALYZE vehicle_orders"))


def prepare_bare_database(url: str) -> str:
    from sqlalchemy import create_engine, text

    from plumbing.migrate import ensure_database

    ensure_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS bench_bare_plant_events (event_id uuid PRIMARY KEY, vin varchar(17), "
                "stage varchar(20), occurred_at timestamptz, received_at timestamptz DEFAULT now())"
            )
        )
        conn.execute(text("TRUNCATE bench_bare_plant_events"))
    engine.dispose()
    return libpq_dsn(url)


def reset_queues(amqp_uri: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    for queue in ("order.plant-feed", BARE_QUEUE):
        channel.queue_delete(queue)
    connection.close()


def wait_until(what: str, condition: Callable[[], bool], timeout: float, alive: Callable[[], None]) -> float:
    started = time.perf_counter()
    while not condition():
        alive()
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"{what} not reached within {timeout:.0f}s")
        time.sleep(0.05)
    return time.perf_counter() - started


@dataclass
class ReplayFigures:
    events: int
    sent: int
    publish_seconds: float
    applied_seconds: float
    timeline_rows: int
    distinct_events: int
    stage_reached: int
    claimed: int
    cpu_seconds: float


def measure_replay(
    amqp_uri: str, engine: Any, vins: list[str], count: int, duplicates: float, feed: Any, alive: Callable[[], None]
) -> ReplayFigures:
    from sqlalchemy import func, select

    from bench.hops import process_cpu_seconds
    from order_service.models import TimelineEntryRow, VehicleOrderRow, tables
    from scripts import plant_simulator

    replay_cars = select(VehicleOrderRow.order_number).where(VehicleOrderRow.vin.in_(vins)).scalar_subquery()

    def timeline_rows() -> int:
        with engine.connect() as conn:
            return int(
                conn.scalar(
                    select(func.count())
                    .select_from(TimelineEntryRow)
                    .where(TimelineEntryRow.order_number.in_(replay_cars))
                )
                or 0
            )

    cpu_before = process_cpu_seconds(feed)
    started = time.perf_counter()
    sent, publish_seconds = plant_simulator.replay(amqp_uri, vins, count, duplicates=duplicates, seed=7)
    wait_until("every replayed event applied", lambda: timeline_rows() >= count, 600, alive)
    applied_seconds = time.perf_counter() - started
    cpu_seconds = process_cpu_seconds(feed) - cpu_before
    # Let anything still queued (the duplicates) reach the feed before counting again.
    wait_until("the feed's queue drained", lambda: queue_depth(amqp_uri, "order.plant-feed") == 0, 120, alive)
    time.sleep(1.0)
    outbox, processed = tables.outbox, tables.processed_messages
    with engine.connect() as conn:
        distinct_events = conn.scalar(
            select(func.count(func.distinct(TimelineEntryRow.source_event_id))).where(
                TimelineEntryRow.order_number.in_(replay_cars)
            )
        )
        stage_reached = conn.scalar(
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.event_type == "order.stage_reached",
                outbox.c.payload["data"]["vin"].astext.in_(vins),
            )
        )
        claimed = conn.scalar(
            select(func.count()).select_from(processed).where(processed.c.handler == "order.plant_feed")
        )
    return ReplayFigures(
        events=count,
        sent=sent,
        publish_seconds=publish_seconds,
        applied_seconds=applied_seconds,
        timeline_rows=timeline_rows(),
        distinct_events=int(distinct_events or 0),
        stage_reached=int(stage_reached or 0),
        claimed=int(claimed or 0),
        cpu_seconds=cpu_seconds,
    )


def queue_depth(amqp_uri: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        declared = connection.channel().queue_declare(queue, passive=True)
        return int(declared.method.message_count)
    finally:
        connection.close()


def row(path: MeasuredPath) -> str:
    cpu_ms = path.cpu_seconds * 1000 / path.published if path.published else math.nan
    cpu = f"{cpu_ms:>10.2f}" if path.process is not None else f"{'-':>10}"
    return (
        f"  {path.label:<44}{path.published:>8}{percentile_ms(path.latencies_ns, 0.5):>9.1f}"
        f"{percentile_ms(path.latencies_ns, 0.99):>9.1f}{percentile_ms(path.latencies_ns, 1.0):>9.1f}"
        f"{cpu}{path.missing:>9}"
    )


def stop_process(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_in(processes: Any, gateway: subprocess.Popen[bytes], base_url: str) -> str:
    """The dealer's bearer token, once the gateway answers."""
    import httpx

    from bench.hops import READY_TIMEOUT_SECONDS
    from scripts.seed_demo import DEMO_PASSWORD

    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        processes.check_alive(gateway)
        try:
            reply = httpx.post(
                f"{base_url}/auth/login", json={"username": DEALER_USERNAME, "password": DEMO_PASSWORD}, timeout=5
            )
            if reply.status_code == 200:
                return str(reply.json()["access_token"])
        except httpx.TransportError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise TimeoutError("the gateway did not let the dealer log in")
        time.sleep(0.2)


def prepare_gateway_database(env: dict[str, str], url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from bench.hops import PYTHON
    from scripts.seed_demo import seed_gateway

    subprocess.run([PYTHON, "-m", "plumbing.migrate", "gateway"], env=env, check=True, capture_output=True)
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        seed_gateway(session)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="(a) plant events a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="(a) seconds of events per path")
    parser.add_argument("--blocks", type=int, default=4, help="(a) blocks the two paths alternate in")
    parser.add_argument("--replay", type=int, default=20_000, help="(b) stage events replayed")
    parser.add_argument("--duplicates", type=float, default=0.01, help="(b) fraction of events sent twice")
    parser.add_argument("--bare-consumer", nargs=2, metavar=("AMQP_URI", "DSN"), help=argparse.SUPPRESS)
    parser.add_argument("--stream-reader", metavar="GATEWAY_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_consumer:
        bare_consumer(*args.bare_consumer)
        return
    if args.stream_reader:
        stream_reader(args.stream_reader)
        return

    from sqlalchemy import create_engine

    from bench.hops import (
        DATABASE_PREFIX,
        PYTHON,
        READY_TIMEOUT_SECONDS,
        TRACE_EXPORTER,
        Processes,
        bench_amqp_uri,
        free_port,
        process_cpu_seconds,
        progress,
        wait_for_consumer,
        wait_for_grpc,
    )
    from order_service import timeline
    from order_service.models import tables
    from plumbing import settings as settings_module
    from plumbing import tracing
    from plumbing.db import Database
    from plumbing.principal import Principal, Role

    began = time.perf_counter()
    load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["DEALERNET_TRACE_EXPORTER"] = TRACE_EXPORTER
    os.environ["DEALERNET_DATABASE_PREFIX"] = DATABASE_PREFIX
    os.environ.pop("DEALERNET_ORDER_DATABASE_URL", None)
    os.environ["AMQP_URI"] = amqp_uri = bench_amqp_uri()
    tracing.setup("bench-plant-feed")
    env = dict(os.environ)
    cfg = settings_module.load()

    sustained_events = int(args.rate * args.seconds)
    sustained_cars = -(-sustained_events // len(LINE))
    replay_cars = -(-args.replay // len(LINE))
    sustained_vins = make_vins(sustained_cars, 0)
    replay_vins = make_vins(replay_cars, sustained_cars)
    warm_up_vin = make_vins(1, 990_000)[0]
    grpc_port, gateway_port = free_port(), free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}{API_PREFIX}"
    gateway_env = {**env, "DEALERNET_ORDER_GRPC_PORT": str(grpc_port)}

    processes = Processes()
    stream: LiveStreamReader | None = None
    poller: GatewayTrackingPoller | None = None
    try:
        progress("preparing the databases")
        subprocess.run([PYTHON, "-m", "plumbing.migrate", "order"], env=env, check=True, capture_output=True)
        order_url = cfg.database_url("order")
        engine = create_engine(order_url)
        prepare_orders(engine, [warm_up_vin, *sustained_vins, *replay_vins], {warm_up_vin, *sustained_vins})
        prepare_gateway_database(env, cfg.database_url("gateway"))
        bare_dsn = prepare_bare_database(cfg.database_url(BARE_DATABASE))
        order_dsn = libpq_dsn(order_url)
        reset_queues(amqp_uri)

        progress("starting the plant feed and the bare loop")
        feed = processes.start("plant-feed", [PYTHON, "-m", "order_service.plant_feed"], env)
        bare = processes.start(
            "plant-bare", [PYTHON, "-m", "bench.plant_feed", "--bare-consumer", amqp_uri, bare_dsn], env
        )
        progress("starting the order relay, the order gRPC server and the gateway")
        relay = processes.start("order-relay", [PYTHON, "-m", "plumbing.relay", "order"], env)
        order_grpc = processes.start("order-grpc", [PYTHON, "-m", "order_service.grpc_api"], gateway_env)
        gateway = processes.start(
            "gateway",
            [PYTHON, "-m", "uvicorn", "gateway.app:app", "--port", str(gateway_port), "--no-access-log"],
            gateway_env,
        )
        wait_for_consumer(processes, feed, amqp_uri, "order.plant-feed")
        wait_for_consumer(processes, bare, amqp_uri, BARE_QUEUE)
        wait_for_grpc(processes, order_grpc, f"127.0.0.1:{grpc_port}", "/grpc.health.v1.Health/Check")
        token = log_in(processes, gateway, gateway_url)
        dealer_side = (relay, order_grpc, gateway)
        watched = [feed, bare, *dealer_side]

        def alive() -> None:
            for process in watched:
                processes.check_alive(process)

        stream = LiveStreamReader(gateway_url, token, env)
        if not stream.connected.wait(READY_TIMEOUT_SECONDS):
            raise TimeoutError(f"the live stream did not open: {stream.failure}")
        poller = GatewayTrackingPoller(gateway_url, token)

        database = Database("order", order_url, tables, pool_size=2)
        reader = psycopg2.connect(bare_dsn)
        reader.autocommit = True
        reader_cursor = reader.cursor()
        hq = Principal(subject="bench", role=Role.HQ)

        stages_reader = psycopg2.connect(order_dsn)
        stages_reader.autocommit = True
        stages_cursor = stages_reader.cursor()

        def tracking_shows(keys: list[Key]) -> list[Key]:
            # One cheap look for all awaited cars; each car found at its stage is then read
            # through get_tracking, and counts as visible when that shows the stage.
            wanted = {key[1]: key for key in keys}
            stages_cursor.execute("SELECT vin, stage FROM vehicle_orders WHERE vin = ANY(%s)", (list(wanted),))
            shown = []
            for vin, stage in stages_cursor.fetchall():
                if wanted[vin][2] != stage:
                    continue
                with database.unit_of_work() as uow:
                    if timeline.get_tracking(uow, hq, vin).stage == stage:
                        shown.append(wanted[vin])
            return shown

        def bare_rows_exist(keys: list[Key]) -> list[Key]:
            reader_cursor.execute(
                "SELECT event_id::text FROM bench_bare_plant_events WHERE event_id = ANY(%s::uuid[])",
                ([key[0] for key in keys],),
            )
            found = {row[0] for row in reader_cursor.fetchall()}
            return [key for key in keys if key[0] in found]

        real = MeasuredPath("plant feed, read through get_tracking", "plant.events", tracking_shows, feed)
        baseline = MeasuredPath("bare pika: INSERT + COMMIT, PK SELECT", BARE_EXCHANGE, bare_rows_exist, bare)

        connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        channel = connection.channel()
        channel.exchange_declare("plant.events", exchange_type="topic", durable=True)
        watcher = Watcher()

        # The gateway answers HTTP before its live feed has bound its queue (that happens in
        # the background), and an event published before that is not streamed. Under load the
        # gap can outlast the warm-up, so first make sure the stream passes an event on.
        wait_until_streaming(channel, stream, alive)

        progress("moving one car through the whole dealer side first")
        warm_up = MeasuredPath("warm-up", "plant.events", tracking_shows, feed)
        run_block(channel, warm_up, [(warm_up_vin, code) for code in WARM_UP_CODES], 10.0, watcher)
        last_warm_up = (warm_up_vin, STAGE_OF[WARM_UP_CODES[-1]])
        stream.wait_for([last_warm_up], DRAIN_TIMEOUT_SECONDS)
        # Only the stream counts here. The database watcher waits for the car to be *at* each
        # stage; on a loaded host it may first look after the second stage was applied, and
        # then counts the first as missing although the chain works.
        if stream.arrived(last_warm_up) is None:
            raise RuntimeError(f"the warm-up car never reached the dealer's stream ({stream.failure})")

        published_ns: dict[StageKey, int] = {}

        def published(key: StageKey, at_ns: int) -> None:
            if len(published_ns) % GATEWAY_SAMPLE_EVERY == 0:
                poller.expect(key, at_ns)
            published_ns[key] = at_ns

        def dealer_side_cpu() -> list[float]:
            return [process_cpu_seconds(process) for process in dealer_side]

        dealer_cpu_before = dealer_side_cpu()
        real_events = list(stage_major(sustained_vins, sustained_events))
        bare_events = list(stage_major(make_vins(sustained_cars, 900_000), sustained_events))
        per_block = -(-sustained_events // args.blocks)
        progress(f"(a) {args.rate:.0f} events/s, {args.seconds:.0f} s per path in {args.blocks} alternating blocks")
        for number in range(args.blocks):
            block = slice(number * per_block, (number + 1) * per_block)
            order = [(real, real_events[block]), (baseline, bare_events[block])]
            for path, events in order if number % 2 == 0 else order[::-1]:
                run_block(channel, path, events, args.rate, watcher, published if path is real else None)
                alive()
        watcher.close()
        connection.close()
        stream.wait_for(list(published_ns), DRAIN_TIMEOUT_SECONDS)
        on_stream = MeasuredPath("dealer's live stream (SSE via gateway)", "", tracking_shows)
        on_stream.published = len(published_ns)
        for key, at_ns in published_ns.items():
            arrived = stream.arrived(key)
            if arrived is None:
                on_stream.missing += 1
            else:
                on_stream.latencies_ns.append(arrived - at_ns)
        through_gateway = MeasuredPath(f"GET /tracking/{{vin}}, 1 in {GATEWAY_SAMPLE_EVERY}", "", tracking_shows)
        through_gateway.published = -(-len(published_ns) // GATEWAY_SAMPLE_EVERY)
        through_gateway.missing = poller.drain(DRAIN_TIMEOUT_SECONDS)
        poller.close()
        through_gateway.latencies_ns = poller.latencies_ns
        gateway_errors = poller.errors
        dealer_cpu = [after - before for after, before in zip(dealer_side_cpu(), dealer_cpu_before, strict=True)]
        stream_failure = stream.failure
        # The replay's 20,000 events would flood the stream; the dealer side is not part of (b).
        stream.close()
        watched = [feed, bare]
        for process in reversed(dealer_side):
            stop_process(process)

        progress(f"(b) replaying {args.replay} stage events")
        replayed = measure_replay(amqp_uri, engine, replay_vins, args.replay, args.duplicates, feed, alive)
        reader.close()
        stages_reader.close()
        database.engine.dispose()
        engine.dispose()
    except KeyboardInterrupt:
        progress("interrupted; processes stopped")
        raise SystemExit(130) from None
    finally:
        # The stream first: the gateway would otherwise wait for it to end before stopping.
        if stream is not None:
            stream.close()
        if poller is not None:
            poller.close()
        processes.stop_all()

    load_after = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    exactly_once = (
        replayed.timeline_rows == replayed.distinct_events == replayed.stage_reached == replayed.events
        and replayed.claimed == sustained_events + len(WARM_UP_CODES) + replayed.events
    )
    p99 = percentile_ms(real.latencies_ns, 0.99)
    stream_p99 = percentile_ms(on_stream.latencies_ns, 0.99)
    gateway_p99 = percentile_ms(through_gateway.latencies_ns, 0.99)
    dealer_bar_met = (
        stream_p99 <= BAR_P99_MS and gateway_p99 <= BAR_P99_MS and not on_stream.missing and not through_gateway.missing
    )
    relay_cpu, grpc_cpu, gateway_cpu = (seconds * 1000 / max(1, real.published) for seconds in dealer_cpu)
    lines = [
        f"dealernet plant feed benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"load average before {load_before}, after {load_after}",
        f"databases {DATABASE_PREFIX}_order ({len(sustained_vins) + len(replay_vins) + 1} scheduled cars; "
        f"those of (a) are {DEALER_CODE}'s) and {DATABASE_PREFIX}_gateway ({DEALER_USERNAME} logged in), "
        f"AMQP vhost {amqp_uri.rsplit('/', 1)[1] or '/'}, DEALERNET_TRACE_EXPORTER={TRACE_EXPORTER}",
        "",
        f"(a) {args.rate:.0f} plant events/s, {sustained_events} events per path, {args.blocks} alternating blocks; "
        "latency from publish to visible",
        f"  {'path':<44}{'events':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'CPU ms/ev':>10}{'missing':>9}",
        row(on_stream),
        row(through_gateway),
        row(real),
        row(baseline),
        f"  the dealer side's CPU per plant event: relay {relay_cpu:.2f} ms, order gRPC {grpc_cpu:.2f} ms, "
        f"gateway {gateway_cpu:.2f} ms (stream and sampled reads); gateway errors {gateway_errors}"
        + (f"; stream failed: {stream_failure}" if stream_failure else ""),
        f"  bar: plant event to dealer-visible through the gateway and on the live stream, p99 <= {BAR_P99_MS:.0f} ms: "
        f"{'met' if dealer_bar_met else 'MISSED'} (stream {stream_p99:.1f} ms, gateway read {gateway_p99:.1f} ms)",
        f"  (read in the order database through get_tracking: p99 {p99:.1f} ms, "
        f"{'within' if p99 <= BAR_P99_MS and not real.missing else 'NOT within'} {BAR_P99_MS:.0f} ms)",
        "",
        f"(b) replay of {replayed.events} stage events for {len(replay_vins)} cars, {replayed.sent - replayed.events} "
        f"sent twice ({replayed.sent} messages)",
        f"  published in {replayed.publish_seconds:.1f} s ({replayed.sent / replayed.publish_seconds:.0f} messages/s)",
        f"  all applied {replayed.applied_seconds:.1f} s after the first publish: "
        f"{replayed.events / replayed.applied_seconds:.0f} events/s applied "
        f"(feed CPU {replayed.cpu_seconds * 1000 / replayed.sent:.2f} ms/message)",
        f"  timeline rows {replayed.timeline_rows}, distinct event ids {replayed.distinct_events}, "
        f"order.stage_reached events {replayed.stage_reached}: exactly once {'yes' if exactly_once else 'NO'}; "
        f"event ids claimed by the feed over (a) and (b) {replayed.claimed} of "
        f"{sustained_events + len(WARM_UP_CODES) + replayed.events}",
        "",
        f"total run time {time.perf_counter() - began:.0f} s",
    ]
    print("\n".join(lines))
    if real.missing or baseline.missing or on_stream.missing or through_gateway.missing or not exactly_once:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
