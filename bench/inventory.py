"""Channel stock under load: dealers racing for the same cars, and HQ's view of the network.

    python -m bench.inventory [--cars 1000] [--dealers 50] [--vehicles 200000] [--calls 200]

(1) Reservations under contention. `--cars` available cars in the maker's pool (POOL) and
    `--dealers` dealers in five regions. Every dealer calls ReserveVehicle on the real
    inventory gRPC server (`python -m inventory_service.grpc_api`) for a car picked at random
    from the whole pool, with a new customer id each time, until every car is reserved. A
    car already taken is refused (FAILED_PRECONDITION); refusals are counted. The dealers
    are asyncio tasks on one grpc.aio channel with the OpenTelemetry client interceptor, as
    the gateway calls, each with its own dealer principal. Baseline in the same run: the
    same race with one psycopg2 connection per dealer thread, each attempt one transaction
    (`SELECT ... FOR UPDATE`, `INSERT` a movement, `UPDATE` the car, `COMMIT`). Before each
    race the pool is reset; after it the database is checked: every car reserved once, for
    the dealer whose call succeeded, with a ledger that adds up.
(2) HQ's stock view. `--vehicles` cars in stock at `--locations` locations in ten regions
    (the pool, a warehouse and dealers), mostly available, some reserved, some in transit,
    in stock for 0 to 400 days, and `--sold` cars sold over the last 60 days, each with its
    ledger movements. The view is recomputed once (as the inventory service's timer does
    every minute) and the time printed. GetStockSummary as HQ, grouped by region, location
    and model, and by location within one region: `--calls` timed calls per case after
    `--warmup`, one in flight. Baseline (`--baseline-calls` each): the same figures
    aggregated live from every car with psycopg2, what answering from the cars on each
    request would cost. The bar: p95 under 200 ms.

It uses its own database, `dealernet_bench_inventory`, which it migrates and empties. Server
logs go to var/bench/inventory-grpc.log. Not a test: it prints figures and exits 0, or
non-zero when it cannot run or a check of the reservations fails.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import psycopg2
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from bench.hops import (
    CALL_TIMEOUT_SECONDS,
    DATABASE_PREFIX,
    PYTHON,
    ROOT,
    TRACE_EXPORTER,
    Processes,
    block_order,
    block_sizes,
    free_port,
    process_cpu_seconds,
    progress,
    wait_for_grpc,
)
from bench.measure import copy_rows, libpq_dsn, load_average, percentile_ms
from dealernet.v1 import inventory_pb2, inventory_pb2_grpc
from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.principal import GRPC_METADATA_KEY, Principal, Role
from plumbing.vin import vin_check_digit

COMPONENT = "inventory"
POOL = "POOL"
WAREHOUSE = "W01"
BAR_P95_MS = 200.0
IN_STOCK = ("available", "reserved", "in_transit")
# What HQ calls aged stock in the baseline query; the service reports its own threshold.
AGED_AFTER_DAYS = 90
RESERVATION_REGIONS = ("EAST", "NORTH", "SOUTH", "WEST", "CENTRAL")
NETWORK_REGIONS = (*RESERVATION_REGIONS, "NORTHEAST", "NORTHWEST", "SOUTHEAST", "SOUTHWEST", "ISLANDS")
# The demo catalogue's models, with how common each is in stock.
MODELS: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    "AUR": (0.45, ("LX", "EX", "SPORT"), ("WHT", "BLK", "RED", "SLV")),
    "TER": (0.35, ("BASE", "LTD"), ("WHT", "GRN", "BLK")),
    "VLT": (0.20, ("STD", "LR"), ("WHT", "BLU")),
}
ACTOR = "bench"
TABLES_TO_EMPTY = (
    "stock_movements, stock_vehicles, locations, transfers, reservations, part_balances, parts, outbox, "
    "processed_messages"
)
HQ = Principal(subject="bench.hq", role=Role.HQ)


# --- figures -----------------------------------------------------------------------------------


# --- seeding -----------------------------------------------------------------------------------


def make_vin(model_code: str, serial: int) -> str:
    """A valid VIN (its check digit right) for the bench's `serial`-th car of `model_code`."""
    draft = f"LDN{model_code}A10RB{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


LOCATION_COLUMNS = ("code", "kind", "name", "region", "latitude", "longitude")
VEHICLE_COLUMNS = (
    "vin",
    "model_code",
    "trim_code",
    "colour_code",
    "location_code",
    "status",
    "reserved_for_dealer",
    "reserved_for_customer",
    "transfer_number",
    "sold_to_customer",
    "sold_at",
    "arrived_at",
    "updated_at",
)
MOVEMENT_COLUMNS = (
    "kind",
    "location_code",
    "vin",
    "on_hand_change",
    "reserved_change",
    "in_transit_change",
    "reference",
    "actor",
    "occurred_at",
)
TRANSFER_COLUMNS = (
    "transfer_number",
    "vin",
    "from_dealer",
    "to_dealer",
    "status",
    "needs_hq_approval",
    "requested_by",
    "requested_at",
    "sender_approved_by",
    "sender_approved_at",
    "hq_approved_by",
    "hq_approved_at",
    "shipped_at",
    "updated_at",
)


