"""The customer master at the size of a car maker's channel: the duplicate check on create,
and a dealer's customer list imported.

    python -m bench.customer [--customers 1000000] [--calls 500] [--import-rows 100000]
                             [--import-seconds 1200] [--reseed] [--explain] [--only duplicates|import]

Seeding: `--customers` customers (default 1,000,000) are COPYed into `customers`, each with
its `name_key` from `matching.name_key`, its registering dealer's relationship (200
dealers), and for 3% a second phone in `customer_contacts`. Names are pinyin Chinese
names (70%, common surnames weighted as they are in China, so a name such as "Wang Wei"
occurs hundreds of times) and English names (28%), and companies (2%); ten cities. Phones are
unique, 60% have an e-mail address, 10% a national id. The table's indexes are dropped for
the COPY and built again after it, then the tables are vacuumed and analysed. A database
that already holds exactly `--customers` customers is reused (`--reseed` seeds it again).

(a) Duplicate check on create: the real customer gRPC server (`python -m
    customer_service.grpc_api`) called the way the gateway calls it (grpc.aio, OpenTelemetry
    client interceptor, principal in metadata), one call in flight. `--calls` CheckDuplicates
    calls as dealer D001, a third each: a known customer's phone typed another way with
    their name; a known customer's name with its two words swapped or a letter changed, in
    their city, with a new phone; a new person (a name drawn from the same lists, new phone
    and e-mail). Then `--calls`/2 RegisterCustomer calls of new people as dealer D999 (the
    customers they create are deleted afterwards). Baseline, the same way and as many calls:
    one bare `SELECT id FROM customers WHERE phone = %s` with psycopg2. The cases alternate
    in blocks. The bar: CheckDuplicates p95 under 50 ms. When it is missed (or with
    --explain), the statements of check_duplicates are timed in this process and the
    slowest is shown with EXPLAIN ANALYZE.
(b) CSV import: `--import-rows` rows (90% new people, 10% customers the master holds,
    exactly as it holds them) imported by dealer D900 through ImportCustomers on the same
    server, into the seeded master. The server accepts messages of at most 4 MB (grpcio's
    default), less than a file of 100,000 rows, so the list goes as files of 5,000 rows,
    one call each, one after the other. No further file is begun after `--import-seconds`
    (the report then says how far it got). Beside it, in the same run: the rows imported,
    inserted into `customers` with one SQLAlchemy bulk insert
    (`session.execute(insert(CustomerRow), rows)`), rolled back. What the import added is
    deleted afterwards.

It uses its own database, `dealernet_bench_customer`, which it migrates. Server logs go to
var/bench/customer-grpc.log. Not a test: it prints figures and exits 0, or non-zero when it
cannot run or an import's report does not add up.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import math
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
import psycopg2
from opentelemetry.instrumentation.grpc import aio_client_interceptors

from bench.hops import (
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
from dealernet.v1 import customer_pb2, customer_pb2_grpc
from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.principal import GRPC_METADATA_KEY, Principal, Role

COMPONENT = "customer"
BAR_P95_MS = 50.0
CALL_TIMEOUT_SECONDS = 10.0
IMPORT_TIMEOUT_SECONDS = 6 * 3600.0
# grpcio refuses a larger message unless the server raises grpc.max_receive_message_length.
SERVER_MESSAGE_LIMIT = 4 * 1024 * 1024
IMPORT_PART_BYTES = 3_500_000
IMPORT_PART_ROWS = 5_000
DEALERS = 200
CHECKING_DEALER = Principal(subject="d001.sales", role=Role.DEALER, org_code="D001", region="EAST")
REGISTERING_DEALER = Principal(subject="d999.sales", role=Role.DEALER, org_code="D999", region="EAST")
IMPORTING_DEALER = Principal(subject="d900.sales", role=Role.DEALER, org_code="D900", region="EAST")
BENCH_ORGS = ("D900", "D999")

# --- names ----------------------------------------------------------------------------------------

# The commonest Chinese surnames, roughly as often as they occur.
SURNAMES = (
    ("Wang", 72), ("Li", 71), ("Zhang", 68), ("Liu", 54), ("Chen", 45), ("Yang", 31), ("Huang", 24), ("Zhao", 22),
    ("Wu", 21), ("Zhou", 20), ("Xu", 16), ("Sun", 15), ("Ma", 15), ("Zhu", 14), ("Hu", 13), ("Guo", 12),
    ("He", 11), ("Lin", 11), ("Gao", 10), ("Luo", 10), ("Zheng", 9), ("Liang", 9), ("Xie", 8), ("Song", 7),
    ("Tang", 7), ("Han", 6), ("Feng", 6), ("Deng", 6), ("Cao", 6), ("Peng", 6), ("Zeng", 5), ("Xiao", 5),
    ("Tian", 5), ("Dong", 5), ("Pan", 5), ("Yuan", 5), ("Cai", 4), ("Jiang", 4), ("Yu", 4), ("Du", 4),
)  # fmt: skip
SYLLABLES = (
    "wei", "fang", "na", "min", "jing", "li", "qiang", "lei", "jun", "yang", "yong", "yan", "jie", "tao", "ming",
    "chao", "xiu", "ying", "hui", "ping", "gang", "hua", "bo", "dan", "yu", "hong", "long", "lan", "xin", "yun",
    "hao", "kai", "peng", "fei", "xia", "qing", "zhen", "rui", "jian", "guo", "mei", "ling", "shan", "feng",
    "bin", "liang", "chen", "xue", "lin", "ting", "wen", "jia", "hai", "tian", "qi", "yi", "zhi", "an", "le",
)  # fmt: skip
FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth", "David",
    "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Nancy",
    "Matthew", "Lisa", "Anthony", "Margaret", "Mark", "Sandra", "Paul", "Ashley", "Steven", "Emily", "Andrew",
    "Donna", "Kenneth", "Michelle", "George", "Carol", "Oliver", "Amanda", "Harry", "Sophie", "Jack", "Grace",
    "Thomas", "Chloe", "Lukas", "Anna", "Felix", "Lena", "Marco", "Giulia", "Pierre", "Camille",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
    "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker",
    "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker",
    "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Bailey",
    "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Rossi", "Russo", "Bianchi", "Dubois", "Moreau",
)  # fmt: skip
ENGLISH_FIRST_NAMES = frozenset(FIRST_NAMES)
COMPANY_WORDS = ("Logistics", "Trading", "Rental", "Transport", "Motors", "Leasing", "Express", "Construction")
COMPANY_FORMS = ("Co., Ltd.", "Ltd", "GmbH", "Group", "Inc.")
# City, its region, and how many of the customers live there.
CITIES = (
    ("Shanghai", "EAST", 16), ("Beijing", "NORTH", 15), ("Guangzhou", "SOUTH", 12), ("Shenzhen", "SOUTH", 11),
    ("Chengdu", "WEST", 10), ("Wuhan", "CENTRAL", 9), ("Hangzhou", "EAST", 8), ("Nanjing", "EAST", 7),
    ("Tianjin", "NORTH", 6), ("Xi'an", "WEST", 6),
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.cn", "mail.example.net", "corp.example.org")


@dataclass(frozen=True)
class Person:
    full_name: str
    kind: str
    phone: str | None
    email: str | None
    national_id: str | None
    city: str
    region: str


class People:
    """Customers drawn from the name lists; the n-th seeded one is always the same person."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._surnames = [name for name, _ in SURNAMES]
        self._surname_weights = [weight for _, weight in SURNAMES]
        self._cities = [(city, region) for city, region, _ in CITIES]
        self._city_weights = [weight for _, _, weight in CITIES]

    def name(self) -> tuple[str, str, str]:
        """(full name, kind, the given name for an e-mail address)."""
        draw = self.rng.random()
        if draw < 0.70:
            surname = self.rng.choices(self._surnames, self._surname_weights)[0]
            syllables = self.rng.sample(SYLLABLES, 1 if self.rng.random() < 0.3 else 2)
            given = "".join(syllables).capitalize()
            return f"{surname} {given}", "person", f"{given.lower()}.{surname.lower()}"
        if draw < 0.98:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            return f"{first} {last}", "person", f"{first.lower()}.{last.lower()}"
        surname = self.rng.choices(self._surnames, self._surname_weights)[0]
        word = self.rng.choice(COMPANY_WORDS)
        return f"{surname} {word} {self.rng.choice(COMPANY_FORMS)}", "company", f"info.{surname.lower()}"

    def city(self) -> tuple[str, str]:
        return self.rng.choices(self._cities, self._city_weights)[0]

    def seeded(self, number: int) -> Person:
        full_name, kind, mailbox = self.name()
        city, region = self.city()
        chinese = full_name.split()[0] not in ENGLISH_FIRST_NAMES
        # Distinct for every number below 10^9: the multipliers are prime to 10.
        phone = f"+8613{(number * 104_729) % 10**9:09d}" if chinese else f"+447{(number * 7_919) % 10**9:09d}"
        email = f"{mailbox}{number}@{self.rng.choice(EMAIL_DOMAINS)}" if self.rng.random() < 0.6 else None
        national_id = f"N{number:012d}" if self.rng.random() < 0.1 else None
        return Person(full_name, kind, phone, email, national_id, city, region)

    def new(self, number: int) -> Person:
        """Somebody the master does not hold (though a namesake may live in the same city)."""
        full_name, kind, mailbox = self.name()
        city, region = self.city()
        return Person(full_name, kind, f"+8618{number:09d}", f"{mailbox}.new{number}@example.com", None, city, region)


