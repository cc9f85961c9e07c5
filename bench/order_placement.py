"""Order placement through the gateway at 100 concurrent dealers, beside a bare endpoint.

    python -m bench.order_placement [--dealers 100] [--orders 6000] [--rate 100] [--paced-orders 3000]
                                    [--warmup 600] [--blocks 6] [--client raw|httpx] [--profile]

Measured path: POST /v1/orders on a real gateway (`uvicorn gateway.app:app`, one worker),
which verifies the dealer's bearer token and calls the real order gRPC server
(`python -m order_service.grpc_api`): PlaceOrder prices the order against the catalogue,
numbers it, claims the Idempotency-Key with the order numbers, inserts the order with its
order.placed outbox record in one transaction, commits and replies. Baseline, in the same
run: `bench/bare_order_endpoint.py`, a bare FastAPI + SQLAlchemy endpoint (uvicorn, one
worker) inserting an equivalent order row and outbox record in one transaction, into tables
of the same shape in a database of its own.

`--dealers` dealers (100), each with its own token and a new Idempotency-Key per order, one
order in flight each, under two loads:
- as fast as answered: each dealer sends its next order when the last one is answered, so
  100 are always in flight; this gives the throughput (`--orders` per side);
- paced: the dealers together send `--rate` orders a second (`--paced-orders` per side); an
  order's latency counts from when it was due. At 100 in flight latency is 100 / throughput,
  so the latency bar (p99 < 50 ms) is judged on this load.
After a warm-up, the two sides alternate in `--blocks` blocks per load, so both see the same
machine. Printed: orders/s, p50, p99 and max (nearest rank), and CPU per order of the
client, of each server process and of the rest of the machine (PostgreSQL, other work).
Before timing, one order per side is checked: placed (201), readable (GET
/v1/orders/{number} through the gateway, the bare table), its outbox record written, and
through the gateway a retry with the same key replayed. After timing, the orders and outbox
records are counted against the 201s.

The load is asyncio on uvloop, one keep-alive connection per dealer, written and read as
bytes (`--client raw`): 0.1-0.2 ms of client CPU per order. httpx (`--client httpx`) took
7-11 ms per order with 100 connections and became the bottleneck. The client shares the two
cores with the servers and costs both sides the same, so a costly client flatters the
slower side.

`--profile` runs the gateway and the order gRPC server under cProfile (each request
thread's CPU time) and prints where each spends it; such a run is several times slower.
`--gateway-app` serves another ASGI app as the gateway, to measure a variant.

It uses its own databases (dealernet_bench_placement_order, _gateway and _bare), emptied
first, and the RabbitMQ vhost dealernet-bench (the gateway's live feed). Process logs go
to var/bench/placement-*.log. Not a test: it prints figures and exits 0, or non-zero when
it cannot run (a server does not start, an order fails or a check does not hold).

    python -m bench.order_placement --profiled OUT MODULE [ARG ...]   # how --profile starts a server
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import io
import json
import math
import os
import platform
import pstats
import runpy
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import MetaData, Sequence, create_engine, insert, text
from sqlalchemy.engine import Engine

from bench import catalogue
from bench.hops import (
    LOG_DIR,
    PYTHON,
    READY_TIMEOUT_SECONDS,
    TRACE_EXPORTER,
    Processes,
    bench_amqp_uri,
    free_port,
    process_cpu_seconds,
    progress,
    wait_for_grpc,
)
from bench.measure import load_average, percentile_ms
from gateway import API_PREFIX
from plumbing import settings as settings_module

DATABASE_PREFIX = "dealernet_bench_placement"
BARE_COMPONENT = "bare"
# Where bench/bare_order_endpoint.py finds its database (importing it here would connect).
DATABASE_URL_VARIABLE = "DEALERNET_BENCH_BARE_DATABASE_URL"
BAR_THROUGHPUT_RATIO = 0.5
BAR_P99_MS = 50.0
REFERENCE = "nameko-examples, run on this kind of machine: 80-95 orders/s at 16-64 clients, p99 260-970 ms"
CALL_TIMEOUT_SECONDS = 10.0
TOKEN_TTL_SECONDS = 4 * 3600
REGIONS = ("EAST", "NORTH", "SOUTH")
# Orders rotate over the seeded model's trims and colours; one car each, so no order is
# large (domain.LargeOrderLimits: over 10 cars or 500,000.00) and none raises an alert.
TRIM_CODES = tuple(code for code, *_ in catalogue.TRIMS)
COLOUR_CODES = tuple(code for code, _ in catalogue.COLOURS)
QUOTA_VEHICLES = 1_000_000
PROFILE_LINES = 30


# --- the dealers' tokens ------------------------------------------------------------------------------


def dealer_token(dealer_code: str, region: str, secret: str) -> str:
    """A bearer token as the gateway issues one to a dealer's sales user at login.

    The one place that knows how principals and tokens are made, so that a change to the
    roles or the token format is mended here.
    """
    from gateway import tokens
    from plumbing.principal import AccountRole, Principal

    principal = Principal.for_account(
        f"{dealer_code.lower()}.sales", AccountRole.DEALER_USER, org_code=dealer_code, region=region
    )
    return tokens.issue(principal, secret, TOKEN_TTL_SECONDS)


@dataclass(frozen=True)
class Dealer:
    code: str
    region: str
    token: str


def make_dealers(count: int, secret: str) -> list[Dealer]:
    dealers = []
    for number in range(1, count + 1):
        code, region = f"D{number:03d}", REGIONS[number % len(REGIONS)]
        dealers.append(Dealer(code, region, dealer_token(code, region, secret)))
    return dealers


# --- databases ----------------------------------------------------------------------------------------


def prepare_order_database(env: dict[str, str], url: str, dealers: list[Dealer]) -> None:
    """Migrated, seeded with the bench model, emptied of earlier runs' orders, and a month's
    quota for every dealer (placing does not read it; approving an order would)."""
    from order_service.models import DealerQuotaRow

    subprocess.run([PYTHON, "-m", "plumbing.migrate", "order"], env=env, check=True, capture_output=True)
    engine = create_engine(url)
    try:
        catalogue.seed(engine)
        month = f"{dt.date.today():%Y-%m}"
        with engine.begin() as connection:
            connection.execute(
                text(
                    "TRUNCATE vehicle_orders, vehicle_timeline, order_requests, outbox, alerts, dealer_quotas"
                    " RESTART IDENTITY CASCADE"
                )
            )
            connection.execute(
                insert(DealerQuotaRow),
                [{"dealer_code": d.code, "month": month, "vehicles": QUOTA_VEHICLES} for d in dealers],
            )
    finally:
        engine.dispose()


def prepare_bare_database(url: str) -> None:
    """The bare endpoint's two tables, of the same shape (columns, indexes) as the order service's."""
    from order_service.models import VehicleOrderRow
    from plumbing.db import messaging_tables
    from plumbing.migrate import ensure_database

    ensure_database(url)
    metadata = MetaData()
    VehicleOrderRow.__table__.to_metadata(metadata)
    outbox = messaging_tables(metadata).outbox
    Sequence("order_number_seq", metadata=metadata)
    engine = create_engine(url)
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine, tables=[metadata.tables["vehicle_orders"], outbox])
    finally:
        engine.dispose()


def prepare_gateway_database(env: dict[str, str]) -> None:
    # No accounts are needed: the dealers' tokens are minted here, not obtained by logging in.
    subprocess.run([PYTHON, "-m", "plumbing.migrate", "gateway"], env=env, check=True, capture_output=True)


# --- the load -----------------------------------------------------------------------------------------


def order_body(number: int) -> bytes:
    order = {
        "model_code": catalogue.MODEL_CODE,
        "trim_code": TRIM_CODES[number % len(TRIM_CODES)],
        "colour_code": COLOUR_CODES[number % len(COLOUR_CODES)],
        "quantity": 1,
    }
    return json.dumps(order, separators=(",", ":")).encode()


class RawConnection:
    """HTTP/1.1 over one keep-alive asyncio connection: the request's bytes are written as they
    are and the answer read by its Content-Length. Much cheaper per request than httpx, and
    the client shares the two cores with the servers it measures."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Content-Type: application/json"]
        lines += [f"Content-Length: {len(body)}", *(f"{name}: {value}" for name, value in headers.items())]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        if self.streams is not None and self.streams[0].at_eof():
            await self.close()  # the server closed it while idle (uvicorn's keep-alive timeout)
        reused = self.streams is not None
        try:
            return await self._exchange(request)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            # A kept-alive connection the server closed as the request went out; once more on a
            # new one, as HTTP clients do (the Idempotency-Key makes a repeat harmless).
            partial = getattr(exc, "partial", b"")
            await self.close()
            if not reused or partial:
                raise
            return await self._exchange(request)

    async def open(self) -> None:
        if self.streams is not None and self.streams[0].at_eof():
            await self.close()
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        fields = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
        if "content-length" not in fields:
            raise RuntimeError(f"an answer without Content-Length: {head!r}")
        answer = await reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return int(status_line.split(" ", 2)[1]), answer

    async def close(self) -> None:
        if self.streams is not None:
            writer = self.streams[1]
            self.streams = None
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass


