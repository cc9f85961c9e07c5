"""Headquarters' dashboard over a million orders of history.

    python -m bench.dashboard [--orders 1000000] [--calls 300] [--warmup 30] [--blocks 10]

The monitor's own bench database, `dealernet_bench_monitor`, is migrated, emptied and filled
in SQL (generate_series, not a million events): `--orders` ordered cars placed over five
years by 2,000 dealers in 10 regions, six models, each at the stage its age gives it (the
last five weeks' cars still on their way, one in seven of those behind plan, 3 % cancelled
or rejected); 100,000 support requests over two years (the last days' still open, some past
their deadline; 70 % of the closed ones rated); 40,000 cars in dealers' stock up to 300 days
old; 200,000 customers in three segments. The counters are then rebuilt from those records
by the service's own `monitor.recount`, as the events would have left them.

Then the real monitor gRPC server (`python -m monitor_service.grpc_api`) and a real gateway
(`uvicorn gateway.app:app`) run, each in a session of its own, and an HQ analyst's token
asks, one call in flight over a kept-alive HTTP connection: GET /v1/dashboard and four
drill-downs (orders by stage and region, late cars, stock by region and age band, breached
support requests), plus GetDashboard straight on the monitor's gRPC port. Baseline, same
run, alternating in blocks: the same SQL each answer runs, with psycopg2 on one connection.
For scale, the figures as a query-per-request dashboard would make them (GROUP BY over
the orders) are timed too. The bar: GET /v1/dashboard p95 under 200 ms.

Server logs go to var/bench/. Not a test: it prints figures and exits 0, or non-zero only
when it cannot run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
import psycopg2

from bench.hops import DATABASE_PREFIX, PYTHON, ROOT, TRACE_EXPORTER, Processes, free_port, progress, wait_for_grpc
from bench.measure import libpq_dsn, load_average, percentile_ms
from dealernet.v1 import monitor_pb2, monitor_pb2_grpc
from monitor_service import monitor
from monitor_service.models import tables
from plumbing import settings as settings_module
from plumbing.db import Database
from plumbing.principal import GRPC_METADATA_KEY, AccountRole, Principal

COMPONENT = "monitor"
BAR_DASHBOARD_P95_MS = 200.0
READY_TIMEOUT_SECONDS = 60.0
HQ = Principal.for_account("analyst@hq", AccountRole.HQ_ANALYST)
TABLES = "monitor_orders, monitor_stock, monitor_support, monitor_customers, monitor_dealers, monitor_counts"

FILL_ORDERS = """
SELECT setseed(0.42);
INSERT INTO monitor_dealers (dealer_code, region)
SELECT 'D' || lpad(d::text, 4, '0'), 'R' || lpad((d %% 10 + 1)::text, 2, '0') FROM generate_series(1, 2000) d;
INSERT INTO monitor_orders (
    order_number, dealer_code, region, model_code, trim_code, colour_code, status, status_at, furthest,
    placed_at, approved_at, scheduled_at, shipped_at, arrived_at, delivered_at, vin, stage,
    planned_arrival, expected_arrival, late, late_at, updated_at)
SELECT
    'ORD-B-' || lpad(g::text, 8, '0'), dealer, 'R' || lpad((dealer_no %% 10 + 1)::text, 2, '0'),
    (ARRAY['AUR', 'TER', 'VLT', 'MRA', 'KST', 'ZEN'])[1 + (g %% 6)], (ARRAY['LX', 'EX', 'SPORT'])[1 + (g %% 3)],
    (ARRAY['WHT', 'BLK', 'RED', 'SLV'])[1 + (g %% 4)], status, placed + interval '1 hour', furthest, placed,
    CASE WHEN furthest >= 1 THEN placed + interval '2 days' END,
    CASE WHEN furthest >= 2 THEN placed + interval '5 days' END,
    CASE WHEN furthest >= 3 THEN placed + interval '22 days' END,
    CASE WHEN furthest >= 4 THEN placed + interval '28 days' END,
    CASE WHEN furthest >= 5 THEN placed + interval '35 days' END,
    CASE WHEN furthest >= 2 THEN 'LDNB' || lpad(g::text, 13, '0') END,
    CASE WHEN status = 'in_production' THEN 'assembly' END,
    CASE WHEN furthest >= 2 THEN (placed + interval '26 days')::date END,
    CASE WHEN furthest >= 2 THEN (placed + interval '27 days')::date END,
    late, CASE WHEN late THEN placed + interval '10 days' END, placed + interval '1 hour'
