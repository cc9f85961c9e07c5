"""Dealer accounts at a large maker's scale: HQ's receivables, a dealer's statement, a payment.

    python -m bench.receivables [--invoices 1000000] [--calls 60] [--warmup 5]

The order service's bench database, `dealernet_bench_order`, is migrated, emptied and filled
in SQL: 2,000 dealer accounts in 10 regions; `--invoices` invoices issued over five years
(evenly over the dealers; those of the last 45 days open, one in fifty older ones half paid,
so about 3 % are open, as 30 days' terms leave them), with their allocations and one
payment a month per dealer; 100,000 approved orders not yet invoiced. Then, through the
order service's own use cases (one unit of work per call, as its gRPC servicer runs them):

- GetReceivables: every account's figures by region with ageing (HQ's view);
- ListAccounts: the 50 accounts with most overdue;
- GetStatement: one dealer's statement for a year (the last 12 months of its history);
- RecordPayment: a payment matched to a dealer's open invoices (rolled back each time).

Baseline, same run: the one SQL statement that sums the open invoices by region with
psycopg2, and a year of one dealer's invoices read with psycopg2.
No bar in the issue; the figures say what HQ and a dealer wait.
Not a test: it prints figures and exits 0, or non-zero only when it cannot run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import time
from collections.abc import Callable

import psycopg2

from bench.hops import DATABASE_PREFIX, PYTHON, ROOT, progress
from bench.measure import libpq_dsn, load_average, percentile_ms
from order_service import dealer_accounts
from order_service.models import tables
from plumbing import settings as settings_module
from plumbing.db import Database
from plumbing.principal import AccountRole, Principal

COMPONENT = "order"
DEALERS = 2000
FINANCE = Principal.for_account("finance@hq", AccountRole.HQ_FINANCE)
DEALER = Principal.for_account("sales@D0042", AccountRole.DEALER_USER, "D0042", "R03")
TABLES = (
    "account_allocations, payment_reminders, statement_disputes, statement_confirmations, credit_overrides, "
    "invoices, payments, credit_notes, dealer_accounts, vehicle_orders"
)

FILL = """
SELECT setseed(0.42);
INSERT INTO dealer_accounts (dealer_code, region, currency, credit_limit_minor, payment_terms_days, discount_bp)
SELECT 'D' || lpad(d::text, 4, '0'), 'R' || lpad((d %% 10 + 1)::text, 2, '0'), 'CNY', 2000000000, 30, 150
FROM generate_series(1, %(dealers)s) d;

INSERT INTO invoices (invoice_number, dealer_code, region, order_number, vin, issued_on, due_on, currency,
                      total_minor, open_minor, lines, reminder_level)
SELECT 'INV-B-' || lpad(i::text, 8, '0'), 'D' || lpad((i %% %(dealers)s + 1)::text, 4, '0'),
       'R' || lpad(((i %% %(dealers)s + 1) %% 10 + 1)::text, 2, '0'), 'ORD-B-' || lpad(i::text, 8, '0'), NULL,
       issued, issued + 30, 'CNY', total,
       CASE WHEN issued > CURRENT_DATE - 45 THEN total WHEN random() < 0.02 THEN total / 2 ELSE 0 END,
       '[]'::jsonb, 0
FROM (SELECT i, CURRENT_DATE - (random() * 1825)::int AS issued, 15000000 + (random() * 30000000)::bigint AS total
      FROM generate_series(1, %(invoices)s) i) s;

INSERT INTO account_allocations (dealer_code, invoice_number, source_kind, source_reference, amount_minor, applied_on)
SELECT dealer_code, invoice_number, 'payment',
       'PAY-' || dealer_code || '-' || to_char(issued_on + 30, 'YYYYMM'), total_minor - open_minor, issued_on + 30
FROM invoices WHERE open_minor < total_minor;

INSERT INTO payments (dealer_code, reference, amount_minor, currency, received_on, unapplied_minor, recorded_by)
SELECT dealer_code, source_reference, sum(amount_minor), 'CNY', max(applied_on), 0, 'finance@hq'
FROM account_allocations GROUP BY dealer_code, source_reference;

INSERT INTO vehicle_orders (order_number, dealer_code, region, model_code, trim_code, colour_code, wanted_week,
                            status, supply, list_price_minor, currency, placed_by)
SELECT 'ORD-A-' || lpad(o::text, 8, '0'), 'D' || lpad((o %% %(dealers)s + 1)::text, 4, '0'), 'R01',
       'AUR', 'LX', 'WHT', '', CASE WHEN o %% 2 = 0 THEN 'approved' ELSE 'scheduled' END, 'to_be_built',
       20000000, 'CNY', 'sales'
