"""Round-trip latency and throughput of the two hops, each beside a bare baseline.

    python -m bench.hops [--calls 2000] [--warmup 300] [--concurrency 16] [--explain]

1. Gateway to service, gRPC: the real order-service gRPC process, called the way the
   gateway calls it (grpc.aio channel with the OpenTelemetry client interceptor, the
   principal in metadata): Health/Check and OrderService/GetCatalogue. Baseline: a bare
   grpcio server process answering canned messages of the same size, called through a
   grpc.aio channel without interceptors.
2. Service to service, Nameko RPC: a real `nameko run` process with a service carrying the
   real Tracing dependency, called through a persistent ClusterRpcProxy with the principal
   in its context data. Baseline: bare pika request/reply against a pika echo process.

One in flight: hop and baseline calls alternate in blocks, so both see the same machine;
CPU per call is counted for this process (the client) and for the case's server process.
Then `--concurrency` calls in flight give throughput. `--explain` adds rows that split a
hop's cost into parts. Every process started here is stopped before exit, also on Ctrl-C
and on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import grpc
import pika
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from bench import catalogue, grpc_baseline
from dealernet.v1 import order_pb2, order_pb2_grpc
from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.principal import GRPC_METADATA_KEY, NAMEKO_CONTEXT_KEY, Principal, Role

# Imported here, once: importing nameko (and so eventlet) from several threads at the same
# time deadlocks. Eventlet announces its deprecation on import; nothing here uses it.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from nameko.standalone.rpc import ClusterRpcProxy

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"
PYTHON = sys.executable
NAMEKO = str(Path(sys.executable).with_name("nameko"))

DATABASE_PREFIX = "dealernet_bench"
VHOST = "dealernet-bench"
ECHO_SERVICE = "bench_echo"
NAMEKO_RPC_EXCHANGE = "nameko-rpc"
BASELINE_QUEUE = "bench.amqp-echo"
GUARANTEED_QUEUE = "bench.amqp-echo-guaranteed"
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
REPLY_QUEUE_EXPIRES_MS = 60_000
TRACE_EXPORTER = "none"
BAR = 2.0  # a hop's median may be at most this many times its baseline's median
CALL_TIMEOUT_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

PRINCIPAL = Principal(subject="bench", role=Role.DEALER, org_code="D001")

# What one service typically passes another: an order as `order.get_order` returns it.
PAYLOAD = {
    "order_number": "VO-2025-000123",
    "dealer_code": "D001",
    "model_code": "KESTREL",
    "trim_code": "SE",
    "colour_code": "RED",
    "wanted_week": "2025-W48",
    "status": "submitted",
    "supply": "pending",
    "vin": "",
    "placed_at": "2025-11-23T10:15:00+00:00",
    "list_price_minor": "2689000",
    "currency": "EUR",
}


# --- figures -----------------------------------------------------------------------------


def percentile_us(samples_ns: list[int], fraction: float) -> float:
    """Nearest-rank percentile, in microseconds."""
    ordered = sorted(samples_ns)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1] / 1000


def process_cpu_seconds(process: subprocess.Popen[bytes] | None) -> float:
    """User plus system CPU time of a child process so far; NaN where /proc cannot tell."""
    if process is None:
        return math.nan
    try:
        after_name = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(after_name[11]) + int(after_name[12])) / CLOCK_TICKS


@dataclass
class Figures:
    label: str
    server: subprocess.Popen[bytes] | None = None  # whose CPU counts as the server's
    sequential_ns: list[int] = field(default_factory=list)
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    concurrent_ns: list[int] = field(default_factory=list)
    concurrent_seconds: float = 0.0

    @contextmanager
    def cpu_metered(self) -> Iterator[None]:
        client, server = time.process_time(), process_cpu_seconds(self.server)
        yield
        self.client_cpu_s += time.process_time() - client
        self.server_cpu_s += process_cpu_seconds(self.server) - server

    @property
    def median_us(self) -> float:
        return percentile_us(self.sequential_ns, 0.5)

    @property
    def p99_us(self) -> float:
        return percentile_us(self.sequential_ns, 0.99)

    @property
    def client_cpu_us(self) -> float:
        return self.client_cpu_s * 1e6 / len(self.sequential_ns)

    @property
    def server_cpu_us(self) -> float:
        return self.server_cpu_s * 1e6 / len(self.sequential_ns)

    @property
    def calls_per_second(self) -> float:
        return len(self.concurrent_ns) / self.concurrent_seconds if self.concurrent_ns else math.nan

    @property
    def loaded_median_us(self) -> float:
        return percentile_us(self.concurrent_ns, 0.5) if self.concurrent_ns else math.nan


@dataclass
class Comparison:
    title: str
    hop: Figures
    baseline: Figures
    explain: list[Figures] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.hop.median_us / self.baseline.median_us


# --- processes ---------------------------------------------------------------------------


class Processes:
    """The servers under measurement; each logs to var/bench/<name>.log."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = (LOG_DIR / f"{name}.log").open("wb")
        # A session of its own: Ctrl-C reaches only the benchmark, which then stops the
        # servers in order instead of having them die mid-call.
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running.append((name, process, log))
        return process

    def check_alive(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            return
        name = next(n for n, p, _ in self.running if p is process)
        tail = (LOG_DIR / f"{name}.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{name} exited with code {process.returncode}; its log ends:\n{tail}")

    def stop_all(self) -> None:
        for _, process, _ in self.running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, process, log in self.running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        self.running.clear()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_amqp_uri() -> str:
    """The configured broker, on a vhost of its own when rabbitmqctl can make one."""
    server = settings_module.load().amqp_uri.split("://", 1)[1].split("/", 1)[0]
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        return f"amqp://{server}/"
    try:
        listed = subprocess.run([rabbitmqctl, "-q", "list_vhosts"], capture_output=True, text=True, check=True)
        if VHOST not in listed.stdout.split():
            subprocess.run([rabbitmqctl, "-q", "add_vhost", VHOST], check=True, capture_output=True)
            subprocess.run(
                [rabbitmqctl, "-q", "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"],
                check=True,
                capture_output=True,
            )
    except (OSError, subprocess.CalledProcessError):
        # Not allowed to manage vhosts: the default one, where every name used starts with bench.
        return f"amqp://{server}/"
    return f"amqp://{server}/{VHOST}"


def prepare_order_database(env: dict[str, str]) -> None:
    from sqlalchemy import create_engine

    subprocess.run([PYTHON, "-m", "plumbing.migrate", "order"], cwd=ROOT, env=env, check=True, capture_output=True)
    engine = create_engine(settings_module.load().database_url("order"))
    try:
        catalogue.seed(engine)
    finally:
        engine.dispose()


def wait_for_grpc(processes: Processes, process: subprocess.Popen[bytes], target: str, method: str) -> None:
    """Until `method` answers SERVING (the order service's health check touches its database)."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with grpc.insecure_channel(target) as channel:
        check = channel.unary_unary(
            method,
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        while True:
            processes.check_alive(process)
            try:
                if check(health_pb2.HealthCheckRequest(), timeout=1).status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{target} did not become ready")
            time.sleep(0.2)


def wait_for_consumer(processes: Processes, process: subprocess.Popen[bytes], amqp_uri: str, queue: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        while True:
            processes.check_alive(process)
            channel = connection.channel()
            try:
                if channel.queue_declare(queue, passive=True).method.consumer_count > 0:
                    return
                channel.close()
            except pika.exceptions.ChannelClosedByBroker:
                pass  # not declared yet
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing consumes {queue}")
            time.sleep(0.2)
    finally:
        connection.close()


def expect(condition: bool, failure: str) -> None:
    """Each case is checked once before it is timed: a call that fails fast would look fast."""
    if not condition:
        raise RuntimeError(failure)


# --- measuring ---------------------------------------------------------------------------

AsyncCase = tuple[Figures, Callable[[], Awaitable[Any]]]
SyncCase = tuple[Figures, Callable[[], Any]]


CaseT = TypeVar("CaseT")


def block_sizes(calls: int, blocks: int) -> list[int]:
    return [calls // blocks + (1 if i < calls % blocks else 0) for i in range(blocks)]


def block_order(cases: list[CaseT], number: int) -> list[CaseT]:
    """Alternate the order of the cases from block to block, so none always goes first."""
    return cases if number % 2 == 0 else cases[::-1]


async def sequential_async(cases: list[AsyncCase], warmup: int, calls: int, blocks: int) -> None:
    for _, call in cases:
        for _ in range(warmup):
            await call()
    for number, size in enumerate(block_sizes(calls, blocks)):
        for figures, call in block_order(cases, number):
            samples = figures.sequential_ns
            with figures.cpu_metered():
                for _ in range(size):
                    start = time.perf_counter_ns()
                    await call()
                    samples.append(time.perf_counter_ns() - start)


async def concurrent_async(figures: Figures, call: Callable[[], Awaitable[Any]], calls: int, in_flight: int) -> None:
    remaining = calls
    samples = figures.concurrent_ns

    async def caller() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            start = time.perf_counter_ns()
            await call()
            samples.append(time.perf_counter_ns() - start)

    began = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(in_flight)))
    figures.concurrent_seconds = time.perf_counter() - began


def sequential_sync(cases: list[SyncCase], warmup: int, calls: int, blocks: int) -> None:
    for _, call in cases:
        for _ in range(warmup):
            call()
    for number, size in enumerate(block_sizes(calls, blocks)):
        for figures, call in block_order(cases, number):
            samples = figures.sequential_ns
            with figures.cpu_metered():
                for _ in range(size):
                    start = time.perf_counter_ns()
                    call()
                    samples.append(time.perf_counter_ns() - start)


def concurrent_threads(
    figures: Figures,
    open_caller: Callable[[], AbstractContextManager[Callable[[], Any]]],
    calls: int,
    in_flight: int,
    warmup: int,
) -> None:
    """`in_flight` threads, each with its own caller: a connection is not shared between threads."""
    counter = iter(range(calls))
    ready = threading.Barrier(in_flight + 1)
    failures: list[BaseException] = []
    per_thread: list[list[int]] = [[] for _ in range(in_flight)]

    def caller(samples: list[int]) -> None:
        try:
            with open_caller() as call:
                for _ in range(warmup):
                    call()
                ready.wait()
                for _ in counter:  # next() on a shared range iterator is atomic under the GIL
                    start = time.perf_counter_ns()
                    call()
                    samples.append(time.perf_counter_ns() - start)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
            failures.append(exc)
            ready.abort()

    threads = [threading.Thread(target=caller, args=(samples,), daemon=True) for samples in per_thread]
    for thread in threads:
        thread.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        pass
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    figures.concurrent_seconds = time.perf_counter() - began
    if failures:
        raise failures[0]
    figures.concurrent_ns = [sample for samples in per_thread for sample in samples]


# --- hop 1: gateway to service over gRPC --------------------------------------------------


async def measure_grpc(
    order_target: str,
    order_server: subprocess.Popen[bytes],
    baseline_target: str,
    baseline_server: subprocess.Popen[bytes],
    args: argparse.Namespace,
) -> list[Comparison]:
    # As gateway/backends.py calls: the principal in metadata (the health check goes without).
    metadata = ((GRPC_METADATA_KEY, PRINCIPAL.to_json()),)
    check_request = health_pb2.HealthCheckRequest()
    catalogue_request = order_pb2.GetCatalogueRequest()
    async with (
        grpc.aio.insecure_channel(order_target, interceptors=aio_client_interceptors()) as gateway_channel,
        grpc.aio.insecure_channel(order_target) as uninstrumented_channel,
        grpc.aio.insecure_channel(baseline_target) as bare_channel,
    ):
        health = health_pb2_grpc.HealthStub(gateway_channel)
        orders = order_pb2_grpc.OrderServiceStub(gateway_channel)
        uninstrumented_health = health_pb2_grpc.HealthStub(uninstrumented_channel)
        uninstrumented_orders = order_pb2_grpc.OrderServiceStub(uninstrumented_channel)
        tiny = bare_channel.unary_unary(
            grpc_baseline.TINY_METHOD,
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        whole_catalogue = bare_channel.unary_unary(
            grpc_baseline.CATALOGUE_METHOD,
            request_serializer=order_pb2.GetCatalogueRequest.SerializeToString,
            response_deserializer=order_pb2.Catalogue.FromString,
        )

        def hop_check() -> Awaitable[Any]:
            return health.Check(check_request, timeout=CALL_TIMEOUT_SECONDS)

        def hop_catalogue() -> Awaitable[Any]:
            return orders.GetCatalogue(catalogue_request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)

        def bare_tiny() -> Awaitable[Any]:
            return tiny(check_request, timeout=CALL_TIMEOUT_SECONDS)

        def bare_catalogue() -> Awaitable[Any]:
            return whole_catalogue(catalogue_request, timeout=CALL_TIMEOUT_SECONDS)

        serving = health_pb2.HealthCheckResponse.SERVING
        expect((await hop_check()).status == serving, "the order service is not SERVING")
        expect((await bare_tiny()).status == serving, "the gRPC baseline does not answer SERVING")
        expected = catalogue.catalogue_message()
        expect(await hop_catalogue() == expected, "GetCatalogue did not return the seeded model")
        expect(await bare_catalogue() == expected, "the gRPC baseline does not answer the catalogue")

        health_hop = Comparison(
            "gRPC Health/Check (runs SELECT 1)",
            Figures("order service, gateway-style client", order_server),
            Figures("bare grpcio, same-size answer", baseline_server),
        )
        catalogue_hop = Comparison(
            "gRPC OrderService/GetCatalogue",
            Figures("order service, gateway-style client", order_server),
            Figures("bare grpcio, the same answer bytes", baseline_server),
        )
        health_explain: list[AsyncCase] = []
        catalogue_explain: list[AsyncCase] = []
        database = None
        if args.explain:
            from order_service.catalogue import load_catalogue
            from order_service.models import tables as order_tables
            from plumbing.db import Database

            # The same engine set-up as the service's (pool pre-ping, SQL instrumentation).
            database = Database("order", settings_module.load().database_url("order"), order_tables)

            async def database_ping() -> None:
                database.ping()

            async def database_catalogue() -> None:
                with database.unit_of_work() as uow:
                    load_catalogue(uow)

            health_explain.extend(
                [
                    (
                        Figures("· order service, client without interceptor", order_server),
                        lambda: uninstrumented_health.Check(check_request, timeout=CALL_TIMEOUT_SECONDS),
                    ),
                    (Figures("· Database.ping alone, in-process"), database_ping),
                ]
            )
            catalogue_explain.extend(
                [
                    (
                        Figures("· order service, client without interceptor", order_server),
                        lambda: uninstrumented_orders.GetCatalogue(
                            catalogue_request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS
                        ),
                    ),
                    (Figures("· load_catalogue alone, in-process"), database_catalogue),
                ]
            )
        plan = [
            (health_hop, hop_check, bare_tiny, health_explain),
            (catalogue_hop, hop_catalogue, bare_catalogue, catalogue_explain),
        ]
        try:
            for comparison, hop_call, bare_call, explain in plan:
                progress(f"measuring {comparison.title}")
                comparison.explain = [figures for figures, _ in explain]
                cases = [(comparison.hop, hop_call), (comparison.baseline, bare_call), *explain]
                await sequential_async(cases, args.warmup, args.calls, args.blocks)
                for figures, call in cases[:2]:
                    await concurrent_async(figures, call, args.calls, args.concurrency)
        finally:
            if database is not None:
                database.engine.dispose()
        return [health_hop, catalogue_hop]


# --- hop 2: service to service over Nameko RPC --------------------------------------------


def calling_service_context() -> dict[str, str]:
    """The context data a calling service's worker passes on: its principal and its span."""
    with tracing.tracer("bench").start_as_current_span("calling service worker"):
        traceparent = tracing.current_traceparent()
    if traceparent is None:
        raise RuntimeError("no tracer provider: spans have no context to pass on")
    return {NAMEKO_CONTEXT_KEY: PRINCIPAL.to_json(), "traceparent": traceparent}


@contextmanager
def nameko_caller(amqp_uri: str, context_data: dict[str, str]) -> Iterator[Callable[[], Any]]:
    """A standalone proxy kept open for all its calls, as a long-lived caller keeps it."""
    proxy = ClusterRpcProxy(
        {"AMQP_URI": amqp_uri, "serializer": "json"}, context_data=context_data, timeout=CALL_TIMEOUT_SECONDS
    )
    cluster = proxy.start()
    try:
        service = cluster[ECHO_SERVICE]
        yield lambda: service.echo(PAYLOAD)
    finally:
        proxy.stop()


@dataclass(frozen=True)
class PikaRoute:
    """Where a pika caller sends its requests and how.

    `guarantees`: what Nameko does for every RPC: requests and replies persistent, published
    with confirms (and `mandatory`), a durable reply queue whose messages are acked by hand.
    `nameko_envelope`: Nameko's wire format (args/kwargs body, context data in headers,
    replies through the RPC exchange), so a pika caller can call a Nameko service.
    """

    exchange: str
    routing_key: str
    guarantees: bool = False
    nameko_envelope: bool = False


BARE_ROUTE = PikaRoute("", BASELINE_QUEUE)
GUARANTEED_ROUTE = PikaRoute("", GUARANTEED_QUEUE, guarantees=True)
NAMEKO_SERVICE_ROUTE = PikaRoute(NAMEKO_RPC_EXCHANGE, f"{ECHO_SERVICE}.echo", nameko_envelope=True)


class PikaCaller:
    """Request/reply over one persistent pika connection."""

    def __init__(self, amqp_uri: str, route: PikaRoute, context_data: dict[str, str]) -> None:
        self.route = route
        self.headers = {f"nameko.{key}": value for key, value in context_data.items()}
        self.replies: dict[str, bytes] = {}
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.connection.channel()
        self.reply_queue: str | None = None
        if route.guarantees:
            self.channel.confirm_delivery()
        if route.exchange == "" and not route.guarantees:
            self.reply_to = DIRECT_REPLY_TO
            self.channel.basic_consume(DIRECT_REPLY_TO, self._on_reply, auto_ack=True)
            return
        key = str(uuid.uuid4())
        self.reply_queue = f"bench.reply-{key}"
        self.channel.queue_declare(
            self.reply_queue,
            durable=route.guarantees,
            exclusive=not route.guarantees,
            arguments={"x-expires": REPLY_QUEUE_EXPIRES_MS},
        )
        if route.exchange:
            self.channel.queue_bind(self.reply_queue, route.exchange, routing_key=key)
            self.reply_to = key
        else:
            self.reply_to = self.reply_queue
        self.channel.basic_consume(self.reply_queue, self._on_reply, auto_ack=not route.guarantees)

    def _on_reply(self, channel: Any, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        self.replies[properties.correlation_id] = body
        if self.route.guarantees:
            channel.basic_ack(method.delivery_tag)

    def call(self, payload: Any) -> Any:
        correlation_id = str(uuid.uuid4())
        body = {"args": [payload], "kwargs": {}} if self.route.nameko_envelope else payload
        self.channel.basic_publish(
            exchange=self.route.exchange,
            routing_key=self.route.routing_key,
            body=json.dumps(body).encode(),
            properties=pika.BasicProperties(
                reply_to=self.reply_to,
                correlation_id=correlation_id,
                content_type="application/json",
                delivery_mode=pika.DeliveryMode.Persistent if self.route.guarantees else pika.DeliveryMode.Transient,
                headers=self.headers if self.route.nameko_envelope else None,
            ),
            mandatory=self.route.guarantees,
        )
        deadline = time.monotonic() + CALL_TIMEOUT_SECONDS
        while correlation_id not in self.replies:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply through {self.route}")
            self.connection.process_data_events(time_limit=CALL_TIMEOUT_SECONDS)
        reply = json.loads(self.replies.pop(correlation_id))
        if self.route.nameko_envelope:
            if reply.get("error"):
                raise RuntimeError(f"the Nameko service failed: {reply['error']}")
            return reply["result"]
        return reply

    def close(self) -> None:
        if self.connection.is_open:
            if self.reply_queue is not None and self.route.guarantees:
                self.channel.queue_delete(self.reply_queue)
            self.connection.close()


@contextmanager
def pika_caller(amqp_uri: str, route: PikaRoute, context_data: dict[str, str]) -> Iterator[Callable[[], Any]]:
    caller = PikaCaller(amqp_uri, route, context_data)
    try:
        yield lambda: caller.call(PAYLOAD)
    finally:
        caller.close()


def measure_amqp(
    amqp_uri: str,
    nameko_server: subprocess.Popen[bytes],
    pika_server: subprocess.Popen[bytes],
    guaranteed_server: subprocess.Popen[bytes] | None,
    args: argparse.Namespace,
) -> Comparison:
    context_data = calling_service_context()
    comparison = Comparison(
        "Nameko RPC echo (Tracing + principal)",
        Figures("nameko run, persistent ClusterRpcProxy", nameko_server),
        Figures("bare pika, direct reply-to", pika_server),
    )
    progress(f"measuring {comparison.title}")
    with ExitStack() as callers:
        nameko_call = callers.enter_context(nameko_caller(amqp_uri, context_data))
        pika_call = callers.enter_context(pika_caller(amqp_uri, BARE_ROUTE, context_data))
        expect(nameko_call() == PAYLOAD, "the Nameko echo service did not return the payload")
        expect(pika_call() == PAYLOAD, "the pika echo server did not return the payload")
        cases: list[SyncCase] = [(comparison.hop, nameko_call), (comparison.baseline, pika_call)]
        if args.explain:
            pika_to_nameko_call = callers.enter_context(pika_caller(amqp_uri, NAMEKO_SERVICE_ROUTE, context_data))
            guaranteed_call = callers.enter_context(pika_caller(amqp_uri, GUARANTEED_ROUTE, context_data))
            expect(pika_to_nameko_call() == PAYLOAD, "the Nameko echo service did not answer a pika caller")
            expect(guaranteed_call() == PAYLOAD, "the guaranteed pika echo server did not return the payload")
            explain: list[SyncCase] = [
                (Figures("· pika caller, same Nameko service", nameko_server), pika_to_nameko_call),
                (Figures("· pika both ends, Nameko's guarantees", guaranteed_server), guaranteed_call),
            ]
            comparison.explain = [figures for figures, _ in explain]
            cases.extend(explain)
        sequential_sync(cases, args.warmup, args.calls, args.blocks)
    warmup_per_caller = max(1, args.warmup // args.concurrency)
    concurrent_threads(
        comparison.hop,
        lambda: nameko_caller(amqp_uri, context_data),
        args.calls,
        args.concurrency,
        warmup_per_caller,
    )
    concurrent_threads(
        comparison.baseline,
        lambda: pika_caller(amqp_uri, BARE_ROUTE, context_data),
        args.calls,
        args.concurrency,
        warmup_per_caller,
    )
    return comparison


# --- report ------------------------------------------------------------------------------


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def number(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}"


def report(
    comparisons: list[Comparison], args: argparse.Namespace, amqp_uri: str, seconds: float, load_before: str
) -> str:
    vhost = amqp_uri.rsplit("/", 1)[1] or "/"
    load_after = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    lines = [
        f"dealernet hop benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, grpcio {grpc.__version__}",
        f"load average before {load_before}, after {load_after}",
        f"all measured processes and this client run with DEALERNET_TRACE_EXPORTER={TRACE_EXPORTER}: "
        "tracing instrumentation active, no spans exported",
        f"one in flight: {args.calls} calls per case after {args.warmup} warm-up, cases alternating in "
        f"{args.blocks} blocks; CPU = this process (client) and the case's server process, per call",
        f"{args.concurrency} in flight: {args.calls} calls per case (gRPC: asyncio tasks on one channel; "
        "Nameko/pika: a thread and a connection per caller)",
        f"database {DATABASE_PREFIX}_order, AMQP vhost {vhost}",
        "",
        f"{'':<44}{'one in flight':-^44}  {f'{args.concurrency} in flight':-^20}",
        f"{'':<44}{'median':>11}{'p99':>11}{'client CPU':>11}{'server CPU':>11}  {'calls/s':>10}{'median':>10}",
        f"{'case':<44}{'µs':>11}{'µs':>11}{'µs/call':>11}{'µs/call':>11}  {'':>10}{'µs':>10}",
    ]
    for comparison in comparisons:
        lines.append(comparison.title)
        for figures in (comparison.hop, comparison.baseline, *comparison.explain):
            lines.append(
                f"  {figures.label:<42}{number(figures.median_us):>11}{number(figures.p99_us):>11}"
                f"{number(figures.client_cpu_us):>11}{number(figures.server_cpu_us):>11}  "
                f"{number(figures.calls_per_second):>10}{number(figures.loaded_median_us):>10}"
            )
        verdict = "met" if comparison.ratio <= BAR else "MISSED"
        throughput_ratio = comparison.baseline.calls_per_second / comparison.hop.calls_per_second
        lines.append(
            f"  ratio hop/baseline median {comparison.ratio:.2f}x (bar <= {BAR:g}x: {verdict}); "
            f"baseline throughput {throughput_ratio:.2f}x the hop's"
        )
        lines.append("")
    lines.append(f"total run time {seconds:.0f} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000, help="measured calls per case, in each mode")
    parser.add_argument("--warmup", type=int, default=300, help="unmeasured calls per case before them")
    parser.add_argument("--concurrency", type=int, default=16, help="calls in flight for the throughput runs")
    parser.add_argument("--blocks", type=int, default=10, help="blocks the one-in-flight calls alternate in")
    parser.add_argument("--explain", action="store_true", help="add rows that split each hop's cost")
    args = parser.parse_args()
    if args.calls < args.blocks or args.concurrency < 1:
        parser.error("--calls must be at least --blocks, and --concurrency at least 1")

    began = time.perf_counter()
    load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # The measured processes and this one run with tracing instrumentation active but no
    # exporter, so the figures hold the instrumentation's cost and not an exporter's.
    os.environ["DEALERNET_TRACE_EXPORTER"] = TRACE_EXPORTER
    os.environ["DEALERNET_DATABASE_PREFIX"] = DATABASE_PREFIX
    os.environ.pop("DEALERNET_ORDER_DATABASE_URL", None)
    os.environ["AMQP_URI"] = amqp_uri = bench_amqp_uri()
    tracing.setup("bench-gateway")
    order_port, baseline_port = free_port(), free_port()
    env = dict(os.environ, DEALERNET_ORDER_GRPC_PORT=str(order_port))
    order_target, baseline_target = f"127.0.0.1:{order_port}", f"127.0.0.1:{baseline_port}"

    processes = Processes()
    try:
        progress("starting servers")
        grpc_bare = processes.start("grpc-baseline", [PYTHON, "-m", "bench.grpc_baseline", str(baseline_port)], env)
        pika_echo = processes.start(
            "amqp-baseline", [PYTHON, "-m", "bench.amqp_baseline", amqp_uri, BASELINE_QUEUE], env
        )
        guaranteed_echo = None
        if args.explain:
            guaranteed_echo = processes.start(
                "amqp-baseline-guaranteed",
                [PYTHON, "-m", "bench.amqp_baseline", amqp_uri, GUARANTEED_QUEUE, "--guarantees"],
                env,
            )
        nameko_echo = processes.start(
            "nameko-echo", [NAMEKO, "run", "--config", "plumbing/nameko.yaml", "bench.echo_service"], env
        )
        prepare_order_database(env)
        order_grpc = processes.start("order-grpc", [PYTHON, "-m", "order_service.grpc_api"], env)
        wait_for_grpc(processes, order_grpc, order_target, "/grpc.health.v1.Health/Check")
        wait_for_grpc(processes, grpc_bare, baseline_target, grpc_baseline.TINY_METHOD)
        wait_for_consumer(processes, nameko_echo, amqp_uri, f"rpc-{ECHO_SERVICE}")
        wait_for_consumer(processes, pika_echo, amqp_uri, BASELINE_QUEUE)
        if guaranteed_echo is not None:
            wait_for_consumer(processes, guaranteed_echo, amqp_uri, GUARANTEED_QUEUE)

        comparisons = asyncio.run(measure_grpc(order_target, order_grpc, baseline_target, grpc_bare, args))
        comparisons.append(measure_amqp(amqp_uri, nameko_echo, pika_echo, guaranteed_echo, args))
    except KeyboardInterrupt:
        progress("interrupted; servers stopped")
        raise SystemExit(130) from None
    finally:
        processes.stop_all()
    print(report(comparisons, args, amqp_uri, time.perf_counter() - began, load_before))


if __name__ == "__main__":
    main()