FROM (
    SELECT g, dealer_no, 'D' || lpad(dealer_no::text, 4, '0') AS dealer, placed, status,
        CASE status WHEN 'submitted' THEN 0 WHEN 'approved' THEN 1 WHEN 'scheduled' THEN 2
            WHEN 'in_production' THEN 2 WHEN 'released' THEN 2 WHEN 'shipped' THEN 3 WHEN 'arrived' THEN 4
            WHEN 'delivered' THEN 5 WHEN 'rejected' THEN 0 ELSE 1 END AS furthest,
        status IN ('scheduled', 'in_production', 'released', 'shipped') AND random() < 0.15 AS late
    FROM (
        SELECT g, dealer_no, placed,
            CASE
                WHEN ended < 0.015 THEN 'rejected'
                WHEN ended < 0.03 THEN 'cancelled'
                WHEN age < 2 THEN 'submitted'
                WHEN age < 5 THEN 'approved'
                WHEN age < 8 THEN 'scheduled'
                WHEN age < 18 THEN 'in_production'
                WHEN age < 22 THEN 'released'
                WHEN age < 28 THEN 'shipped'
                WHEN age < 35 THEN 'arrived'
                ELSE 'delivered'
            END AS status
        FROM (
            SELECT g, 1 + (random() * 1999)::int AS dealer_no, random() AS ended,
                now() - (%(orders)s - g) * interval '1 day' * 1826 / %(orders)s AS placed,
                (%(orders)s - g) * 1826.0 / %(orders)s AS age
            FROM generate_series(1, %(orders)s) g
        ) drawn
    ) staged
) orders;
"""

FILL_REST = """
SELECT setseed(0.24);
INSERT INTO monitor_support (
    request_id, station_code, region, priority, status, engineer, model_code, opened_at,
    first_response_due, resolution_due, resolved_at, closed_at, resolution_late, rating, escalation_level, last_at)
SELECT 'REQ-' || g, 'S' || lpad((g % 3000 + 1)::text, 4, '0'), 'R' || lpad((g % 10 + 1)::text, 2, '0'),
    (ARRAY['critical', 'high', 'normal', 'low'])[1 + (g % 4)],
    CASE WHEN age < 3 THEN (ARRAY['open', 'in_progress', 'waiting_on_station'])[1 + (g % 3)] ELSE 'closed' END,
    'engineer-' || (g % 40), 'AUR', opened, opened + interval '8 hours', opened + interval '48 hours',
    CASE WHEN age >= 3 THEN opened + interval '40 hours' END, CASE WHEN age >= 3 THEN opened + interval '50 hours' END,
    age >= 3 AND g % 9 = 0, CASE WHEN age >= 3 AND random() < 0.7 THEN 1 + (random() * 4)::int END, 0, opened
FROM (
    SELECT g, now() - (100000 - g) * interval '730 days' / 100000 AS opened, (100000 - g) * 730.0 / 100000 AS age
    FROM generate_series(1, 100000) g
) requests;
INSERT INTO monitor_stock (vin, location_code, region, model_code, status, in_stock_since, last_at)
SELECT 'LDNS' || lpad(g::text, 13, '0'), 'D' || lpad((g % 2000 + 1)::text, 4, '0'),
    'R' || lpad(((g % 2000 + 1) % 10 + 1)::text, 2, '0'),
    (ARRAY['AUR', 'TER', 'VLT', 'MRA', 'KST', 'ZEN'])[1 + (g % 6)],
    'available', now() - random() * interval '300 days', now()
