"""The plant feed under load, beside a bare pika consume-and-commit loop.

    python -m bench.plant_feed [--rate 200] [--seconds 20] [--blocks 4] [--replay 20000]

(a) Sustained: `--rate` plant events a second for `--seconds` seconds against the real
    consumer process (`python -m order_service.plant_feed`). Each event moves one car a
    stage; its latency runs from just before the publish to the moment
    `timeline.get_tracking` (the dealer's read path, in a unit of work of its own) shows the
    car at that stage. Beside it, in the same run, the same number of messages at the same
    rate through a bare pika loop in its own process (one INSERT and one COMMIT per message,
    then the ack), read back with one primary-key SELECT. The two alternate in blocks.
(b) Replay of a shift: `--replay` stage events (plus `--duplicates` of them sent twice),
    published as fast as possible by `scripts.plant_simulator.replay`; the figure is events
    applied per second, from the first publish to the last event visible. Then the check:
    one timeline row and one order.stage_reached event per distinct event, none more.

It uses its own database (`dealernet_bench_order`, emptied of orders first, and
`dealernet_bench_plant_bare` for the bare loop) and the RabbitMQ vhost `dealernet-bench`.
Process logs go to var/bench/. Not a test: it prints figures and exits 0, or non-zero when
it cannot run or an event went missing.

    python -m bench.plant_feed --bare-consumer AMQP_URI DSN   # the bare loop (started by the bench)
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


def percentile_ms(samples_ns: list[int], fraction: float) -> float:
    if not samples_ns:
        return math.nan
    ordered = sorted(samples_ns)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1] / 1e6


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


def run_block(channel: Any, path: MeasuredPath, events: list[tuple[str, str]], rate: float, watcher: Watcher) -> None:
    from bench.hops import process_cpu_seconds

    cpu_before = process_cpu_seconds(path.process)
    started = time.perf_counter()
    for index, (vin, code) in enumerate(events):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        body = plant_body(vin, code, dt.datetime.now(dt.UTC))
        watcher.expect(path, (body["event_id"], vin, STAGE_OF[code]), time.perf_counter_ns())
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


def make_vins(count: int, offset: int) -> list[str]:
    from plumbing.vin import vin_check_digit

    vins = []
    for serial in range(offset, offset + count):
        draft = f"LDNAURLX0RB{serial:06d}"
        vins.append(draft[:8] + vin_check_digit(draft) + draft[9:])
    return vins


def prepare_orders(engine: Any, vins: list[str]) -> None:
    """An empty order database but for `vins`, each a car scheduled for next week."""
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
                    "dealer_code": f"D{index % 6 + 1:03d}",
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


def libpq_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    target = make_url(url)
    password = f" password={target.password}" if target.password else ""
    return f"host={target.host} port={target.port or 5432} dbname={target.database} user={target.username}{password}"


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
    return (
        f"  {path.label:<44}{path.published:>8}{percentile_ms(path.latencies_ns, 0.5):>9.1f}"
        f"{percentile_ms(path.latencies_ns, 0.99):>9.1f}{percentile_ms(path.latencies_ns, 1.0):>9.1f}"
        f"{cpu_ms:>10.2f}{path.missing:>9}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="(a) plant events a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="(a) seconds of events per path")
    parser.add_argument("--blocks", type=int, default=4, help="(a) blocks the two paths alternate in")
    parser.add_argument("--replay", type=int, default=20_000, help="(b) stage events replayed")
    parser.add_argument("--duplicates", type=float, default=0.01, help="(b) fraction of events sent twice")
    parser.add_argument("--bare-consumer", nargs=2, metavar=("AMQP_URI", "DSN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_consumer:
        bare_consumer(*args.bare_consumer)
        return

    from sqlalchemy import create_engine

    from bench.hops import (
        DATABASE_PREFIX,
        PYTHON,
        TRACE_EXPORTER,
        Processes,
        bench_amqp_uri,
        progress,
        wait_for_consumer,
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

    processes = Processes()
    try:
        progress("preparing the databases")
        subprocess.run([PYTHON, "-m", "plumbing.migrate", "order"], env=env, check=True, capture_output=True)
        order_url = cfg.database_url("order")
        engine = create_engine(order_url)
        prepare_orders(engine, sustained_vins + replay_vins)
        bare_dsn = prepare_bare_database(cfg.database_url(BARE_DATABASE))
        order_dsn = libpq_dsn(order_url)
        reset_queues(amqp_uri)

        progress("starting the plant feed and the bare loop")
        feed = processes.start("plant-feed", [PYTHON, "-m", "order_service.plant_feed"], env)
        bare = processes.start(
            "plant-bare", [PYTHON, "-m", "bench.plant_feed", "--bare-consumer", amqp_uri, bare_dsn], env
        )
        wait_for_consumer(processes, feed, amqp_uri, "order.plant-feed")
        wait_for_consumer(processes, bare, amqp_uri, BARE_QUEUE)

        def alive() -> None:
            processes.check_alive(feed)
            processes.check_alive(bare)

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
        real_events = list(stage_major(sustained_vins, sustained_events))
        bare_events = list(stage_major(make_vins(sustained_cars, 900_000), sustained_events))
        per_block = -(-sustained_events // args.blocks)
        progress(f"(a) {args.rate:.0f} events/s, {args.seconds:.0f} s per path in {args.blocks} alternating blocks")
        for number in range(args.blocks):
            block = slice(number * per_block, (number + 1) * per_block)
            order = [(real, real_events[block]), (baseline, bare_events[block])]
            for path, events in order if number % 2 == 0 else order[::-1]:
                run_block(channel, path, events, args.rate, watcher)
                alive()
        watcher.close()
        connection.close()

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
        processes.stop_all()

    load_after = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    exactly_once = (
        replayed.timeline_rows == replayed.distinct_events == replayed.stage_reached == replayed.events
        and replayed.claimed == sustained_events + replayed.events
    )
    p99 = percentile_ms(real.latencies_ns, 0.99)
    lines = [
        f"dealernet plant feed benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"load average before {load_before}, after {load_after}",
        f"database {DATABASE_PREFIX}_order ({len(sustained_vins) + len(replay_vins)} scheduled cars), "
        f"AMQP vhost {amqp_uri.rsplit('/', 1)[1] or '/'}, DEALERNET_TRACE_EXPORTER={TRACE_EXPORTER}",
        "",
        f"(a) {args.rate:.0f} plant events/s, {sustained_events} events per path, {args.blocks} alternating blocks; "
        "latency from publish to visible",
        f"  {'path':<44}{'events':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'CPU ms/ev':>10}{'missing':>9}",
        row(real),
        row(baseline),
        f"  bar: plant event to dealer-visible p99 <= {BAR_P99_MS:.0f} ms: "
        f"{'met' if p99 <= BAR_P99_MS and not real.missing else 'MISSED'} ({p99:.1f} ms)",
        "",
        f"(b) replay of {replayed.events} stage events for {len(replay_vins)} cars, {replayed.sent - replayed.events} "
        f"sent twice ({replayed.sent} messages)",
        f"  published in {replayed.publish_seconds:.1f} s ({replayed.sent / replayed.publish_seconds:.0f} messages/s)",
        f"  all applied {replayed.applied_seconds:.1f} s after the first publish: "
        f"{replayed.events / replayed.applied_seconds:.0f} events/s applied "
        f"(feed CPU {replayed.cpu_seconds * 1000 / replayed.sent:.2f} ms/message)",
        f"  timeline rows {replayed.timeline_rows}, distinct event ids {replayed.distinct_events}, "
        f"order.stage_reached events {replayed.stage_reached}: exactly once {'yes' if exactly_once else 'NO'}; "
        f"event ids claimed by the feed over (a) and (b) {replayed.claimed} of {sustained_events + replayed.events}",
        "",
        f"total run time {time.perf_counter() - began:.0f} s",
    ]
    print("\n".join(lines))
    if real.missing or baseline.missing or not exactly_once:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