# --- seeding --------------------------------------------------------------------------------------


CUSTOMER_COLUMNS = (
    "id", "kind", "full_name", "name_key", "phone", "email", "national_id", "city", "region", "registered_by",
    "source_channel", "registered_at", "updated_at",
)  # fmt: skip
CUSTOMER_TABLES = (
    "customers, customer_contacts, customer_addresses, customer_consents, customer_relationships, match_reviews, "
    "customer_merges, customer_interactions, customer_vehicles, vehicle_service_events, customer_imports, outbox, "
    "processed_messages"
)


@dataclass
class Seeded:
    customers: int
    seconds: float
    reused: bool
    # A sample of seeded people, for the requests: (number, person).
    sample: list[tuple[int, Person]] = field(default_factory=list)


def seed(connection: Any, customers: int, seed_value: int, reseed: bool) -> Seeded:
    """`customers` customers; a database that already holds exactly as many is reused.

    The people are drawn from a seeded generator, so a reused database holds the same ones:
    the sample for the requests is drawn again without writing anything.
    """
    from customer_service import matching

    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM customers")
        (present,) = cursor.fetchone()
    connection.commit()
    reuse = present == customers and not reseed
    people = People(random.Random(seed_value))
    sample_every = max(1, customers // 20_000)
    sample: list[tuple[int, Person]] = []
    if reuse:
        for number in range(customers):
            person = people.seeded(number)
            if number % sample_every == 0:
                sample.append((number, person))
        return Seeded(customers, time.perf_counter() - began, True, sample)

    progress(f"seeding {customers:,} customers")
    now = dt.datetime.now(dt.UTC)
    ids: list[uuid.UUID] = []
    customer_rows: list[tuple[object, ...]] = []
    relationship_rows: list[tuple[object, ...]] = []
    contact_rows: list[tuple[object, ...]] = []
    id_rng = random.Random(seed_value + 1)
    for number in range(customers):
        person = people.seeded(number)
        if number % sample_every == 0:
            sample.append((number, person))
        customer_id = uuid.UUID(int=id_rng.getrandbits(128), version=4)
        ids.append(customer_id)
        dealer = f"D{number % DEALERS + 1:03d}"
        registered_at = now - dt.timedelta(seconds=id_rng.uniform(0, 5 * 365 * 86400))
        customer_rows.append(
            (
                customer_id,
                person.kind,
                person.full_name,
                matching.name_key(person.full_name, company=person.kind == "company"),
                person.phone,
                person.email,
                person.national_id,
                person.city,
                person.region,
                dealer,
                "dealer",
                registered_at.isoformat(),
                registered_at.isoformat(),
            )
        )
        kind = "fleet" if person.kind == "company" else ("buyer" if number % 3 == 0 else "prospect")
        relationship_rows.append((customer_id, dealer, kind, registered_at.isoformat(), "registration"))
        if number % 33 == 0:
            contact_rows.append((customer_id, "phone", f"+8617{number:09d}"))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {CUSTOMER_TABLES} CASCADE")
        # Built again after the COPY: one index build is much cheaper than a million inserts.
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'customers' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        progress(f"  COPY {len(customer_rows):,} customers, {len(relationship_rows):,} relationships")
        copy_rows(cursor, "customers", CUSTOMER_COLUMNS, customer_rows)
        copy_rows(
            cursor, "customer_relationships", ("customer_id", "org_code", "kind", "since", "source"), relationship_rows
        )
        copy_rows(cursor, "customer_contacts", ("customer_id", "kind", "value"), contact_rows)
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for name, definition in indexes:
            progress(f"  building {name}")
            cursor.execute(definition)
    connection.commit()
    vacuum(connection)
    return Seeded(customers, time.perf_counter() - began, False, sample)


def vacuum(connection: Any) -> None:
    # As autovacuum would leave tables that have stood for a while.
    previous, connection.autocommit = connection.autocommit, True
    with connection.cursor() as cursor:
        for table in ("customers", "customer_relationships", "customer_contacts"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    connection.autocommit = previous


def remove_bench_writes(connection: Any) -> None:
    """What the registrations and the import added, so the seeded master stays as seeded."""
    orgs = list(BENCH_ORGS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE gone ON COMMIT DROP AS SELECT id FROM customers WHERE registered_by = ANY(%s)", (orgs,)
        )
        cursor.execute(
            "DELETE FROM match_reviews "
            "WHERE customer_id IN (SELECT id FROM gone) OR candidate_id IN (SELECT id FROM gone)"
        )
        for table in ("customer_consents", "customer_addresses", "customer_contacts"):
            cursor.execute(f"DELETE FROM {table} WHERE customer_id IN (SELECT id FROM gone)")
        cursor.execute(
            "DELETE FROM customer_relationships WHERE org_code = ANY(%s) OR customer_id IN (SELECT id FROM gone)",
            (orgs,),
        )
        cursor.execute("DELETE FROM customers WHERE id IN (SELECT id FROM gone)")
        cursor.execute("TRUNCATE customer_imports, outbox, processed_messages")
    connection.commit()


# --- (a) the duplicate check ---------------------------------------------------------------------


@dataclass
class Timed:
    label: str
    samples_ns: list[int] = field(default_factory=list)
    server_cpu_s: float = 0.0
    found: int = 0

    def p(self, fraction: float) -> float:
        return percentile_ms(self.samples_ns, fraction)

    @property
    def server_cpu_ms(self) -> float:
        return self.server_cpu_s * 1000 / len(self.samples_ns) if self.samples_ns else math.nan


@dataclass(frozen=True)
class Check:
    kind: str  # phone, lookalike, new
    request: customer_pb2.RegisterCustomerRequest


def spaced_phone(phone: str) -> str:
    """The number as people write it: "0086 138 1234 5678"."""
    digits = phone[1:]
    country = 2
    rest = digits[country:]
    return f"00{digits[:country]} {rest[:3]} {rest[3:7]} {rest[7:]}"


def misspelt(name: str, rng: random.Random) -> str:
    """One letter of the longest word changed: a typing error, not another person."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    position = rng.randrange(1, len(word))
    letter = rng.choice([c for c in "aeiounrst" if c != word[position].lower()])
    words[longest] = word[:position] + letter + word[position + 1 :]
    return " ".join(words)


def request_of(person: Person, *, phone: str | None = None, name: str | None = None) -> Any:
    return customer_pb2.RegisterCustomerRequest(
        full_name=name or person.full_name,
        phone=phone if phone is not None else person.phone or "",
        email=person.email or "" if phone is None else "",
        city=person.city,
        kind=person.kind,
    )


def duplicate_checks(seeded: Seeded, calls: int, rng: random.Random) -> list[Check]:
    people = People(rng)
    checks = []
    known = [pair for pair in seeded.sample if pair[1].phone]
    for number in range(calls):
        _, person = rng.choice(known)
        kind = ("phone", "lookalike", "new")[number % 3]
        if kind == "phone":
            request = customer_pb2.RegisterCustomerRequest(
                full_name=person.full_name.upper() if number % 2 else person.full_name,
                phone=spaced_phone(person.phone or ""),
                city=person.city,
                kind=person.kind,
            )
        elif kind == "lookalike":
            words = person.full_name.split()
            # "Wei Wang" for "Wang Wei", as a name is written with the family name last.
            swapped = len(words) == 2 and person.kind == "person" and number % 2 == 0
            request = customer_pb2.RegisterCustomerRequest(
                full_name=" ".join(reversed(words)) if swapped else misspelt(person.full_name, rng),
                phone=f"+8619{number:09d}",
                city=person.city,
                kind=person.kind,
            )
        else:
            request = request_of(people.new(10_000_000 + number))
        checks.append(Check(kind, request))
    rng.shuffle(checks)
    return checks


def metadata_of(principal: Principal) -> tuple[tuple[str, str], ...]:
    return ((GRPC_METADATA_KEY, principal.to_json()),)


async def measure_checks(
    target: str,
    server: Any,
    dsn: str,
    checks: list[Check],
    registrations: list[Any],
    baseline_phones: list[str],
    blocks: int,
    warmup_checks: list[Check],
    warmup_phones: list[str],
) -> dict[str, Timed]:
    """One call in flight; checks, registrations and the bare SELECT alternate in blocks."""
    timed = {
        "check": Timed("CheckDuplicates, all"),
        "register": Timed("RegisterCustomer, new people"),
        "bare": Timed("bare SELECT id FROM customers WHERE phone = %s"),
    }
    by_kind = {kind: Timed(f"  CheckDuplicates, {label}") for kind, label in CHECK_KINDS.items()}
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    cursor = connection.cursor()
    async with grpc.aio.insecure_channel(target, interceptors=aio_client_interceptors()) as channel:
        stub = customer_pb2_grpc.CustomerServiceStub(channel)
        await channel.channel_ready()
        checking, registering = metadata_of(CHECKING_DEALER), metadata_of(REGISTERING_DEALER)

        async def check(item: Check) -> bool:
            answer = await stub.CheckDuplicates(item.request, metadata=checking, timeout=CALL_TIMEOUT_SECONDS)
            return bool(answer.exists)

        async def register(request: Any) -> bool:
            answer = await stub.RegisterCustomer(request, metadata=registering, timeout=CALL_TIMEOUT_SECONDS)
            return bool(answer.already_known)

        async def bare(phone: str) -> bool:
            cursor.execute("SELECT id FROM customers WHERE phone = %s", (phone,))
            return cursor.fetchone() is not None

        for item in warmup_checks:
            await check(item)
        for phone in warmup_phones:
            await bare(phone)
        cases: list[tuple[str, Sequence[Any], Callable[[Any], Awaitable[bool]]]] = [
            ("check", checks, check),
            ("register", registrations, register),
            ("bare", baseline_phones, bare),
        ]
        done = dict.fromkeys(timed, 0)
        for number in range(blocks):
            for name, items, call in block_order(cases, number):
                size = block_sizes(len(items), blocks)[number]
                cpu = process_cpu_seconds(server)
                for item in items[done[name] : done[name] + size]:
                    start = time.perf_counter_ns()
                    found = await call(item)
                    elapsed = time.perf_counter_ns() - start
                    timed[name].samples_ns.append(elapsed)
                    timed[name].found += found
                    if name == "check":
                        by_kind[item.kind].samples_ns.append(elapsed)
                        by_kind[item.kind].found += found
                done[name] += size
                if name != "bare":
                    timed[name].server_cpu_s += process_cpu_seconds(server) - cpu
    connection.close()
    return {"check": timed["check"], **by_kind, "register": timed["register"], "bare": timed["bare"]}


CHECK_KINDS = {
    "phone": "a known customer's phone, typed another way",
    "lookalike": "a known name reordered/misspelt, same city, new phone",
    "new": "a new person",
}


def statement_breakdown(url: str, checks: list[Check], per_kind: int) -> tuple[list[str], str]:
    """check_duplicates in this process, each statement timed: where a call's time goes."""
    from sqlalchemy import event

    from customer_service import customers
    from customer_service.grpc_api import registration_form
    from customer_service.models import tables
    from plumbing.db import Database

    database = Database(COMPONENT, url, tables, pool_size=1)
    statements: dict[str, list[float]] = collections.defaultdict(list)
    slowest: list[tuple[float, str, Any, list[tuple[str, Any]]]] = []
    current: list[tuple[str, Any]] = []
    started: list[float] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        started.append(time.perf_counter())

    @event.listens_for(database.engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        elapsed = time.perf_counter() - started.pop()
        key = " ".join(statement.split())
        statements[key].append(elapsed)
        slowest.append((elapsed, statement, parameters, list(current)))
        current.append((statement, parameters))

    per_call: dict[str, list[float]] = collections.defaultdict(list)
    chosen = [c for kind in CHECK_KINDS for c in [c for c in checks if c.kind == kind][:per_kind]]
    for item in chosen:
        current.clear()
        with database.unit_of_work() as uow:
            began = time.perf_counter()
            customers.check_duplicates(uow, CHECKING_DEALER, registration_form(item.request))
            per_call[item.kind].append(time.perf_counter() - began)
    lines = [f"  check_duplicates in-process, {per_kind} calls of each kind (mean ms per call):"]
    for kind, label in CHECK_KINDS.items():
        values = per_call[kind]
        lines.append(f"    {label:<52}{sum(values) * 1000 / len(values):>8.1f}")
    lines.append("  its statements (calls, mean ms, total share):")
    total = sum(sum(v) for v in statements.values())
    for key, values in sorted(statements.items(), key=lambda kv: -sum(kv[1]))[:8]:
        lines.append(
            f"    {len(values):>5} {sum(values) * 1000 / len(values):>8.2f} {sum(values) / total:>6.0%}  {key[:150]}"
        )
    worst = max(slowest, key=lambda item: item[0])
    plan = explain(database, worst[1], worst[2], worst[3])
    database.engine.dispose()
    return lines, f"  EXPLAIN (ANALYZE, BUFFERS) of the slowest statement ({worst[0] * 1000:.1f} ms):\n{plan}"


def explain(database: Any, statement: str, parameters: Any, before: list[tuple[str, Any]]) -> str:
    """The plan, in a transaction that first runs what ran before it (set_config among them)."""
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for earlier, earlier_parameters in before:
            if earlier.lstrip().upper().startswith("SELECT SET_CONFIG"):
                cursor.execute(earlier, earlier_parameters)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(f"    {line}" for (line,) in cursor.fetchall())
        raw.rollback()
    finally:
        raw.close()
    return plan


# --- (b) the import -------------------------------------------------------------------------------


@dataclass
class ImportFigures:
    rows: int
    parts: int
    seconds: float
    server_cpu_s: float
    created: int = 0
    linked: int = 0
    queued: int = 0
    rejected: int = 0
    bare_seconds: float = math.nan
    file_bytes: int = 0
    rows_offered: int = 0
    stopped_at_budget: bool = False


def import_rows(seeded: Seeded, rows: int, rng: random.Random) -> list[Person]:
    people = People(rng)
    known = [person for _, person in seeded.sample]
    chosen = []
    for number in range(rows):
        chosen.append(rng.choice(known) if number % 10 == 9 else people.new(20_000_000 + number))
    return chosen


IMPORT_HEADER = "full_name,phone,email,city,kind,national_id,consents\r\n"


def csv_line(person: Person, number: int) -> str:
    consents = "email;sms" if number % 3 == 0 else ""
    name = f'"{person.full_name}"' if "," in person.full_name else person.full_name
    return (
        f"{name},{person.phone or ''},{person.email or ''},{person.city},{person.kind},{person.national_id or ''},"
        f"{consents}\r\n"
    )


def csv_parts(people: list[Person]) -> list[tuple[int, bytes]]:
    """The list as files of IMPORT_PART_ROWS rows (at most IMPORT_PART_BYTES), each with the
    header: (rows, content)."""
    parts: list[tuple[int, bytes]] = []
    current = [IMPORT_HEADER]
    size = len(IMPORT_HEADER)
    for number, person in enumerate(people):
        line = csv_line(person, number)
        if size + len(line) > IMPORT_PART_BYTES or len(current) > IMPORT_PART_ROWS:
            parts.append((len(current) - 1, "".join(current).encode()))
            current, size = [IMPORT_HEADER], len(IMPORT_HEADER)
        current.append(line)
        size += len(line.encode())
    parts.append((len(current) - 1, "".join(current).encode()))
    return parts


async def import_through_service(
    target: str, server: Any, parts: list[tuple[int, bytes]], run: str, budget_seconds: float
) -> ImportFigures:
    """The parts one after the other; no part is begun once `budget_seconds` have passed."""
    figures = ImportFigures(rows=0, parts=0, seconds=0.0, server_cpu_s=0.0)
    figures.rows_offered = sum(rows for rows, _ in parts)
    async with grpc.aio.insecure_channel(target, interceptors=aio_client_interceptors()) as channel:
        stub = customer_pb2_grpc.CustomerServiceStub(channel)
        await channel.channel_ready()
        cpu = process_cpu_seconds(server)
        began = time.perf_counter()
        for number, (_, content) in enumerate(parts, start=1):
            if time.perf_counter() - began >= budget_seconds:
                figures.stopped_at_budget = True
                break
            request = customer_pb2.ImportCustomersRequest(filename=f"customers-{run}-part{number}.csv", content=content)
            report = await stub.ImportCustomers(
                request, metadata=metadata_of(IMPORTING_DEALER), timeout=IMPORT_TIMEOUT_SECONDS
            )
            figures.rows += report.rows
            figures.parts += 1
            figures.file_bytes += len(content)
            figures.created += report.created
            figures.linked += report.linked
            figures.queued += report.queued_for_review
            figures.rejected += len({row.line for row in report.rejected_rows})
            progress(f"  part {number}/{len(parts)}: {report.rows} rows in {time.perf_counter() - began:.0f} s so far")
        figures.seconds = time.perf_counter() - began
        figures.server_cpu_s = process_cpu_seconds(server) - cpu
    return figures


def bare_insert(url: str, people: list[Person]) -> float:
    """The same rows as customers, with one SQLAlchemy bulk insert, rolled back."""
    from sqlalchemy import create_engine, insert
    from sqlalchemy.orm import Session

    from customer_service import domain
    from customer_service.models import CustomerRow

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            session.execute(insert(CustomerRow).values(full_name="warm-up", name_key="warm up"))
            session.rollback()
            rows = []
            for person in people:
                registration = domain.normalise_registration(
                    domain.RegistrationForm(
                        full_name=person.full_name,
                        phone=person.phone or "",
                        email=person.email or "",
                        city=person.city,
                        kind=person.kind,
                        national_id=person.national_id or "",
                    )
                )
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "kind": registration.kind,
                        "full_name": registration.full_name,
                        "name_key": registration.name_key,
                        "phone": registration.phone,
                        "email": registration.email,
                        "national_id": registration.national_id,
                        "city": registration.city,
                        "region": IMPORTING_DEALER.region,
                        "registered_by": IMPORTING_DEALER.org_code,
                        "source_channel": "import",
                    }
                )
            began = time.perf_counter()
            session.execute(insert(CustomerRow), rows)
            elapsed = time.perf_counter() - began
            session.rollback()
    finally:
        engine.dispose()
    return elapsed


# --- report ---------------------------------------------------------------------------------------


def duplicates_report(args: argparse.Namespace, seeded: Seeded, timed: dict[str, Timed]) -> tuple[list[str], bool]:
    lines = [
        f"(a) duplicate check on create against {seeded.customers:,} customers "
        + (
            f"(database reused, {seeded.seconds:.0f} s to draw the sample)"
            if seeded.reused
            else f"(seeded, indexed and analysed in {seeded.seconds:.0f} s)"
        ),
        f"  one call in flight, gateway-style grpc.aio client; cases alternating in {args.blocks} blocks",
        f"  {'case':<66}{'calls':>6}{'found':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'server CPU':>12}",
    ]
    for item in timed.values():
        cpu = "-" if math.isnan(item.server_cpu_ms) or item.label.startswith("  ") else f"{item.server_cpu_ms:.1f} ms"
        lines.append(
            f"  {item.label:<66}{len(item.samples_ns):>6}{item.found:>7}{item.p(0.5):>9.1f}{item.p(0.95):>9.1f}"
            f"{item.p(0.99):>9.1f}{cpu:>12}"
        )
    check, bare = timed["check"], timed["bare"]
    met = check.p(0.95) < BAR_P95_MS
    lines.append(
        f"  ratio CheckDuplicates/bare SELECT: p50 {check.p(0.5) / bare.p(0.5):.1f}x, "
        f"p95 {check.p(0.95) / bare.p(0.95):.1f}x"
    )
    lines.append(
        f"  bar: CheckDuplicates p95 < {BAR_P95_MS:.0f} ms against {seeded.customers:,} customers: "
        f"{'met' if met else 'MISSED'} ({check.p(0.95):.1f} ms)"
    )
    return lines, met


def import_report(figures: ImportFigures, seeded: Seeded, budget_seconds: float) -> tuple[list[str], bool]:
    rate = figures.rows / figures.seconds
    bare_rate = figures.rows / figures.bare_seconds
    adds_up = figures.rows == figures.created + figures.linked + figures.rejected and figures.rejected == 0
    lines = [
        f"(b) CSV import of {figures.rows:,} rows ({figures.file_bytes / 1e6:.2f} MB) through ImportCustomers "
        f"into the master of {seeded.customers:,} customers, in {figures.parts} file(s) of at most "
        f"{IMPORT_PART_ROWS:,} rows (the server takes messages of at most {SERVER_MESSAGE_LIMIT // (1024 * 1024)} MB)",
        f"  created {figures.created:,} (of which {figures.queued:,} queued for review), linked {figures.linked:,}, "
        f"rejected {figures.rejected:,}: {'adds up' if adds_up else 'DOES NOT ADD UP'}",
        f"  {'path':<66}{'s':>8}{'rows/s':>10}{'server CPU ms/row':>20}",
        f"  {'ImportCustomers over gRPC (real server process)':<66}{figures.seconds:>8.1f}{rate:>10.1f}"
        f"{figures.server_cpu_s * 1000 / figures.rows:>20.2f}",
        f"  {'one SQLAlchemy bulk insert of the same rows, rolled back':<66}{figures.bare_seconds:>8.1f}"
        f"{bare_rate:>10.1f}{'-':>20}",
        f"  ratio bare/import rows/s: {bare_rate / rate:.0f}x",
    ]
    if figures.stopped_at_budget:
        lines.append(
            f"  STOPPED at the time budget ({budget_seconds:.0f} s, --import-seconds) after {figures.rows:,} of "
            f"{figures.rows_offered:,} rows; at this rate all of them would take "
            f"{figures.rows_offered / rate / 60:.0f} min"
        )
    return lines, adds_up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers in the master")
    parser.add_argument("--calls", type=int, default=500, help="(a) timed CheckDuplicates calls")
    parser.add_argument("--warmup", type=int, default=30, help="(a) unmeasured calls first")
    parser.add_argument("--blocks", type=int, default=10, help="(a) blocks the cases alternate in")
    parser.add_argument("--import-rows", type=int, default=100_000, help="(b) rows in the imported list")
    parser.add_argument(
        "--import-seconds", type=float, default=1200.0, help="(b) no further file is begun after this long"
    )
    parser.add_argument("--reseed", action="store_true", help="seed again even when the database holds the customers")
    parser.add_argument("--explain", action="store_true", help="(a) time check_duplicates' statements in-process")
    parser.add_argument("--only", choices=("duplicates", "import"), help="run one part")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args()
    if args.customers < 1000 or args.calls < args.blocks or args.import_rows < 10:
        parser.error("--customers at least 1000, --calls at least --blocks, --import-rows at least 10")

    began = time.perf_counter()
    load_before = load_average()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["DEALERNET_TRACE_EXPORTER"] = TRACE_EXPORTER
    os.environ["DEALERNET_DATABASE_PREFIX"] = DATABASE_PREFIX
    os.environ.pop("DEALERNET_CUSTOMER_DATABASE_URL", None)
    tracing.setup("bench-gateway")
    port = free_port()
    target = f"127.0.0.1:{port}"
    env = dict(os.environ, DEALERNET_CUSTOMER_GRPC_PORT=str(port))
    url = settings_module.load().database_url(COMPONENT)
    dsn = libpq_dsn(url)
    rng = random.Random(args.seed)
    print(
        f"dealernet customer benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"load average before {load_before}\n"
        f"database {DATABASE_PREFIX}_{COMPONENT}, the real customer gRPC server (python -m customer_service.grpc_api), "
        f"client and server with DEALERNET_TRACE_EXPORTER={TRACE_EXPORTER}\n",
        flush=True,
    )
    processes = Processes()
    passed = True
    try:
        progress(f"migrating {DATABASE_PREFIX}_{COMPONENT}")
        subprocess.run(
            [PYTHON, "-m", "plumbing.migrate", COMPONENT], cwd=ROOT, env=env, check=True, capture_output=True
        )
        connection = psycopg2.connect(dsn)
        remove_bench_writes(connection)
        seeded = seed(connection, args.customers, args.seed, args.reseed)
        server = processes.start("customer-grpc", [PYTHON, "-m", "customer_service.grpc_api"], env)
        wait_for_grpc(processes, server, target, "/grpc.health.v1.Health/Check")

        if args.only in (None, "duplicates"):
            checks = duplicate_checks(seeded, args.calls + args.warmup, rng)
            people = People(rng)
            registrations = [request_of(people.new(30_000_000 + n)) for n in range(args.calls // 2)]
            baseline_phones = [
                person.phone or ""
                for _, person in rng.sample(seeded.sample, min(len(seeded.sample), args.calls + args.warmup))
            ]
            progress(f"(a) {args.calls} CheckDuplicates, {len(registrations)} RegisterCustomer, {args.calls} bare")
            timed = asyncio.run(
                measure_checks(
                    target,
                    server,
                    dsn,
                    checks[args.warmup :],
                    registrations,
                    baseline_phones[args.warmup :],
                    args.blocks,
                    checks[: args.warmup],
                    baseline_phones[: args.warmup],
                )
            )
            processes.check_alive(server)
            lines, met = duplicates_report(args, seeded, timed)
            if args.explain or not met:
                progress("(a) timing check_duplicates' statements in-process")
                breakdown, plan = statement_breakdown(url, checks, per_kind=30)
                lines += [*breakdown, plan]
            print("\n".join([*lines, ""]), flush=True)
            remove_bench_writes(connection)

        if args.only in (None, "import"):
            people_to_import = import_rows(seeded, args.import_rows, rng)
            parts = csv_parts(people_to_import)
            run = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
            progress(f"(b) importing {args.import_rows:,} rows in {len(parts)} part(s)")
            figures = asyncio.run(import_through_service(target, server, parts, run, args.import_seconds))
            processes.check_alive(server)
            progress("(b) the bare bulk insert")
            figures.bare_seconds = bare_insert(url, people_to_import[: figures.rows])
            lines, adds_up = import_report(figures, seeded, args.import_seconds)
            passed = passed and adds_up
            print("\n".join([*lines, ""]), flush=True)
            progress("(b) removing what the import added")
            remove_bench_writes(connection)
            vacuum(connection)
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