def pick_model(rng: random.Random) -> tuple[str, str, str]:
    model = rng.choices(list(MODELS), weights=[weight for weight, _, _ in MODELS.values()])[0]
    _, trims, colours = MODELS[model]
    return model, rng.choice(trims), rng.choice(colours)


def empty_inventory(connection: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLES_TO_EMPTY} RESTART IDENTITY")
    connection.commit()


@dataclass(frozen=True)
class Pool:
    vins: list[str]
    dealers: list[tuple[str, str]]  # (code, region)


def seed_pool(connection: Any, cars: int, dealers: int, rng: random.Random) -> Pool:
    """An empty inventory but for the pool's `cars` available cars and `dealers` dealers.

    Each car has come in with one receipt, so its balance is what the ledger says.
    """
    empty_inventory(connection)
    now = dt.datetime.now(dt.UTC)
    dealer_list = [
        (f"D{number:03d}", RESERVATION_REGIONS[(number - 1) * len(RESERVATION_REGIONS) // dealers])
        for number in range(1, dealers + 1)
    ]
    vehicles: list[tuple[object, ...]] = []
    movements: list[tuple[object, ...]] = []
    vins = []
    for serial in range(cars):
        model, trim, colour = pick_model(rng)
        vin = make_vin(model, serial)
        arrived = now - dt.timedelta(days=rng.uniform(0, 90))
        vins.append(vin)
        vehicles.append((vin, model, trim, colour, POOL, "available", None, None, None, None, None, arrived, now))
        movements.append(("receipt", POOL, vin, 1, 0, 0, None, ACTOR, arrived))
    with connection.cursor() as cursor:
        copy_rows(
            cursor,
            "locations",
            LOCATION_COLUMNS,
            [(POOL, "plant_yard", "Maker's pool", RESERVATION_REGIONS[0], None, None)]
            + [(code, "dealer", f"Dealer {code}", region, None, None) for code, region in dealer_list],
        )
        copy_rows(cursor, "stock_vehicles", VEHICLE_COLUMNS, vehicles)
        copy_rows(cursor, "stock_movements", MOVEMENT_COLUMNS, movements)
    connection.commit()
    return Pool(vins=vins, dealers=dealer_list)


@dataclass(frozen=True)
class Network:
    locations: int
    in_stock: int
    by_status: dict[str, int]
    sold: int
    sold_last_30_days: int
    movements: int
    seconds: float


def seed_network(connection: Any, vehicles: int, locations: int, sold: int, rng: random.Random) -> Network:
    """A whole network's stock and recent sales, with the ledger rows that explain every balance.

    The pool holds a tenth of the cars in stock and the warehouse a thirtieth; the dealers
    share the rest. In the pool and the warehouse some cars are held for dealers; at dealers
    some are reserved for customers and some are in transit to another dealer (a shipped
    transfer: the car is still the sender's). Sold cars were sold at dealers over the last
    60 days, each after 0 to 200 days in stock.
    """
    began = time.perf_counter()
    empty_inventory(connection)
    now = dt.datetime.now(dt.UTC)
    dealer_count = locations - 2
    dealers = [
        (f"D{number:04d}", NETWORK_REGIONS[number % len(NETWORK_REGIONS)]) for number in range(1, dealer_count + 1)
    ]
    region_of = dict(dealers)
    location_rows: list[tuple[object, ...]] = [
        (POOL, "plant_yard", "Maker's pool", NETWORK_REGIONS[0], 50.0, 8.0),
        (WAREHOUSE, "warehouse", "Central warehouse", NETWORK_REGIONS[4], 49.0, 9.0),
    ]
    location_rows += [
        (code, "dealer", f"Dealer {code}", region, round(rng.uniform(45, 55), 4), round(rng.uniform(2, 15), 4))
        for code, region in dealers
    ]
    vehicle_rows: list[tuple[object, ...]] = []
    movement_rows: list[tuple[object, ...]] = []
    transfer_rows: list[tuple[object, ...]] = []
    by_status = dict.fromkeys(IN_STOCK, 0)
    sold_last_30_days = 0
    for serial in range(vehicles + sold):
        model, trim, colour = pick_model(rng)
        vin = make_vin(model, serial)
        reserved_for_dealer = customer = transfer = sold_to = sold_at = None
        if serial < vehicles:
            arrived = now - dt.timedelta(days=rng.uniform(0, 400))
            draw = rng.random()
            if draw < 0.10:
                location = POOL
            elif draw < 0.133:
                location = WAREHOUSE
            else:
                location = rng.choice(dealers)[0]
            draw = rng.random()
            at_dealer = location not in (POOL, WAREHOUSE)
            if draw < 0.10:
                status = "reserved"
                reserved_for_dealer = location if at_dealer else rng.choice(dealers)[0]
                customer = str(uuid.uuid4())
            elif at_dealer and draw < 0.18:
                status = "in_transit"
                transfer = f"TR-{len(transfer_rows) + 90_000_001:08d}"
                reserved_for_dealer = rng.choice(dealers)[0]
                while reserved_for_dealer == location:
                    reserved_for_dealer = rng.choice(dealers)[0]
            else:
                status = "available"
            by_status[status] += 1
        else:
            location = rng.choice(dealers)[0]
            status = "sold"
            sold_at = now - dt.timedelta(days=rng.uniform(0, 60))
            arrived = sold_at - dt.timedelta(days=rng.uniform(0, 200))
            sold_to = str(uuid.uuid4())
            sold_last_30_days += sold_at >= now - dt.timedelta(days=30)
        movement_rows.append(("receipt", location, vin, 1, 0, 0, None, ACTOR, arrived))
        later = arrived + dt.timedelta(hours=rng.uniform(1, 48))
        if status == "reserved":
            movement_rows.append(("reservation", location, vin, 0, 1, 0, customer, ACTOR, min(later, now)))
        elif status == "in_transit":
            # As the service records a transfer: the giver's approval promises the car to the
            # receiver (a reservation), then the shipment puts it in transit, still the giver's.
            assert reserved_for_dealer is not None
            shipped = min(later, now)
            across_regions = region_of[location] != region_of[reserved_for_dealer]
            transfer_rows.append(
                (
                    transfer,
                    vin,
                    location,
                    reserved_for_dealer,
                    "shipped",
                    across_regions,
                    ACTOR,
                    shipped,
                    ACTOR,
                    shipped,
                    ACTOR if across_regions else None,
                    shipped if across_regions else None,
                    shipped,
                    shipped,
                )
            )
            movement_rows.append(("reservation", location, vin, 0, 1, 0, transfer, ACTOR, shipped))
            movement_rows.append(("shipment", location, vin, 0, 0, 1, transfer, ACTOR, shipped))
        elif status == "sold":
            movement_rows.append(("sale", location, vin, -1, 0, 0, sold_to, ACTOR, sold_at))
        vehicle_rows.append(
            (
                vin,
                model,
                trim,
                colour,
                location,
                status,
                reserved_for_dealer,
                customer,
                transfer,
                sold_to,
                sold_at,
                arrived,
                sold_at or arrived,
            )
        )
    with connection.cursor() as cursor:
        copy_rows(cursor, "locations", LOCATION_COLUMNS, location_rows)
        copy_rows(cursor, "stock_vehicles", VEHICLE_COLUMNS, vehicle_rows)
        copy_rows(cursor, "stock_movements", MOVEMENT_COLUMNS, movement_rows)
        copy_rows(cursor, "transfers", TRANSFER_COLUMNS, transfer_rows)
    connection.commit()
    # As autovacuum would leave a table that has stood for a while: statistics and the
    # visibility map up to date.
    previous, connection.autocommit = connection.autocommit, True
    with connection.cursor() as cursor:
        for table in ("locations", "stock_vehicles", "stock_movements", "transfers"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    connection.autocommit = previous
    return Network(
        locations=len(location_rows),
        in_stock=vehicles,
        by_status=by_status,
        sold=sold,
        sold_last_30_days=sold_last_30_days,
        movements=len(movement_rows),
        seconds=time.perf_counter() - began,
    )


# --- (1) reservations under contention ---------------------------------------------------------


@dataclass
class Race:
    """One race for the whole pool: who got which car, and what each attempt cost."""

    label: str
    total: int
    won: dict[str, tuple[str, str]] = field(default_factory=dict)  # vin -> (dealer, customer id)
    won_twice: list[str] = field(default_factory=list)
    wrong_answers: list[str] = field(default_factory=list)
    refusals: int = 0
    won_ns: list[int] = field(default_factory=list)
    refused_ns: list[int] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_s: float = math.nan
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.won_ns) + len(self.refused_ns)

    @property
    def done(self) -> bool:
        return len(self.won) >= self.total

    def record_win(self, vin: str, dealer: str, customer: str, elapsed_ns: int) -> None:
        if vin in self.won:
            self.won_twice.append(vin)
        self.won[vin] = (dealer, customer)
        self.won_ns.append(elapsed_ns)

    def record_refusal(self, elapsed_ns: int) -> None:
        self.refusals += 1
        self.refused_ns.append(elapsed_ns)

    @property
    def passed(self) -> bool:
        return all(ok for _, ok in self.checks)


def dealer_metadata(code: str, region: str) -> tuple[tuple[str, str], ...]:
    principal = Principal(subject=f"{code.lower()}.sales", role=Role.DEALER, org_code=code, region=region)
    return ((GRPC_METADATA_KEY, principal.to_json()),)


async def race_through_service(target: str, pool: Pool, race: Race, seed: int, max_calls: int) -> None:
    """Every dealer an asyncio task on one gateway-style channel, until the pool is gone."""
    async with grpc.aio.insecure_channel(target, interceptors=aio_client_interceptors()) as channel:
        stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        await channel.channel_ready()
        failure: list[BaseException] = []

        async def dealer(code: str, region: str, rng: random.Random) -> None:
            metadata = dealer_metadata(code, region)
            while not race.done and race.calls < max_calls and not failure:
                vin = rng.choice(pool.vins)
                customer = str(uuid.uuid4())
                request = inventory_pb2.ReserveVehicleRequest(vin=vin, customer_id=customer)
                start = time.perf_counter_ns()
                try:
                    reply = await stub.ReserveVehicle(request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)
                except grpc.aio.AioRpcError as exc:
                    elapsed = time.perf_counter_ns() - start
                    if exc.code() == grpc.StatusCode.FAILED_PRECONDITION:
                        race.record_refusal(elapsed)
                        continue
                    failure.append(RuntimeError(f"ReserveVehicle {vin} as {code}: {exc.code().name}: {exc.details()}"))
                    return
                race.record_win(vin, code, customer, time.perf_counter_ns() - start)
                if (reply.vin, reply.status, reply.reserved_for_dealer) != (vin, "reserved", code):
                    race.wrong_answers.append(
                        f"{vin} for {code}: answered {reply.vin} {reply.status} for {reply.reserved_for_dealer!r}"
                    )

        cpu = time.process_time()
        began = time.perf_counter()
        await asyncio.gather(
            *(dealer(code, region, random.Random(seed * 1000 + n)) for n, (code, region) in enumerate(pool.dealers))
        )
        race.seconds = time.perf_counter() - began
        race.client_cpu_s = time.process_time() - cpu
        if failure:
            raise failure[0]


BARE_LOCK = "SELECT status, location_code FROM stock_vehicles WHERE vin = %s FOR UPDATE"
BARE_MOVEMENT = (
    "INSERT INTO stock_movements (kind, location_code, vin, on_hand_change, reserved_change, in_transit_change, "
    "reference, actor) VALUES ('reservation', %s, %s, 0, 1, 0, %s, %s)"
)
BARE_HOLD = (
    "UPDATE stock_vehicles SET status = 'reserved', reserved_for_dealer = %s, reserved_for_customer = %s, "
    "updated_at = now() WHERE vin = %s"
)


def race_bare(dsn: str, pool: Pool, race: Race, seed: int, max_calls: int) -> None:
    """The same race, each dealer a thread with its own connection, one transaction per attempt."""
    lock = threading.Lock()
    ready = threading.Barrier(len(pool.dealers) + 1)
    failures: list[BaseException] = []

    def dealer(code: str, rng: random.Random) -> None:
        try:
            connection = psycopg2.connect(dsn)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            failures.append(exc)
            ready.abort()
            return
        try:
            cursor = connection.cursor()
            ready.wait()
            while not race.done and race.calls < max_calls:
                vin = rng.choice(pool.vins)
                customer = str(uuid.uuid4())
                start = time.perf_counter_ns()
                cursor.execute(BARE_LOCK, (vin,))
                status, location = cursor.fetchone()
                if status != "available":
                    connection.rollback()
                    elapsed = time.perf_counter_ns() - start
                    with lock:
                        race.record_refusal(elapsed)
                    continue
                cursor.execute(BARE_MOVEMENT, (location, vin, customer, f"{code.lower()}.sales"))
                cursor.execute(BARE_HOLD, (code, customer, vin))
                connection.commit()
                elapsed = time.perf_counter_ns() - start
                with lock:
                    race.record_win(vin, code, customer, elapsed)
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            failures.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=dealer, args=(code, random.Random(seed * 1000 + n)), daemon=True)
        for n, (code, _) in enumerate(pool.dealers)
    ]
    for thread in threads:
        thread.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        pass
    cpu = time.process_time()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    race.seconds = time.perf_counter() - began
    race.client_cpu_s = time.process_time() - cpu
    if failures:
        raise failures[0]