Post = Callable[[str, dict[str, str], bytes], Awaitable[tuple[int, bytes]]]


@dataclass
class Measured:
    """One way of loading one side: latencies, and the CPU spent while they were taken."""

    samples_ns: list[int] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu_s: float = 0.0
    machine_cpu_s: float = 0.0
    process_cpu_s: dict[str, float] = field(default_factory=dict)

    @property
    def orders(self) -> int:
        return len(self.samples_ns)

    @property
    def per_second(self) -> float:
        return self.orders / self.seconds if self.seconds else math.nan

    def p(self, fraction: float) -> float:
        return percentile_ms(self.samples_ns, fraction)

    def cpu_ms(self, seconds: float) -> float:
        return seconds * 1000 / self.orders if self.orders else math.nan


@dataclass
class Side:
    """One way of placing an order, and what was measured of it."""

    label: str
    path: str
    headers_of: Callable[[Dealer], dict[str, str]]
    processes: dict[str, subprocess.Popen[bytes]]
    # Every dealer sends its next order as soon as the last is answered: the most it takes.
    saturated: Measured = field(default_factory=Measured)
    # The dealers together send `--rate` orders a second, whatever the answers take.
    paced: Measured = field(default_factory=Measured)
    failures: list[str] = field(default_factory=list)


