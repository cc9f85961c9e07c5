"""A plant's manufacturing execution system (MES), simulated for the demo and the benchmark.

    python -m scripts.plant_simulator [--seconds-per-stage 20]
    python -m scripts.plant_simulator --replay 20000 [--vins FILE] [--duplicates 0.01]
    python -m scripts.plant_simulator --declare   # only declare its exchanges and queue

It speaks only the plant feed contract (docs/plant-feed.md): it publishes to the topic
exchange `plant.events` and knows nothing of the order service's insides.

Live (the default): it listens on the durable queue `plant.schedule` to `order.scheduled`
on `order.events`, and walks each scheduled car through the line, one stage every
`--seconds-per-stage` seconds or so: body shop, paint shop, assembly, end-of-line
inspection, quality release, shipping. Now and then a car is held (quality, parts or
transport) and released later; rarely an event is sent twice, as real feeds do. A car's
`order.scheduled` message is acked when its last event is out: if the simulator stops, the
car starts over on the next run, with the same event ids, so the plant feed skips what it
already applied. Stops cleanly on SIGINT or SIGTERM.

Replay (`--replay N`): publishes N stage events for known VINs as fast as it can, as if a
whole shift were sent again: six stages per car, in order, timed over the last eight hours.
VINs come from `--vins` (one a line) or else from the order database (cars scheduled and
not yet on the line).

`--declare` declares the exchanges and the `plant.schedule` queue and exits: run before
anything is scheduled, it keeps `order.scheduled` events published before the simulator
first starts from being dropped for want of a queue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import itertools
import json
import logging
import random
import signal
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pika
from pika.adapters.blocking_connection import BlockingChannel

from plumbing import settings as settings_module

log = logging.getLogger("dealernet.plant_simulator")

PLANT_EXCHANGE = "plant.events"
ORDER_EXCHANGE = "order.events"
SCHEDULE_QUEUE = "plant.schedule"
SCHEDULED_EVENT = "order.scheduled"
SCHEMA_VERSION = 1

# The line, in order: each stage code and the station that reports it.
LINE: tuple[tuple[str, str], ...] = (
    ("BIW_IN", "BIW-010"),
    ("PAINT_IN", "PNT-010"),
    ("GA_IN", "GA-010"),
    ("EOL", "EOL-020"),
    ("QREL", "QA-900"),
    ("SHIP", "YARD-01"),
)
HOLD_REASONS_ON_THE_LINE = ("QUALITY", "PARTS")
HOLD_CHANCE = 0.12
DUPLICATE_CHANCE = 0.03
# Stable event ids: a car replayed after a restart sends the same ids again.
EVENT_NAMESPACE = uuid.UUID("6f1d3a52-3c1e-4c55-9d0f-9a3e0d7c2b41")
SHIFT = dt.timedelta(hours=8)


def plant_message(
    vin: str,
    plant_code: str,
    line: str,
    station: str,
    code: str,
    occurred_at: dt.datetime,
    event_id: str,
    hold_reason: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "event_id": event_id,
        "vin": vin,
        "plant": plant_code,
        "line": line,
        "station": station,
        "stage": code,
        "occurred_at": occurred_at.isoformat(),
    }
    if hold_reason is not None:
        body["hold_reason"] = hold_reason
    return body


def event_id(vin: str, step: int, code: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{vin}:{step}:{code}"))


def declare(channel: BlockingChannel) -> None:
    """The plant's exchange, and the durable queue of scheduled cars it listens to."""
    channel.exchange_declare(PLANT_EXCHANGE, exchange_type="topic", durable=True)
    channel.exchange_declare(ORDER_EXCHANGE, exchange_type="topic", durable=True)
    channel.queue_declare(SCHEDULE_QUEUE, durable=True)
    channel.queue_bind(SCHEDULE_QUEUE, ORDER_EXCHANGE, routing_key=SCHEDULED_EVENT)


def publish(channel: BlockingChannel, body: dict[str, Any]) -> None:
    channel.basic_publish(
        PLANT_EXCHANGE,
        f"{body['plant']}.{body['stage']}",
        json.dumps(body).encode(),
        pika.BasicProperties(
            content_type="application/json",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=body["event_id"],
        ),
    )


# --- Live --------------------------------------------------------------------------------------


@dataclass(order=True)
class Due:
    at: float
    sequence: int
    car: Car = field(compare=False)
    code: str = field(compare=False)
    station: str = field(compare=False)
    step: int = field(compare=False)
    hold_reason: str | None = field(default=None, compare=False)