def check_race(connection: Any, race: Race) -> None:
    """What the database holds after the race, against what the dealers were told."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT v.vin, v.status, v.reserved_for_dealer, v.reserved_for_customer,
                   coalesce(sum(m.on_hand_change), 0), coalesce(sum(m.reserved_change), 0),
                   count(m.seq) FILTER (WHERE m.kind = 'reservation')
            FROM stock_vehicles v LEFT JOIN stock_movements m ON m.vin = v.vin
            GROUP BY v.vin, v.status, v.reserved_for_dealer, v.reserved_for_customer
            """
        )
        rows = cursor.fetchall()
    connection.commit()
    reserved = [row for row in rows if row[1] == "reserved"]
    dealer_right = sum(1 for row in reserved if row[0] in race.won and race.won[row[0]][0] == row[2])
    customer_right = sum(1 for row in reserved if row[0] in race.won and race.won[row[0]][1] == row[3])
    race.checks = [
        (f"cars reserved in the database {len(reserved)} of {race.total}", len(reserved) == race.total),
        (f"calls that won a car {len(race.won_ns)} (cars {len(race.won)})", len(race.won_ns) == race.total),
        (f"cars won twice {len(race.won_twice)}", not race.won_twice),
        (f"answers not the car held for the caller {len(race.wrong_answers)}", not race.wrong_answers),
        (
            f"held for the dealer whose call won {dealer_right} of {len(reserved)}",
            dealer_right == len(reserved) == race.total,
        ),
        (
            f"held for the customer that call named {customer_right} of {len(reserved)}",
            customer_right == len(reserved),
        ),
        (
            "ledger: reserved_change sums to 1 for "
            f"{sum(1 for row in rows if row[5] == 1)} of {len(rows)} cars, "
            f"one 'reservation' movement for {sum(1 for row in rows if row[6] == 1)}, "
            f"on_hand_change sums to 1 for {sum(1 for row in rows if row[4] == 1)}",
            all(row[5] == 1 and row[6] == 1 and row[4] == 1 for row in rows),
        ),
    ]