FROM generate_series(1, 40000) g;
INSERT INTO monitor_customers (customer_id, segment, region, kind, merged, segment_at, registered_at)
SELECT 'C' || g, (ARRAY['potential', 'potential', 'target', 'key'])[1 + (g % 4)],
    'R' || lpad((g % 10 + 1)::text, 2, '0'), 'person', false, now(), now()
FROM generate_series(1, 200000) g;
"""

# What each answer's use case runs, as plain SQL (see monitor.read_dashboard and the list calls).
DASHBOARD_SQL = (
    "SELECT figure, k1, k2, k3, n FROM monitor_counts WHERE n <> 0 AND figure IN ('orders.stage', 'orders.region', "
    "'orders.model', 'late', 'funnel', 'customers.segment', 'support.status', 'support.resolution_late', "
    "'support.rating')",
    "SELECT k1, n FROM monitor_counts WHERE figure = 'orders.dealer_total' AND n <> 0 ORDER BY n DESC, k1 LIMIT 20",
    "SELECT k1, CASE WHEN k3 >= (current_date - 30)::text THEN 'a' WHEN k3 >= (current_date - 60)::text THEN 'b' "
    "WHEN k3 >= (current_date - 90)::text THEN 'c' WHEN k3 >= (current_date - 180)::text THEN 'd' ELSE 'e' END AS band,"
    " sum(n) FROM monitor_counts WHERE figure = 'stock' GROUP BY k1, band HAVING sum(n) <> 0",
    "SELECT count(*) FROM monitor_support WHERE status IN ('open', 'in_progress', 'waiting_on_station') "
    "AND resolution_due < now()",
)
ORDERS_SQL = (
    "SELECT * FROM monitor_orders WHERE status = 'in_production' AND region = 'R03' "
    "ORDER BY placed_at DESC, order_number DESC LIMIT 51",
)
LATE_SQL = (
    "SELECT * FROM monitor_orders WHERE late AND status IN ('submitted', 'approved', 'scheduled', "
    "'in_production', 'released', 'shipped') ORDER BY planned_arrival, order_number LIMIT 51",
)
STOCK_SQL = (
    "SELECT * FROM monitor_stock WHERE left_at IS NULL AND in_stock_since IS NOT NULL AND region = 'R05' "
    "AND in_stock_since < current_date - 60 AND in_stock_since >= current_date - 90 "
    "ORDER BY in_stock_since, vin LIMIT 51",
)
SUPPORT_SQL = (
    "SELECT * FROM monitor_support WHERE status IN ('open', 'in_progress', 'waiting_on_station') "
    "AND resolution_due < now() ORDER BY resolution_due, request_id LIMIT 51",
)
# The same figures as a dashboard that queried per request would compute them.
GROUP_BY_SQL = (
    "SELECT status, count(*) FROM monitor_orders GROUP BY status",
    "SELECT region, status, count(*) FROM monitor_orders GROUP BY region, status",
    "SELECT model_code, status, count(*) FROM monitor_orders GROUP BY model_code, status",
    "SELECT dealer_code, count(*) FROM monitor_orders GROUP BY dealer_code ORDER BY count(*) DESC LIMIT 20",
    "SELECT furthest, count(*) FROM monitor_orders GROUP BY furthest",
)


@dataclass
class Case:
    name: str
    call: Callable[[], Any]
    baseline: str = ""
    samples_ns: list[int] = field(default_factory=list)

    def p(self, fraction: float) -> float:
        return percentile_ms(self.samples_ns, fraction)


def fill(dsn: str, database: Database, orders: int) -> tuple[float, float, int]:
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLES}")
        progress(f"filling {orders:,} orders")
        cursor.execute(FILL_ORDERS, {"orders": orders})
        progress("filling support requests, stock and customers")
        cursor.execute(FILL_REST)
    filled = time.perf_counter() - began
    progress("rebuilding the counters from the records (monitor.recount)")
    began = time.perf_counter()
    with database.unit_of_work() as uow:
        counters = monitor.recount(uow)
        uow.commit()
    recounted = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(t.strip() for t in TABLES.split(','))}")
    connection.close()
    return filled, recounted, counters


def sql_case(connection: Any, name: str, statements: tuple[str, ...]) -> Case:
    def run() -> None:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()
        connection.rollback()

    return Case(name, run)


def http_case(client: httpx.Client, path: str, headers: dict[str, str]) -> Case:
    def get() -> Any:
        answer = client.get(path, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:300]}")
        return answer

    return Case(f"GET {path}", get)


def measure(cases: list[Case], warmup: int, calls: int, blocks: int) -> None:
    for case in cases:
        for _ in range(warmup):
            case.call()
    per_block = max(1, calls // blocks)
    for _ in range(blocks):
        for case in cases:
            for _ in range(per_block):
                began = time.perf_counter_ns()
                case.call()
                case.samples_ns.append(time.perf_counter_ns() - began)


def wait_for_http(processes: Processes, process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        processes.check_alive(process)
        try:
            if httpx.get(url, timeout=2).status_code in (200, 503):
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer")
        time.sleep(0.2)


def report(pairs: list[tuple[Case, Case]], reference: Case, calls: int) -> list[str]:
    lines = [
        f"  {'answer':<58} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}   {'baseline: its SQL, psycopg2':<28}"
        f" {'p50':>6} {'p95':>6} {'p99':>6}",
    ]
    for case, baseline in pairs:
        lines.append(
            f"  {case.name:<58} {case.p(0.5):>8.2f} {case.p(0.95):>8.2f} {case.p(0.99):>8.2f}   {'':<28}"
            f" {baseline.p(0.5):>6.2f} {baseline.p(0.95):>6.2f} {baseline.p(0.99):>6.2f}"
        )
    lines.append(f"  {reference.name:<58} {reference.p(0.5):>8.2f} {reference.p(0.95):>8.2f} {reference.p(0.99):>8.2f}")
    dashboard = pairs[0][0]
    verdict = "meets" if dashboard.p(0.95) < BAR_DASHBOARD_P95_MS else "MISSES"
    lines.append(
        f"  bar: GET /v1/dashboard p95 under {BAR_DASHBOARD_P95_MS:.0f} ms: {dashboard.p(0.95):.1f} ms, {verdict} it"
        f" ({calls} calls a case)"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000, help="ordered cars of history")
    parser.add_argument("--calls", type=int, default=300, help="timed calls per case")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured calls per case first")
    parser.add_argument("--blocks", type=int, default=10, help="blocks the cases alternate in")
    args = parser.parse_args()
    if args.orders < 1000 or args.calls < args.blocks:
        parser.error("--orders at least 1000, --calls at least --blocks")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["DEALERNET_TRACE_EXPORTER"] = TRACE_EXPORTER
    os.environ["DEALERNET_DATABASE_PREFIX"] = DATABASE_PREFIX
    os.environ.pop("DEALERNET_MONITOR_DATABASE_URL", None)
    settings = settings_module.load()
    url = settings.database_url(COMPONENT)
    dsn = libpq_dsn(url)
    grpc_port, http_port = free_port(), free_port()
    env = dict(
        os.environ,
        DEALERNET_MONITOR_GRPC_PORT=str(grpc_port),
        # One analyst asking as fast as answers come back; the per-principal limit is not measured here.
        DEALERNET_RATE_LIMIT_BURST="1000000",
        DEALERNET_RATE_LIMIT_PER_MINUTE="1000000",
    )
    print(
        f"dealernet HQ dashboard benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"load average before {load_average()}\ndatabase {DATABASE_PREFIX}_{COMPONENT}\n",
        flush=True,
    )
    processes = Processes()
    try:
        progress(f"migrating {DATABASE_PREFIX}_{COMPONENT} and {DATABASE_PREFIX}_gateway")
        for component in (COMPONENT, "gateway"):
            subprocess.run(
                [PYTHON, "-m", "plumbing.migrate", component], cwd=ROOT, env=env, check=True, capture_output=True
            )
        database = Database(COMPONENT, url, tables)
        filled, recounted, counters = fill(dsn, database, args.orders)
        database.engine.dispose()

        server = processes.start("monitor-grpc", [PYTHON, "-m", "monitor_service.grpc_api"], env)
        wait_for_grpc(processes, server, f"127.0.0.1:{grpc_port}", "/grpc.health.v1.Health/Check")
        gateway = processes.start(
            "gateway",
            [PYTHON, "-m", "uvicorn", "gateway.app:app", "--port", str(http_port), "--no-access-log"],
            env,
        )
        base = f"http://127.0.0.1:{http_port}"
        wait_for_http(processes, gateway, f"{base}/healthz")

        from gateway import tokens

        headers = {"Authorization": f"Bearer {tokens.issue(HQ, settings.token_secret, 3600)}"}
        connection = psycopg2.connect(dsn)
        with (
            httpx.Client(base_url=base, timeout=30) as client,
            grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel,
        ):
            stub = monitor_pb2_grpc.MonitorServiceStub(channel)
            metadata = ((GRPC_METADATA_KEY, HQ.to_json()),)
            board = client.get("/v1/dashboard", headers=headers).json()
            if board.get("orders_total") != args.orders:
                raise RuntimeError(f"the dashboard counts {board.get('orders_total')} orders, not {args.orders}")
            pairs = [
                (http_case(client, "/v1/dashboard", headers), sql_case(connection, "dashboard", DASHBOARD_SQL)),
                (
                    Case(
                        "GetDashboard on the monitor's gRPC port",
                        lambda: stub.GetDashboard(monitor_pb2.GetDashboardRequest(), metadata=metadata),
                    ),
                    sql_case(connection, "dashboard", DASHBOARD_SQL),
                ),
                (
                    http_case(client, "/v1/dashboard/orders?stage=in_production&region=R03", headers),
                    sql_case(connection, "orders", ORDERS_SQL),
                ),
                (http_case(client, "/v1/dashboard/late-vehicles", headers), sql_case(connection, "late", LATE_SQL)),
                (
                    http_case(client, "/v1/dashboard/stock?region=R05&age_band=61-90", headers),
                    sql_case(connection, "stock", STOCK_SQL),
                ),
                (
                    http_case(client, "/v1/dashboard/support?view=breached", headers),
                    sql_case(connection, "support", SUPPORT_SQL),
                ),
            ]
            reference = sql_case(connection, "reference: the figures as GROUP BY over the orders", GROUP_BY_SQL)
            progress(f"measuring, {args.calls} calls a case in {args.blocks} blocks")
            cases = [case for pair in pairs for case in pair]
            measure(cases, args.warmup, args.calls, args.blocks)
            measure([reference], 2, max(args.blocks, args.calls // 10), args.blocks)
        connection.close()
        processes.check_alive(server)
        processes.check_alive(gateway)
        print(
            "\n".join(
                [
                    f"  filled {args.orders:,} orders, 100,000 support requests, 40,000 cars, 200,000 customers "
                    f"in {filled:.1f} s; recount of {counters:,} counters in {recounted:.1f} s",
                    f"  one call in flight; the gateway and the monitor's gRPC server each in a process; "
                    f"load average after {load_average()}",
                    *report(pairs, reference, args.calls),
                    "",
                ]
            ),
            flush=True,
        )
    except KeyboardInterrupt:
        progress("interrupted; the servers are stopped")
        raise SystemExit(130) from None
    finally:
        processes.stop_all()


if __name__ == "__main__":
    main()