FROM generate_series(1, 100000) o;
"""

REGIONS_SQL = """
SELECT a.region, sum(i.open_minor) FROM invoices i JOIN dealer_accounts a USING (dealer_code)
WHERE i.open_minor > 0 GROUP BY a.region
"""
YEAR_SQL = """
SELECT invoice_number, issued_on, total_minor FROM invoices
WHERE dealer_code = 'D0042' AND issued_on BETWEEN CURRENT_DATE - 365 AND CURRENT_DATE ORDER BY issued_on
"""


def timed(name: str, call: Callable[[], object], warmup: int, calls: int) -> tuple[str, list[int]]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(calls):
        began = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - began)
    return name, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=1_000_000, help="invoices of five years' history")
    parser.add_argument("--calls", type=int, default=60, help="timed calls per case")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured calls per case first")
    args = parser.parse_args()

    os.environ["DEALERNET_DATABASE_PREFIX"] = DATABASE_PREFIX
    os.environ.pop("DEALERNET_ORDER_DATABASE_URL", None)
    os.environ["DEALERNET_TRACE_EXPORTER"] = "none"
    url = settings_module.load().database_url(COMPONENT)
    dsn = libpq_dsn(url)
    print(
        f"dealernet dealer accounts benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"load average before {load_average()}\ndatabase {DATABASE_PREFIX}_{COMPONENT}\n",
        flush=True,
    )
    progress(f"migrating {DATABASE_PREFIX}_{COMPONENT}")
    subprocess.run([PYTHON, "-m", "plumbing.migrate", COMPONENT], cwd=ROOT, check=True, capture_output=True)
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLES} CASCADE")
        progress(f"filling {DEALERS:,} accounts and {args.invoices:,} invoices")
        cursor.execute(FILL, {"dealers": DEALERS, "invoices": args.invoices})
        cursor.execute(f"VACUUM ANALYZE {TABLES}")
        cursor.execute("SELECT count(*) FILTER (WHERE open_minor > 0), count(*) FROM invoices")
        open_count, total_count = cursor.fetchone()
    print(f"filled in {time.perf_counter() - began:.0f} s: {total_count:,} invoices, {open_count:,} open\n", flush=True)

    database = Database(COMPONENT, url, tables, pool_size=2)
    policy = dealer_accounts.OverduePolicy()
    today = dt.date.today()
    year_ago = (today - dt.timedelta(days=364)).isoformat()

    def receivables() -> object:
        with database.unit_of_work() as uow:
            return dealer_accounts.get_receivables(uow, FINANCE, today, policy)

    def accounts() -> object:
        with database.unit_of_work() as uow:
            return dealer_accounts.list_accounts(uow, FINANCE, today, policy, offset=0, limit=51)

    def statement() -> object:
        with database.unit_of_work() as uow:
            return dealer_accounts.get_statement(uow, DEALER, "D0042", year_ago, today.isoformat())

    def payment() -> object:
        with database.unit_of_work() as uow:
            view = dealer_accounts.record_payment(
                uow,
                FINANCE,
                dealer_code="D0042",
                amount_minor=50_000_000,
                currency="CNY",
                received_on=today.isoformat(),
                reference="BENCH-1",
                invoice_number="",
                today=today,
            )
            uow.session.rollback()
            return view

    sql = psycopg2.connect(dsn)

    def raw(statement_sql: str) -> Callable[[], object]:
        def run() -> object:
            with sql.cursor() as cursor:
                cursor.execute(statement_sql)
                rows = cursor.fetchall()
            sql.rollback()
            return rows

        return run

    with database.unit_of_work() as uow:
        lines = len(dealer_accounts.get_statement(uow, DEALER, "D0042", year_ago, today.isoformat()).statement.lines)
    cases = [
        timed("GetReceivables (2,000 accounts by region, ageing)", receivables, args.warmup, args.calls),
        timed("  baseline: open invoices summed by region, raw SQL", raw(REGIONS_SQL), args.warmup, args.calls),
        timed("ListAccounts (50 most overdue)", accounts, args.warmup, args.calls),
        timed(f"GetStatement (one dealer, a year: {lines} lines)", statement, args.warmup, args.calls),
        timed("  baseline: that year's invoices, raw SQL", raw(YEAR_SQL), args.warmup, args.calls),
        timed("RecordPayment (matched, rolled back)", payment, args.warmup, args.calls),
    ]
    print(f"{'case':58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, samples in cases:
        print(
            f"{name:58} {percentile_ms(samples, 0.5):8.1f} {percentile_ms(samples, 0.95):8.1f} "
            f"{max(samples) / 1e6:8.1f}"
        )
    print(f"\nload average after {load_average()}")
    database.engine.dispose()
    sql.close()
    connection.close()


if __name__ == "__main__":
    main()