# --- (2) HQ's stock view -----------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryCase:
    group_by: str
    region: str = ""

    @property
    def label(self) -> str:
        return f"group_by={self.group_by}" + (f", region={self.region}" if self.region else "")

    def request(self, page_size: int) -> Any:
        return inventory_pb2.GetStockSummaryRequest(group_by=self.group_by, region=self.region, page_size=page_size)

    def equivalent_sql(self) -> tuple[str, tuple[object, ...]]:
        """One query giving every figure of a summary row, per group, for every group: the
        baseline when the service's own statements cannot be captured."""
        key, grouping, join = {
            "region": ("l.region", "l.region", True),
            "location": ("v.location_code", "v.location_code, l.name, l.region", True),
            "model": ("v.model_code", "v.model_code", bool(self.region)),
        }[self.group_by]
        in_stock = "v.status IN ('available', 'reserved', 'in_transit')"
        # date_part is double precision; extract() would be numeric, several times slower here.
        age = "date_part('epoch', now() - v.arrived_at) / 86400"
        where = [f"({in_stock} OR (v.status = 'sold' AND v.sold_at >= now() - interval '30 days'))"]
        params: tuple[object, ...] = ()
        if self.region:
            where.append("l.region = %s")
            params = (self.region,)
        sql = f"""
            SELECT {key} AS key,
                   count(*) FILTER (WHERE {in_stock}) AS on_hand,
                   count(*) FILTER (WHERE v.status = 'available') AS available,
                   count(*) FILTER (WHERE v.status = 'reserved') AS reserved,
                   count(*) FILTER (WHERE v.status = 'in_transit') AS in_transit,
                   count(*) FILTER (WHERE v.status = 'sold') AS sold_last_30_days,
                   avg({age}) FILTER (WHERE {in_stock}) AS average_age_days,
                   max({age}) FILTER (WHERE {in_stock}) AS oldest_age_days,
                   count(*) FILTER (WHERE {in_stock} AND v.arrived_at < now() - interval '{AGED_AFTER_DAYS} days')
                       AS aged
            FROM stock_vehicles v {"JOIN locations l ON l.code = v.location_code" if join else ""}
            WHERE {" AND ".join(where)}
            GROUP BY {grouping}
            ORDER BY 1
        """
        return sql, params