@dataclass
class Car:
    vin: str
    plant_code: str
    line: str
    delivery_tag: int
    remaining: int = 0


def plan_car(start: float, seconds_per_stage: float, rng: random.Random) -> list[tuple[float, str, str, str | None]]:
    """A car's events (time, code, station, hold reason): a stage every `seconds_per_stage`
    or so; now and then a hold during a stage, released one to two stages' time later."""
    plan: list[tuple[float, str, str, str | None]] = []
    at = start
    for code, station in LINE:
        plan.append((at, code, station, None))
        stay = seconds_per_stage * rng.uniform(0.8, 1.2)
        if rng.random() < HOLD_CHANCE:
            reason = "TRANSPORT" if code in ("QREL", "SHIP") else rng.choice(HOLD_REASONS_ON_THE_LINE)
            held_at = at + stay * 0.4
            held_for = seconds_per_stage * rng.uniform(1.0, 2.0)
            plan.append((held_at, "HOLD", station, reason))
            plan.append((held_at + held_for, "HOLD_END", station, reason))
            stay += held_for
        at += stay
    return plan


class LivePlant:
    def __init__(self, amqp_uri: str, seconds_per_stage: float, seed: int | None = None) -> None:
        self.amqp_uri = amqp_uri
        self.seconds_per_stage = seconds_per_stage
        self.rng = random.Random(seed)
        self.running = True
        self.due: list[Due] = []
        self._sequence = itertools.count()
        self._connection: pika.BlockingConnection | None = None
        self._consumer: BlockingChannel | None = None
        self._publisher: BlockingChannel | None = None

    def stop(self, *_: object) -> None:
        self.running = False

    def run(self) -> None:
        backoff = 0.5
        while self.running:
            try:
                self._connect()
                backoff = 0.5
                log.info("plant simulator waiting for %s (a stage every ~%ss)", SCHEDULED_EVENT, self.seconds_per_stage)
                self._loop()
            except pika.exceptions.AMQPError as exc:
                log.warning("plant simulator lost the broker, reconnecting in %.1fs: %r", backoff, exc)
                self._close()
                deadline = time.monotonic() + backoff
                while self.running and time.monotonic() < deadline:
                    time.sleep(0.2)
                backoff = min(backoff * 2, 15.0)
        self._close()
        log.info("plant simulator stopped")

    def _connect(self) -> None:
        self.due = []
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_uri))
        self._connection = connection
        consumer = connection.channel()
        declare(consumer)
        # Cars on the line at once: each holds its message until its last event is out.
        consumer.basic_qos(prefetch_count=500)
        consumer.basic_consume(SCHEDULE_QUEUE, self._on_scheduled)
        publisher = connection.channel()
        publisher.confirm_delivery()
        self._consumer, self._publisher = consumer, publisher

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        self._consumer = self._publisher = None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is gone either way
                pass

    def _on_scheduled(self, channel: Any, method: Any, properties: Any, body: bytes) -> None:
        try:
            data = json.loads(body)["data"]
            vin, plant_code = str(data["vin"]), str(data.get("plant_code") or "SH1")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("plant simulator ignores a scheduling message it cannot read: %s", exc)
            channel.basic_ack(method.delivery_tag)
            return
        car = Car(vin=vin, plant_code=plant_code, line=f"L{1 + int(vin[-1], 36) % 2}", delivery_tag=method.delivery_tag)
        start = time.monotonic() + self.rng.uniform(1.0, self.seconds_per_stage / 2)
        plan = plan_car(start, self.seconds_per_stage, self.rng)
        car.remaining = len(plan)
        for step, (at, code, station, reason) in enumerate(plan):
            heapq.heappush(self.due, Due(at, next(self._sequence), car, code, station, step, reason))
        log.info("car %s (%s) scheduled into %s: %d events", vin, data.get("order_number"), plant_code, len(plan))

    def _loop(self) -> None:
        assert self._connection is not None and self._publisher is not None and self._consumer is not None
        while self.running:
            wait = 1.0 if not self.due else max(0.0, min(1.0, self.due[0].at - time.monotonic()))
            self._connection.process_data_events(time_limit=wait)
            while self.running and self.due and self.due[0].at <= time.monotonic():
                item = heapq.heappop(self.due)
                self._send(item)

    def _send(self, item: Due) -> None:
        assert self._publisher is not None and self._consumer is not None
        car = item.car
        body = plant_message(
            car.vin,
            car.plant_code,
            car.line,
            item.station,
            item.code,
            dt.datetime.now(dt.UTC),
            event_id(car.vin, item.step, item.code),
            item.hold_reason,
        )
        publish(self._publisher, body)
        if self.rng.random() < DUPLICATE_CHANCE:
            publish(self._publisher, body)  # a real feed repeats itself now and then
        log.info("%s %s at %s", car.vin, item.code, item.station)
        car.remaining -= 1
        if car.remaining == 0:
            self._consumer.basic_ack(car.delivery_tag)