def machine_busy_seconds() -> float:
    """CPU time spent on the whole machine so far, every core (user, system, irq, steal...)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Load:
    """The dealers: each one order in flight at a time, over a connection of its own."""

    def __init__(self, host: str, dealers: list[Dealer], client: str) -> None:
        self.host = host
        self.dealers = dealers
        self.client = client
        self.numbers = iter(range(1, 1 << 62))
        self.raw: dict[tuple[int, int], RawConnection] = {}
        # One client per side: a pool's connection limit counts every host, and a side's idle
        # connections would otherwise hold the other side's requests back.
        self.httpx: dict[int, httpx.AsyncClient] = {}

    def poster(self, port: int, index: int) -> Post:
        if self.client == "httpx":
            if port not in self.httpx:
                limits = httpx.Limits(max_connections=len(self.dealers), max_keepalive_connections=len(self.dealers))
                self.httpx[port] = httpx.AsyncClient(limits=limits, timeout=CALL_TIMEOUT_SECONDS)
            client = self.httpx[port]

            async def post(path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
                reply = await client.post(
                    f"http://{self.host}:{port}{path}",
                    headers={**headers, "Content-Type": "application/json"},
                    content=body,
                )
                return reply.status_code, reply.content

            return post
        connection = self.raw.setdefault((port, index), RawConnection(self.host, port))
        return connection.post

    async def connect(self, port: int) -> None:
        """Every dealer's connection open before a block is timed: uvicorn closes one left idle
        for 5 s (while the other side's block ran), and 100 connections made at once at the
        start of a block would be measured as the orders' latency."""
        for index in range(len(self.dealers)):
            connection = self.raw.setdefault((port, index), RawConnection(self.host, port))
            await connection.open()

    async def close(self) -> None:
        await asyncio.gather(*(connection.close() for connection in self.raw.values()))
        await asyncio.gather(*(client.aclose() for client in self.httpx.values()))

    async def run(
        self, side: Side, port: int, orders: int, into: Measured | None = None, rate: float | None = None
    ) -> None:
        """`orders` orders from all dealers; measured `into` unless warming up.

        With a `rate`, each dealer sends one order every len(dealers)/rate seconds, the
        dealers evenly staggered. An order's latency then counts from when it was due, so an
        order held up behind its dealer's slow previous one shows the wait.
        """
        if self.client == "raw":
            await self.connect(port)
        remaining = orders
        period = len(self.dealers) / rate if rate else 0.0
        began = time.perf_counter()

        async def dealer(index: int, who: Dealer) -> None:
            nonlocal remaining
            post = self.poster(port, index)
            base_headers = side.headers_of(who)
            due = began + period * index / len(self.dealers)
            while remaining > 0:
                remaining -= 1
                number = next(self.numbers)
                headers = {**base_headers, "Idempotency-Key": f"bench-{uuid.uuid4().hex}"}
                body = order_body(number)
                if rate:
                    wait = due - time.perf_counter()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    start_ns = int(due * 1e9)
                    due += period
                else:
                    start_ns = time.perf_counter_ns()
                status, answer = await asyncio.wait_for(post(side.path, headers, body), CALL_TIMEOUT_SECONDS)
                if into is not None:
                    into.samples_ns.append(time.perf_counter_ns() - start_ns)
                if status != 201:
                    side.failures.append(f"{status} {answer[:300]!r}")

        cpu = {name: process_cpu_seconds(process) for name, process in side.processes.items()}
        client, machine = time.process_time(), machine_busy_seconds()
        await asyncio.gather(*(dealer(index, who) for index, who in enumerate(self.dealers)))
        if into is None:
            return
        into.seconds += time.perf_counter() - began
        into.client_cpu_s += time.process_time() - client
        into.machine_cpu_s += machine_busy_seconds() - machine
        for name, process in side.processes.items():
            into.process_cpu_s[name] = into.process_cpu_s.get(name, 0.0) + process_cpu_seconds(process) - cpu[name]


def block_sizes(total: int, blocks: int) -> list[int]:
    return [total // blocks + (1 if i < total % blocks else 0) for i in range(blocks)]


async def measure(load: Load, sides: list[tuple[Side, int]], args: argparse.Namespace) -> None:
    def check(side: Side, stage: str) -> None:
        if side.failures:
            raise RuntimeError(
                f"{side.label}: {len(side.failures)} orders failed {stage}, the first: {side.failures[0]}"
            )

    for side, port in sides:
        progress(f"warming up: {side.label}")
        await load.run(side, port, args.warmup)
        check(side, "during the warm-up")
    phases = [("as fast as answered", args.orders, None, "saturated")]
    if args.rate > 0:
        phases.append((f"paced at {args.rate:g} orders/s", args.paced_orders, args.rate, "paced"))
    for title, total, rate, attribute in phases:
        for number, size in enumerate(block_sizes(total, args.blocks)):
            # The sides take turns going first, so neither always meets a quieter machine.
            for side, port in sides if number % 2 == 0 else sides[::-1]:
                progress(f"{title}, block {number + 1}/{args.blocks}: {size} orders, {side.label}")
                await load.run(side, port, size, getattr(side, attribute), rate)
                check(side, title)


# --- checks -------------------------------------------------------------------------------------------


def expect(condition: bool, failure: str) -> None:
    if not condition:
        raise RuntimeError(failure)


def wait_for_http(processes: Processes, process: subprocess.Popen[bytes], url: str, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        processes.check_alive(process)
        try:
            if httpx.get(url, headers=headers, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer 200")
        time.sleep(0.2)


def outbox_events(engine: Engine, order_number: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM outbox WHERE event_type = 'order.placed'"
                    " AND payload -> 'data' ->> 'order_number' = :number"
                ),
                {"number": order_number},
            ).scalar_one()
        )


def check_gateway(base_url: str, dealer: Dealer, order_engine: Engine) -> str:
    """One order placed and read back through the gateway; its row and outbox record are there."""
    headers = {
        "Authorization": f"Bearer {dealer.token}",
        "Idempotency-Key": f"bench-check-{uuid.uuid4().hex}",
        "Content-Type": "application/json",
    }
    placed = httpx.post(f"{base_url}{API_PREFIX}/orders", headers=headers, content=order_body(1), timeout=10)
    expect(placed.status_code == 201, f"the gateway did not place the order: {placed.status_code} {placed.text}")
    (order,) = placed.json()["orders"]
    expected_price = catalogue.TRIMS[1][2]  # order_body(1) orders the second trim
    expect(
        order["dealer_code"] == dealer.code
        and order["status"] == "submitted"
        and int(order["list_price_minor"]) == expected_price,
        f"the gateway placed an unexpected order: {order}",
    )
    number = str(order["order_number"])
    read = httpx.get(
        f"{base_url}{API_PREFIX}/orders/{number}", headers={"Authorization": f"Bearer {dealer.token}"}, timeout=10
    )
    expect(read.status_code == 200 and read.json()["order_number"] == number, f"GET /orders/{number}: {read.text}")
    expect(outbox_events(order_engine, number) == 1, f"no order.placed outbox record for {number}")
    replay = httpx.post(f"{base_url}{API_PREFIX}/orders", headers=headers, content=order_body(1), timeout=10)
    expect(
        replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true",
        f"a retry with the same Idempotency-Key was not replayed: {replay.status_code} {replay.text}",
    )
    return number


def check_bare(base_url: str, dealer: Dealer, bare_engine: Engine) -> str:
    placed = httpx.post(
        f"{base_url}/orders",
        headers={"X-Dealer-Code": dealer.code, "Content-Type": "application/json"},
        content=order_body(1),
        timeout=10,
    )
    expect(placed.status_code == 201, f"the bare endpoint did not place the order: {placed.status_code} {placed.text}")
    number = str(placed.json()["orders"][0]["order_number"])
    with bare_engine.connect() as connection:
        found = connection.execute(
            text("SELECT dealer_code FROM vehicle_orders WHERE order_number = :n"), {"n": number}
        ).scalar()
    expect(found == dealer.code, f"the bare endpoint's order {number} is not in its table")
    expect(outbox_events(bare_engine, number) == 1, f"no outbox record for the bare endpoint's {number}")
    return number


def counted(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        orders = connection.execute(text("SELECT count(*) FROM vehicle_orders")).scalar_one()
        events = connection.execute(text("SELECT count(*) FROM outbox WHERE event_type = 'order.placed'")).scalar_one()
    return int(orders), int(events)


# --- profiling ----------------------------------------------------------------------------------------


def run_profiled(out: str, module: str, argv: list[str]) -> None:
    """Run `module` as __main__ with every thread under cProfile; the stats go to `out` at exit.

    cProfile alone sees only the main thread, and the gRPC server works in a thread pool. The
    timer is each thread's CPU time, so time spent waiting (for PostgreSQL, for the GIL, for
    work) is not counted as time in the function that waits.
    """
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    original_run = threading.Thread.run

    def profiled_run(thread: threading.Thread) -> None:
        # The threads that run requests: gRPC's pool, and anyio's for a framework's sync code.
        if not thread.name.startswith(("ThreadPoolExecutor", "AnyIO")):
            original_run(thread)
            return
        profile = cProfile.Profile(time.thread_time)
        with lock:
            profiles.append(profile)
        profile.enable()
        try:
            original_run(thread)
        finally:
            profile.disable()

    threading.Thread.run = profiled_run  # type: ignore[method-assign,assignment]
    main_profile = cProfile.Profile(time.thread_time)
    sys.argv = [module, *argv]
    # uvicorn re-raises SIGTERM once it has shut down; this handler turns that into an exit
    # that writes the stats.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main_profile.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        main_profile.disable()
        stats = pstats.Stats(main_profile)
        with lock:
            for profile in profiles:
                stats.add(profile)
        stats.dump_stats(out)


def profile_summary(path: Path, orders: int) -> list[str]:
    """The functions with the most CPU time of their own (cProfile's tottime)."""
    if not path.exists():
        return [f"    (no profile written to {path})"]
    stream = io.StringIO()
    stats = pstats.Stats(str(path), stream=stream)
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    lines = [f"    {orders} orders placed in all (warm-up, checks and timed); the profile's own cost included"]
    lines += ["    " + line for line in stream.getvalue().splitlines() if line.strip()][-PROFILE_LINES - 1 :]
    return lines


# --- report -------------------------------------------------------------------------------------------


def cpu_cells(measured: Measured, names: list[str]) -> list[float]:
    """CPU ms per order: the client, each server process, and the rest of the machine."""
    cells = [measured.cpu_ms(measured.client_cpu_s)]
    cells += [
        measured.cpu_ms(measured.process_cpu_s[name]) if name in measured.process_cpu_s else math.nan for name in names
    ]
    ours = measured.client_cpu_s + sum(measured.process_cpu_s.values())
    cells.append(measured.cpu_ms(measured.machine_cpu_s - ours))
    return cells


def report(sides: list[Side], args: argparse.Namespace, load_before: str, started: float) -> list[str]:
    gateway, bare = sides
    names = sorted({name for side in sides for name in side.saturated.process_cpu_s})
    columns = ["client", *names, "rest", "total"]
    client = (
        "one keep-alive asyncio connection per dealer, uvloop" if args.client == "raw" else "httpx.AsyncClient, uvloop"
    )
    lines = [
        f"dealernet order placement benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        f"load average before {load_before}, after {load_average()}",
        f"{args.dealers} dealers, each one order in flight at a time ({args.client} client: {client}); "
        f"per side {args.warmup} warm-up orders, then each load in {args.blocks} blocks, the sides alternating",
        f"databases {DATABASE_PREFIX}_order/_gateway/_bare; DEALERNET_TRACE_EXPORTER={TRACE_EXPORTER}"
        + ("; servers under cProfile" if args.profile else ""),
        "",
        f"{'':<46}{'orders':>8}{'orders/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}   CPU ms per order: "
        + "  ".join(columns),
    ]
    phases = [(f"as fast as answered ({args.dealers} in flight)", "saturated")]
    if args.rate > 0:
        phases.append((f"paced: {args.rate:g} orders/s in all, latency from when each order was due", "paced"))
    for title, attribute in phases:
        lines.append(title)
        for side in sides:
            measured: Measured = getattr(side, attribute)
            cells = cpu_cells(measured, names)
            cells.append(sum(cell for cell in cells if not math.isnan(cell)))
            cpu = "  ".join(
                f"{'-' if math.isnan(v) else f'{v:.2f}':>{len(name)}}" for v, name in zip(cells, columns, strict=True)
            )
            lines.append(
                f"  {side.label:<44}{measured.orders:>8}{measured.per_second:>9.0f}{measured.p(0.5):>8.1f}"
                f"{measured.p(0.99):>8.1f}{max(measured.samples_ns) / 1e6:>8.1f}   {'':<18}{cpu}"
            )
    ratio = gateway.saturated.per_second / bare.saturated.per_second
    lines.append(
        f"  throughput gateway/bare {ratio:.2f} (bar >= {BAR_THROUGHPUT_RATIO:.2f}: "
        f"{'met' if ratio >= BAR_THROUGHPUT_RATIO else 'MISSED'})"
    )
    if args.rate > 0:
        p99 = gateway.paced.p(0.99)
        lines.append(
            f"  gateway p99 at {args.rate:g} orders/s {p99:.1f} ms (bar < {BAR_P99_MS:.0f} ms: "
            f"{'met' if p99 < BAR_P99_MS else 'MISSED'}); bare p99 at the same rate {bare.paced.p(0.99):.1f} ms"
        )
    lines += [
        f"  with {args.dealers} orders always in flight, latency is {args.dealers} / throughput (Little's law): "
        f"a p99 under {BAR_P99_MS:.0f} ms would take over {args.dealers * 1000 / BAR_P99_MS:.0f} orders/s",
        f"  for scale: {REFERENCE}",
        "  CPU: 'rest' is the machine's other CPU time in the same blocks (PostgreSQL, and any other work on the host)",
    ]
    lines.append(f"total run time {time.perf_counter() - started:.0f} s")
    return lines


# --- main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dealers", type=int, default=100, help="concurrent dealers, one order in flight each")
    parser.add_argument("--orders", type=int, default=6000, help="timed orders per side")
    parser.add_argument("--warmup", type=int, default=600, help="unmeasured orders per side first")
    parser.add_argument("--blocks", type=int, default=6, help="blocks the sides alternate in, per load")
    parser.add_argument("--rate", type=float, default=100.0, help="orders/s of the paced load (0: none)")
    parser.add_argument("--paced-orders", type=int, default=3000, help="orders per side of the paced load")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw", help="the load's HTTP client")
    parser.add_argument("--profile", action="store_true", help="run the gateway and order server under cProfile")
    parser.add_argument(
        "--gateway-app", default="gateway.app:app", help="the ASGI app uvicorn serves as the gateway (to try a variant)"
    )
    parser.add_argument("--profiled", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profiled:
        run_profiled(args.profiled[0], args.profiled[1], args.profiled[2:])
        return
    if args.dealers < 1 or args.blocks < 1 or min(args.orders, args.paced_orders) < args.blocks or args.rate < 0:
        parser.error("--dealers and --blocks at least 1, --orders and --paced-orders at least --blocks, --rate >= 0")

    started = time.perf_counter()
    load_before = load_average()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["DEALERNET_TRACE_EXPORTER"] = TRACE_EXPORTER
    os.environ["DEALERNET_DATABASE_PREFIX"] = DATABASE_PREFIX
    for component in ("ORDER", "GATEWAY", BARE_COMPONENT.upper()):
        os.environ.pop(f"DEALERNET_{component}_DATABASE_URL", None)
    os.environ["AMQP_URI"] = bench_amqp_uri()
    settings = settings_module.load()
    order_url, bare_url = settings.database_url("order"), settings.database_url(BARE_COMPONENT)
    grpc_port, gateway_port, bare_port = free_port(), free_port(), free_port()
    env = dict(os.environ, DEALERNET_ORDER_GRPC_PORT=str(grpc_port), **{DATABASE_URL_VARIABLE: bare_url})
    host = "127.0.0.1"
    gateway_url, bare_url_http = f"http://{host}:{gateway_port}", f"http://{host}:{bare_port}"
    profiles = {"order-grpc": LOG_DIR / "placement-order-grpc.prof", "gateway": LOG_DIR / "placement-gateway.prof"}

    def command(name: str, module: str, *argv: str) -> list[str]:
        if not args.profile or name not in profiles:
            return [PYTHON, "-m", module, *argv]
        return [PYTHON, "-m", "bench.order_placement", "--profiled", str(profiles[name]), module, *argv]

    def uvicorn(app: str, port: int) -> list[str]:
        return ["uvicorn", app, "--host", host, "--port", str(port), "--workers", "1", "--no-access-log"]

    dealers = make_dealers(args.dealers, settings.token_secret)
    processes = Processes()
    engines: list[Engine] = []
    try:
        progress(f"preparing {DATABASE_PREFIX}_order, _gateway and _bare")
        prepare_order_database(env, order_url, dealers)
        prepare_gateway_database(env)
        prepare_bare_database(bare_url)
        order_engine, bare_engine = create_engine(order_url), create_engine(bare_url)
        engines += [order_engine, bare_engine]
        for path in profiles.values():
            path.unlink(missing_ok=True)

        progress("starting the order gRPC server, the gateway and the bare endpoint")
        order_grpc = processes.start("placement-order-grpc", command("order-grpc", "order_service.grpc_api"), env)
        gateway = processes.start(
            "placement-gateway", command("gateway", *uvicorn(args.gateway_app, gateway_port)), env
        )
        bare = processes.start(
            "placement-bare", command("bare", *uvicorn("bench.bare_order_endpoint:app", bare_port)), env
        )
        wait_for_grpc(processes, order_grpc, f"{host}:{grpc_port}", "/grpc.health.v1.Health/Check")
        first = dealers[0]
        wait_for_http(
            processes, gateway, f"{gateway_url}{API_PREFIX}/catalogue", {"Authorization": f"Bearer {first.token}"}
        )
        wait_for_http(processes, bare, f"{bare_url_http}/openapi.json", {})

        progress("checking one order on each side")
        check_gateway(gateway_url, first, order_engine)
        check_bare(bare_url_http, first, bare_engine)
        checked = counted(order_engine), counted(bare_engine)

        sides = [
            (
                Side(
                    "POST /v1/orders: gateway, gRPC, order service",
                    f"{API_PREFIX}/orders",
                    lambda who: {"Authorization": f"Bearer {who.token}"},
                    {"gateway": gateway, "order-grpc": order_grpc},
                ),
                gateway_port,
            ),
            (
                Side(
                    "POST /orders: bare FastAPI + SQLAlchemy",
                    "/orders",
                    lambda who: {"X-Dealer-Code": who.code},
                    {"bare": bare},
                ),
                bare_port,
            ),
        ]

        async def drive() -> None:
            load = Load(host, dealers, args.client)
            try:
                await measure(load, sides, args)
            finally:
                await load.close()

        with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
            runner.run(drive())
        for process in (order_grpc, gateway, bare):
            processes.check_alive(process)

        # Every 201 is a committed order with its outbox record, on both sides.
        for (side, _), engine, (orders_before, events_before) in zip(
            sides, (order_engine, bare_engine), checked, strict=True
        ):
            orders, events = counted(engine)
            placed = args.warmup + side.saturated.orders + side.paced.orders
            expect(
                orders - orders_before == placed and events - events_before == placed,
                f"{side.label}: {placed} orders answered 201, but {orders - orders_before} orders and "
                f"{events - events_before} outbox records were written",
            )
        lines = report([side for side, _ in sides], args, load_before, started)
        lines.insert(
            -1,
            "  checks: one order per side read back (GET /v1/orders/{number}, the bare table) with its outbox "
            "record, an idempotent retry replayed; every 201 counted as an order and an outbox record",
        )
        if args.profile:
            processes.stop_all()  # the profiles are written as the servers exit
            gateway_side = sides[0][0]
            total = args.warmup + gateway_side.saturated.orders + gateway_side.paced.orders + 2
            for name, path in profiles.items():
                lines += ["", f"cProfile of {name}, by own time:", *profile_summary(path, total)]
        print("\n".join(lines), flush=True)
    except KeyboardInterrupt:
        progress("interrupted; servers stopped")
        raise SystemExit(130) from None
    finally:
        processes.stop_all()
        for engine in engines:
            engine.dispose()


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


if __name__ == "__main__":
    main()