SUMMARY_CASES = (
    SummaryCase("region"),
    SummaryCase("location"),
    SummaryCase("model"),
    SummaryCase("location", NETWORK_REGIONS[1]),
)
PLAIN_COUNT_SQL = "SELECT location_code, count(*) FROM stock_vehicles GROUP BY location_code"


@dataclass
class Timed:
    label: str
    process: subprocess.Popen[bytes] | None = None
    samples_ns: list[int] = field(default_factory=list)
    server_cpu_s: float = 0.0
    rows: int = 0

    def p(self, fraction: float) -> float:
        return percentile_ms(self.samples_ns, fraction)

    @property
    def server_cpu_ms(self) -> float:
        if self.process is None or not self.samples_ns:
            return math.nan
        return self.server_cpu_s * 1000 / len(self.samples_ns)


Statement = tuple[str, Any]


@dataclass
class SummaryFigures:
    case: SummaryCase
    service: Timed
    baseline: Timed
    statements: list[Statement]
    answer: Any = None


def refresh_summary(url: str) -> float:
    """Recompute headquarters' stock view once, as the inventory service's timer does every
    minute; returns the seconds it took."""
    from inventory_service import stock
    from inventory_service.models import tables
    from plumbing.db import Database

    database = Database(COMPONENT, url, tables, pool_size=1)
    try:
        started = time.perf_counter()
        with database.unit_of_work() as uow:
            stock.refresh_stock_summary(uow)
            uow.commit()
        return time.perf_counter() - started
    finally:
        database.engine.dispose()