# --- Replay -----------------------------------------------------------------------------------


def replay_messages(vins: Sequence[str], count: int, plant_code: str, now: dt.datetime) -> Iterator[dict[str, Any]]:
    """`count` stage events: each car's six stages in order, cars spread over the last shift."""
    cars = -(-count // len(LINE))
    if cars > len(vins):
        raise ValueError(f"{count} stage events need {cars} cars, only {len(vins)} VINs given")
    step = (SHIFT - dt.timedelta(hours=1)) / cars
    for index in range(count):
        car, stage = divmod(index, len(LINE))
        vin = vins[car]
        code, station = LINE[stage]
        occurred_at = now - SHIFT + step * car + dt.timedelta(minutes=8) * stage
        yield plant_message(vin, plant_code, "L1", station, code, occurred_at, str(uuid.uuid4()))


def replay(
    amqp_uri: str,
    vins: Sequence[str],
    count: int,
    *,
    plant_code: str = "SH1",
    duplicates: float = 0.0,
    seed: int | None = None,
) -> tuple[int, float]:
    """Publish the events as fast as possible; returns (messages sent, seconds taken).

    With `duplicates`, that fraction of events is sent a second time right after the first.
    Persistent messages without a confirm each: a synchronous call on the same channel at
    the end returns only once the broker has taken every message before it.
    """
    rng = random.Random(seed)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.exchange_declare(PLANT_EXCHANGE, exchange_type="topic", durable=True)
        sent = 0
        started = time.perf_counter()
        for body in replay_messages(vins, count, plant_code, dt.datetime.now(dt.UTC)):
            publish(channel, body)
            sent += 1
            if duplicates and rng.random() < duplicates:
                publish(channel, body)
                sent += 1
        channel.exchange_declare(PLANT_EXCHANGE, exchange_type="topic", durable=True, passive=True)
        return sent, time.perf_counter() - started
    finally:
        if connection.is_open:
            connection.close()


def vins_from_order_database() -> list[str]:
    from sqlalchemy import select

    from order_service.models import VehicleOrderRow
    from plumbing.db import make_engine

    engine = make_engine(settings_module.load().database_url("order"), pool_size=1, instrument=False)
    try:
        with engine.connect() as conn:
            return list(
                conn.scalars(
                    select(VehicleOrderRow.vin)
                    .where(
                        VehicleOrderRow.vin.is_not(None),
                        VehicleOrderRow.status.in_(("approved", "scheduled")),
                    )
                    .order_by(VehicleOrderRow.vin)
                )
            )
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulate a plant's MES on the plant feed")
    parser.add_argument("--seconds-per-stage", type=float, default=20.0, help="live: about this long per stage")
    parser.add_argument("--seed", type=int, default=None, help="repeatable holds, duplicates and timings")
    parser.add_argument("--replay", type=int, metavar="N", help="publish N stage events as fast as possible, then exit")
    parser.add_argument("--vins", type=Path, help="replay: a file of VINs, one a line (default: the order database)")
    parser.add_argument("--plant", default="SH1", help="replay: the plant code to send")
    parser.add_argument("--duplicates", type=float, default=0.0, help="replay: fraction of events sent twice")
    parser.add_argument("--declare", action="store_true", help="declare the exchanges and queue, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("pika").setLevel(logging.WARNING)
    amqp_uri = settings_module.load().amqp_uri

    if args.declare:
        connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        declare(connection.channel())
        connection.close()
        return 0

    if args.replay is not None:
        vins = args.vins.read_text().split() if args.vins else vins_from_order_database()
        if not vins:
            print("no VINs to replay: schedule some cars or pass --vins", file=sys.stderr)
            return 1
        try:
            sent, seconds = replay(amqp_uri, vins, args.replay, plant_code=args.plant, duplicates=args.duplicates)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"published {sent} plant messages in {seconds:.2f}s ({sent / seconds:.0f}/s)")
        return 0

    plant = LivePlant(amqp_uri, args.seconds_per_stage, args.seed)
    signal.signal(signal.SIGTERM, plant.stop)
    signal.signal(signal.SIGINT, plant.stop)
    plant.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