def summary_figures() -> list[SummaryFigures]:
    """Each case against its baseline: the one aggregate over every car that answering
    from the cars themselves, on each request, would take."""
    return [
        SummaryFigures(
            case,
            Timed(f"GetStockSummary {case.label}"),
            Timed("  the same figures aggregated live from every car, psycopg2"),
            [case.equivalent_sql()],
        )
        for case in SUMMARY_CASES
    ]


async def measure_summaries(
    target: str, server: subprocess.Popen[bytes], dsn: str, figures: list[SummaryFigures], args: argparse.Namespace
) -> Timed:
    metadata = ((GRPC_METADATA_KEY, HQ.to_json()),)
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    cursor = connection.cursor()
    for summary in figures:
        summary.service.process = server
    plain = Timed("  plain count(*) GROUP BY location_code")
    try:
        async with grpc.aio.insecure_channel(target, interceptors=aio_client_interceptors()) as channel:
            stub = inventory_pb2_grpc.InventoryServiceStub(channel)

            def service_call(case: SummaryCase) -> Callable[[], Any]:
                request = case.request(args.page_size)

                async def call() -> Any:
                    return await stub.GetStockSummary(request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)

                return call

            def sql_call(statements: list[Statement]) -> Callable[[], Any]:
                async def call() -> Any:
                    rows = []
                    for sql, params in statements:
                        cursor.execute(sql, params)
                        rows.append(cursor.fetchall())
                    return rows[0]

                return call

            service_blocks = block_sizes(args.calls, args.blocks)
            baseline_blocks = block_sizes(args.baseline_calls, args.blocks)
            cases: list[tuple[Timed, Callable[[], Any], list[int]]] = []
            for summary in figures:
                call = service_call(summary.case)
                summary.answer = await call()  # checked before anything is timed
                if not summary.answer.rows:
                    raise RuntimeError(f"GetStockSummary {summary.case.label} answered no rows")
                summary.service.rows = len(summary.answer.rows)
                baseline = sql_call(summary.statements)
                summary.baseline.rows = len(await baseline())
                cases += [(summary.service, call, service_blocks), (summary.baseline, baseline, baseline_blocks)]
            plain_call = sql_call([(PLAIN_COUNT_SQL, ())])
            plain.rows = len(await plain_call())
            cases.append((plain, plain_call, baseline_blocks))

            for _, call, _ in cases:
                for _ in range(args.warmup):
                    await call()
            for number in range(args.blocks):
                for timed, call, sizes in block_order(cases, number):
                    cpu = process_cpu_seconds(timed.process)
                    for _ in range(sizes[number]):
                        start = time.perf_counter_ns()
                        await call()
                        timed.samples_ns.append(time.perf_counter_ns() - start)
                    timed.server_cpu_s += process_cpu_seconds(timed.process) - cpu
    finally:
        connection.close()
    return plain


def explain(dsn: str, statements: list[Statement]) -> str:
    connection = psycopg2.connect(dsn)
    plans = []
    try:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plans.append("\n".join(f"    {line}" for (line,) in cursor.fetchall()))
        connection.rollback()
    finally:
        connection.close()
    return "\n\n".join(plans)


# --- report ------------------------------------------------------------------------------------


def race_lines(race: Race) -> list[str]:
    wins_per_second = len(race.won_ns) / race.seconds if race.seconds else math.nan
    calls_per_second = race.calls / race.seconds if race.seconds else math.nan
    server_cpu = (
        f"{race.server_cpu_s * 1000 / race.calls:>8.2f}"
        if race.calls and not math.isnan(race.server_cpu_s)
        else "       -"
    )
    return [
        f"  {race.label:<46}{len(race.won_ns):>6}{race.refusals:>8}{race.seconds:>7.1f}{wins_per_second:>9.0f}"
        f"{calls_per_second:>8.0f}{percentile_ms(race.won_ns, 0.5):>7.1f}{percentile_ms(race.won_ns, 0.99):>7.1f}"
        f"{percentile_ms(race.refused_ns, 0.5):>7.1f}{percentile_ms(race.refused_ns, 0.99):>7.1f}"
        f"{race.client_cpu_s * 1000 / max(1, race.calls):>8.2f}{server_cpu}"
    ]


def reservations_report(args: argparse.Namespace, races: list[tuple[Race, Race]]) -> list[str]:
    lines = [
        f"(1) reservations under contention: {args.dealers} dealers race for {args.cars} available cars in {POOL}, "
        "each picking a car at random from the whole pool until every car is reserved",
        f"  {'':<46}{'won':>6}{'refused':>8}{'s':>7}{'won/s':>9}{'calls/s':>8}{'-won ms-':>14}{'-refused ms-':>14}"
        f"{'CPU ms/call':>16}",
        f"  {'path':<46}{'':>6}{'':>8}{'':>7}{'':>9}{'':>8}{'p50':>7}{'p99':>7}{'p50':>7}{'p99':>7}"
        f"{'client':>8}{'server':>8}",
    ]
    for service, bare in races:
        lines += race_lines(service) + race_lines(bare)
    service_rate = sum(len(s.won_ns) for s, _ in races) / sum(s.seconds for s, _ in races)
    bare_rate = sum(len(b.won_ns) for _, b in races) / sum(b.seconds for _, b in races)
    service_calls = sum(s.calls for s, _ in races) / sum(s.seconds for s, _ in races)
    bare_calls = sum(b.calls for _, b in races) / sum(b.seconds for _, b in races)
    lines.append(
        f"  ratio bare/service: reservations/s {bare_rate / service_rate:.2f}x, "
        f"calls/s {bare_calls / service_calls:.2f}x"
    )
    for service, bare in races:
        for race in (service, bare):
            verdict = "all checks passed" if race.passed else "CHECKS FAILED"
            lines.append(f"  {race.label}: {verdict}")
            lines += [f"    {'ok  ' if ok else 'FAIL'} {text}" for text, ok in race.checks]
            lines += [f"    wrong answer: {text}" for text in race.wrong_answers[:5]]
    return lines


def summary_report(
    args: argparse.Namespace, network: Network, figures: list[SummaryFigures], plain: Timed, dsn: str
) -> list[str]:
    statuses = ", ".join(f"{status} {count}" for status, count in network.by_status.items())
    lines = [
        f"(2) HQ stock view: {network.in_stock} cars in stock at {network.locations} locations in "
        f"{len(NETWORK_REGIONS)} regions ({statuses}), {network.sold} sold over the last 60 days "
        f"({network.sold_last_30_days} in the last 30); {network.movements} ledger movements; "
        f"seeded and vacuumed in {network.seconds:.0f} s",
        f"  GetStockSummary as HQ through a gateway-style channel, page_size {args.page_size or 'default'}; "
        f"{args.calls} calls per case ({args.baseline_calls} per baseline query) after {args.warmup} warm-up, "
        f"one in flight, cases alternating in {args.blocks} blocks",
        f"  {'case':<58}{'rows':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'server CPU':>12}"
        f"  bar p95 < {BAR_P95_MS:.0f} ms",
    ]
    missed = []
    for summary in figures:
        for timed in (summary.service, summary.baseline):
            cpu = "-" if math.isnan(timed.server_cpu_ms) else f"{timed.server_cpu_ms:.1f} ms"
            verdict = ""
            if timed is summary.service:
                met = timed.p(0.95) < BAR_P95_MS
                verdict = "met" if met else "MISSED"
                if not met:
                    missed.append(summary.case)
            lines.append(
                f"  {timed.label:<58}{timed.rows:>6}{timed.p(0.5):>9.1f}{timed.p(0.95):>9.1f}{timed.p(0.99):>9.1f}"
                f"{cpu:>12}  {verdict}".rstrip()
            )
        ratio = summary.service.p(0.5) / summary.baseline.p(0.5)
        lines.append(f"  {'':<58}ratio service/baseline median {ratio:.2f}x")
    lines.append(
        f"  {plain.label:<58}{plain.rows:>6}{plain.p(0.5):>9.1f}{plain.p(0.95):>9.1f}{plain.p(0.99):>9.1f}{'-':>12}"
    )
    total = figures[0].answer.total
    lines.append(
        f"  total as the service reports it (group_by=region): on_hand {total.on_hand}, available {total.available}, "
        f"reserved {total.reserved}, in_transit {total.in_transit}, sold_last_30_days {total.sold_last_30_days}, "
        f"average age {total.average_age_days:.0f} d, aged {total.aged} (after {figures[0].answer.aged_after_days} d); "
        f"seeded: in stock {network.in_stock}, sold in the last 30 days {network.sold_last_30_days}"
    )
    lines.append(
        f"  bar: HQ stock view p95 < {BAR_P95_MS:.0f} ms in every case: {'met' if not missed else 'MISSED'}"
        + (f" ({', '.join(case.label for case in missed)})" if missed else "")
    )
    if args.explain or missed:
        for summary in figures:
            if args.explain or summary.case in missed:
                lines.append(f"  EXPLAIN ANALYZE of{summary.baseline.label[1:]}, {summary.case.label}:")
                lines.append(explain(dsn, summary.statements))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cars", type=int, default=1000, help="(1) available cars in the pool")
    parser.add_argument("--dealers", type=int, default=50, help="(1) dealers racing for them")
    parser.add_argument("--rounds", type=int, default=1, help="(1) races per path, alternating")
    parser.add_argument("--warmup-calls", type=int, default=300, help="(1) unmeasured calls before the races")
    parser.add_argument("--vehicles", type=int, default=200_000, help="(2) cars in stock")
    parser.add_argument("--locations", type=int, default=2000, help="(2) locations: the pool, a warehouse, dealers")
    parser.add_argument("--sold", type=int, default=100_000, help="(2) cars sold over the last 60 days")
    parser.add_argument("--calls", type=int, default=200, help="(2) timed calls per case")
    parser.add_argument("--baseline-calls", type=int, default=50, help="(2) timed calls per baseline query")
    parser.add_argument("--warmup", type=int, default=20, help="(2) unmeasured calls per case before them")
    parser.add_argument("--blocks", type=int, default=10, help="(2) blocks the cases alternate in")
    parser.add_argument("--page-size", type=int, default=0, help="(2) page size asked for (0: the service's)")
    parser.add_argument("--explain", action="store_true", help="(2) EXPLAIN ANALYZE the baseline queries")
    parser.add_argument("--only", choices=("reservations", "summary"), help="run one part")
    parser.add_argument("--seed", type=int, default=7, help="random seed for the data and the dealers' picks")
    args = parser.parse_args()
    if (
        args.cars < 1
        or args.dealers < 1
        or args.rounds < 1
        or min(args.calls, args.baseline_calls) < args.blocks
        or args.locations < 3
    ):
        parser.error(
            "--cars, --dealers and --rounds must be positive, --calls and --baseline-calls at least --blocks, "
            "--locations at least 3"
        )

    began = time.perf_counter()
    load_before = load_average()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["DEALERNET_TRACE_EXPORTER"] = TRACE_EXPORTER
    os.environ["DEALERNET_DATABASE_PREFIX"] = DATABASE_PREFIX
    os.environ.pop("DEALERNET_INVENTORY_DATABASE_URL", None)
    tracing.setup("bench-gateway")
    port = free_port()
    target = f"127.0.0.1:{port}"
    env = dict(os.environ, DEALERNET_INVENTORY_GRPC_PORT=str(port))
    dsn = libpq_dsn(settings_module.load().database_url(COMPONENT))
    rng = random.Random(args.seed)

    processes = Processes()
    passed = True
    # Each part's figures are printed as soon as they are in, so a failure later keeps them.
    header = [
        f"dealernet inventory benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"load average before {load_before}",
        f"database {DATABASE_PREFIX}_{COMPONENT}, the real inventory gRPC server "
        f"(python -m inventory_service.grpc_api), client and server with DEALERNET_TRACE_EXPORTER={TRACE_EXPORTER}",
        "",
    ]
    print("\n".join(header), flush=True)
    try:
        progress(f"migrating {DATABASE_PREFIX}_{COMPONENT}")
        subprocess.run(
            [PYTHON, "-m", "plumbing.migrate", COMPONENT], cwd=ROOT, env=env, check=True, capture_output=True
        )
        connection = psycopg2.connect(dsn)
        server = processes.start("inventory-grpc", [PYTHON, "-m", "inventory_service.grpc_api"], env)
        wait_for_grpc(processes, server, target, "/grpc.health.v1.Health/Check")

        if args.only in (None, "reservations"):
            progress(f"(1) warm-up: {args.warmup_calls} reservation calls")
            pool = seed_pool(connection, args.cars, args.dealers, rng)
            warm_up = Race("warm-up", args.cars)
            asyncio.run(race_through_service(target, pool, warm_up, args.seed, args.warmup_calls))
            races = []
            for number in range(args.rounds):
                service = Race(f"ReserveVehicle over gRPC, race {number + 1}", args.cars)
                bare = Race(f"bare psycopg2 transaction, race {number + 1}", args.cars)
                # Each path goes first in every other round, so neither always meets a quieter machine.
                for race in (service, bare) if number % 2 == 0 else (bare, service):
                    progress(f"(1) {race.label}")
                    pool = seed_pool(connection, args.cars, args.dealers, rng)
                    max_calls = args.cars * 100
                    if race is service:
                        cpu = process_cpu_seconds(server)
                        asyncio.run(race_through_service(target, pool, race, args.seed + number, max_calls))
                        race.server_cpu_s = process_cpu_seconds(server) - cpu
                    else:
                        race_bare(dsn, pool, race, args.seed + number, max_calls)
                    processes.check_alive(server)
                    check_race(connection, race)
                    passed = passed and race.passed
                races.append((service, bare))
            print("\n".join([*reservations_report(args, races), ""]), flush=True)

        if args.only in (None, "summary"):
            progress(f"(2) seeding {args.vehicles} cars in stock and {args.sold} sold at {args.locations} locations")
            network = seed_network(connection, args.vehicles, args.locations, args.sold, rng)
            refresh_seconds = refresh_summary(settings_module.load().database_url(COMPONENT))
            print(
                f"headquarters' stock view recomputed in {refresh_seconds:.2f} s "
                f"(the inventory service does it every {settings_module.load().stock_summary_seconds} s)",
                flush=True,
            )
            progress("(2) measuring GetStockSummary")
            figures = summary_figures()
            plain = asyncio.run(measure_summaries(target, server, dsn, figures, args))
            processes.check_alive(server)
            print("\n".join([*summary_report(args, network, figures, plain, dsn), ""]), flush=True)
        connection.close()
    except KeyboardInterrupt:
        progress("interrupted; the server is stopped")
        raise SystemExit(130) from None
    finally:
        processes.stop_all()

    print(f"load average after {load_average()}; total run time {time.perf_counter() - began:.0f} s")
    if not passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
