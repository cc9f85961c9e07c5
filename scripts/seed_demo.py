"""Seeds a small demo channel: HQ, three regions, six dealers, three stations, their
logins, a catalogue of three models with their options, the dealers' quotas for this
month and the next, a few dealer orders on their way through the plants, the channel's
stock locations, cars in the maker's pool and at dealers, parts at the stations, and a
few customers in the master, and the station a dealer runs.

Each component's data is written through that component's own models, into its own
database; the demo orders go through the order service's own use cases. Running it again
changes nothing (it only adds the quotas of a month that has begun since).

    python -m scripts.seed_demo [--print-logins]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from customer_service import customers
from customer_service.domain import RegistrationForm
from customer_service.models import CustomerRow
from customer_service.models import tables as customer_tables
from gateway.accounts import Account, Organisation, hash_password
from inventory_service import stock
from inventory_service.domain import MAKER_POOL
from inventory_service.ledger import LocationKind
from inventory_service.models import LocationRow, PartRow
from inventory_service.models import tables as inventory_tables
from order_service import dealer_accounts, orders
from order_service.domain import OrderLine, OrderStatus, Supply, allocation_month, iso_week_of
from order_service.models import (
    CatalogueColourRow,
    CatalogueModelRow,
    CatalogueOptionRow,
    CatalogueOptionTrimRow,
    CatalogueTrimRow,
    DealerAccountRow,
    DealerQuotaRow,
    tables,
)
from plumbing import settings as settings_module
from plumbing.db import Database, UnitOfWork, make_engine
from plumbing.principal import AccountRole, Principal, Role
from plumbing.vin import vin_check_digit
from station_service.models import StationOperatorRow

DEMO_PASSWORD = "demo-pass"

ORGANISATIONS = [
    ("HQ", "hq", "Headquarters", None),
    ("D001", "dealer", "Harbour Motors", "EAST"),
    ("D002", "dealer", "Riverside Autos", "EAST"),
    ("D003", "dealer", "Northgate Cars", "NORTH"),
    ("D004", "dealer", "Pine Ridge Motors", "NORTH"),
    ("D005", "dealer", "Southbay Auto", "SOUTH"),
    ("D006", "dealer", "Palm Coast Cars", "SOUTH"),
    ("S001", "station", "Harbour Service Centre", "EAST"),
    ("S002", "station", "Northgate Repair", "NORTH"),
    ("S003", "station", "Southbay Service", "SOUTH"),
]

ACCOUNTS = [
    ("hq.analyst", "Hui Zhang (HQ analyst)", "hq_analyst", "HQ"),
    ("hq.engineer", "Jun Li (HQ support engineer)", "hq_engineer", "HQ"),
    ("hq.admin", "Mei Chen (HQ channel admin)", "hq_admin", "HQ"),
    ("hq.finance", "Ling Wang (HQ finance)", "hq_finance", "HQ"),
    ("ops", "Operations", "ops", "HQ"),
    *[
        (f"{code.lower()}.{job}", f"{name} {title}", role, code)
        for code, kind, name, _ in ORGANISATIONS
        if kind == "dealer"
        for job, title, role in (("sales", "sales", "dealer_user"), ("admin", "manager", "dealer_admin"))
    ],
    *[
        (f"{code.lower()}.tech", f"{name} technician", "station_user", code)
        for code, kind, name, _ in ORGANISATIONS
        if kind == "station"
    ],
]

CATALOGUE = {
    ("AUR", "Aurora sedan"): {
        "trims": [("LX", "LX", 18_900_00), ("EX", "EX", 21_500_00), ("SPORT", "Sport", 24_900_00)],
        "colours": [("WHT", "Pearl White"), ("BLK", "Onyx Black"), ("RED", "Flame Red"), ("SLV", "Silver")],
        # (code, name, price, the trims offering it)
        "options": [
            ("SUNROOF", "Electric sunroof", 1_200_00, ("EX", "SPORT")),
            ("TOWBAR", "Detachable tow bar", 450_00, ("LX", "EX", "SPORT")),
            ("NAV", "Navigation with live traffic", 690_00, ("LX", "EX")),
        ],
    },
    ("TER", "Terra SUV"): {
        "trims": [("BASE", "Base", 27_400_00), ("LTD", "Limited", 33_900_00)],
        "colours": [("WHT", "Pearl White"), ("GRN", "Forest Green"), ("BLK", "Onyx Black")],
        "options": [
            ("TOWBAR", "Detachable tow bar", 450_00, ("BASE", "LTD")),
            ("PANO", "Panoramic glass roof", 1_500_00, ("LTD",)),
            ("7SEAT", "Third seat row", 1_100_00, ("BASE", "LTD")),
        ],
    },
    ("VLT", "Volt hatch EV"): {
        "trims": [("STD", "Standard range", 29_900_00), ("LR", "Long range", 35_500_00)],
        "colours": [("WHT", "Pearl White"), ("BLU", "Ocean Blue")],
        "options": [
            ("HEATPUMP", "Heat pump", 900_00, ("STD", "LR")),
            ("FASTCHG", "150 kW fast charging", 800_00, ("LR",)),
        ],
    },
}

# Vehicles HQ allocates to each dealer for this month and the next.
DEMO_QUOTA = 40

# Dealer orders already on their way. Their configurations are not in the maker's pool,
# so the inventory's answer is "to be built", as the seed records it.
# (dealer, idempotency key, model, trim, colour, options, quantity, how far, plant)
DEMO_ORDERS = [
    ("D001", "demo-order-1", "AUR", "SPORT", "RED", ("SUNROOF",), 2, OrderStatus.SCHEDULED, "SH1"),
    ("D001", "demo-order-2", "TER", "BASE", "BLK", ("TOWBAR", "7SEAT"), 1, OrderStatus.SCHEDULED, "WH2"),
    ("D002", "demo-order-3", "VLT", "STD", "WHT", ("HEATPUMP",), 1, OrderStatus.SCHEDULED, "SH1"),
    ("D003", "demo-order-4", "AUR", "EX", "SLV", ("TOWBAR",), 1, OrderStatus.APPROVED, None),
    ("D005", "demo-order-5", "TER", "LTD", "WHT", ("PANO",), 1, OrderStatus.SUBMITTED, None),
]

# (model, trim, colour, location, how many)
STOCK = [
    ("AUR", "LX", "WHT", MAKER_POOL, 3),
    ("AUR", "EX", "BLK", MAKER_POOL, 2),
    ("TER", "LTD", "GRN", MAKER_POOL, 2),
    ("VLT", "LR", "BLU", MAKER_POOL, 1),
    ("AUR", "LX", "RED", "D001", 2),
    ("TER", "BASE", "WHT", "D003", 2),
    ("VLT", "STD", "WHT", "D005", 1),
]


# Where the demo organisations are (latitude, longitude), for "parts nearby".
POSITIONS = {
    "D001": (31.23, 121.47),
    "D002": (31.30, 121.52),
    "D003": (39.91, 116.40),
    "D004": (39.99, 116.31),
    "D005": (22.54, 114.06),
    "D006": (22.27, 114.17),
    "S001": (31.22, 121.46),
    "S002": (39.90, 116.41),
    "S003": (22.55, 114.10),
}
WAREHOUSES = [
    ("WH-EAST", "East regional warehouse", "EAST", (31.10, 121.60)),
    ("WH-NORTH", "North regional warehouse", "NORTH", (39.80, 116.50)),
    ("WH-SOUTH", "South regional warehouse", "SOUTH", (22.60, 114.00)),
]
# (part number, description, reorder point, {location: quantity})
PARTS = [
    ("OIL-5W30", "Engine oil 5W-30, 4 l", 5, {"S001": 24, "S002": 6, "S003": 12, "WH-EAST": 200}),
    ("BRK-PAD-F", "Front brake pads", 2, {"S001": 2, "S002": 8, "WH-EAST": 40, "WH-NORTH": 30}),
    ("FLT-CABIN", "Cabin air filter", 3, {"S001": 10, "S003": 1, "WH-SOUTH": 60}),
]


def demo_vin(serial: int) -> str:
    """A valid VIN for a Chinese-built car of the maker (check digit included)."""
    draft = f"LDN2A4C10R{serial:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def seed_gateway(session: Session) -> None:
    """The demo organisations and accounts, each added when missing."""
    for code, kind, name, region in ORGANISATIONS:
        if session.get(Organisation, code) is None:
            session.add(Organisation(code=code, kind=kind, name=name, region=region))
    session.flush()
    hashed = hash_password(DEMO_PASSWORD)
    session.add_all(
        Account(username=u, display_name=d, role=role, org_code=org, password_hash=hashed)
        for u, d, role, org in ACCOUNTS
        if session.get(Account, u) is None
    )


def seed_order(session: Session) -> None:
    """The catalogue (each model, and each option of it, added when missing) and the quotas."""
    for (code, name), offer in CATALOGUE.items():
        if session.get(CatalogueModelRow, code) is None:
            session.add(CatalogueModelRow(code=code, name=name))
            session.flush()
            session.add_all(
                CatalogueTrimRow(model_code=code, code=t, name=n, list_price_minor=p, currency="EUR")
                for t, n, p in offer["trims"]
            )
            session.add_all(CatalogueColourRow(model_code=code, code=c, name=n) for c, n in offer["colours"])
            session.flush()
        for option, option_name, price, trims in offer["options"]:
            if session.get(CatalogueOptionRow, (code, option)) is not None:
                continue
            session.add(CatalogueOptionRow(model_code=code, code=option, name=option_name, list_price_minor=price))
            session.flush()
            session.add_all(
                CatalogueOptionTrimRow(model_code=code, option_code=option, trim_code=trim) for trim in trims
            )
    this_month = dt.date.today().replace(day=1)
    next_month = (this_month + dt.timedelta(days=31)).replace(day=1)
    for dealer, kind, _, _ in ORGANISATIONS:
        if kind != "dealer":
            continue
        for month in (allocation_month(this_month), allocation_month(next_month)):
            if session.get(DealerQuotaRow, (dealer, month)) is None:
                session.add(DealerQuotaRow(dealer_code=dealer, month=month, vehicles=DEMO_QUOTA))


def seed_demo_orders(database: Database) -> None:
    """Demo orders placed, approved and scheduled through the order service's own use cases.

    Placing is idempotent by key, and each step is taken only if the order has not taken it
    yet, so a second run finds the same orders and changes nothing.
    """
    regions = {code: region for code, kind, _, region in ORGANISATIONS if kind == "dealer"}
    headquarters = Principal.for_account("hq.admin", AccountRole.HQ_ADMIN)
    for dealer, key, model, trim, colour, options, quantity, how_far, plant in DEMO_ORDERS:
        seller = Principal(subject=f"{dealer.lower()}.sales", role=Role.DEALER, org_code=dealer, region=regions[dealer])
        now = dt.datetime.now(dt.UTC)
        line = OrderLine(model, trim, colour, quantity, option_codes=options)
        with database.unit_of_work() as uow:
            placed = orders.place_order(uow, seller, line, now.date(), idempotency_key=key)
            numbers = [row.order_number for row in placed.orders]
            uow.commit()
        for number in numbers:
            with database.unit_of_work() as uow:
                order = orders.get_order(uow, headquarters, number)
                if order.supply == Supply.PENDING:
                    orders.record_supply(uow, number, None)
                if how_far is not OrderStatus.SUBMITTED and order.status == OrderStatus.SUBMITTED:
                    orders.approve_order(uow, headquarters, number, now)
                if how_far is OrderStatus.SCHEDULED and order.status == OrderStatus.APPROVED:
                    assert plant is not None
                    orders.schedule_order(uow, headquarters, number, plant, iso_week_of(now.date()), now)
                uow.commit()


def seed_inventory(session: Session) -> None:
    """Locations, then cars and parts received through the inventory's own use cases, so
    every balance has its movements in the ledger."""
    if session.scalar(select(LocationRow).limit(1)) is not None:
        return
    uow = UnitOfWork(session, "inventory", inventory_tables)
    stock.register_location(uow, MAKER_POOL, LocationKind.PLANT_YARD, "Maker's pool", None)
    for code, name, region, (latitude, longitude) in WAREHOUSES:
        stock.register_location(uow, code, LocationKind.WAREHOUSE, name, region, latitude, longitude)
    for code, kind, name, region in ORGANISATIONS:
        if kind in ("dealer", "station"):
            stock.register_location(uow, code, LocationKind(kind), name, region, *POSITIONS[code])
    serial = 1
    arrived = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    for model, trim, colour, location, count in STOCK:
        for _ in range(count):
            at = arrived + dt.timedelta(days=serial * 7)
            stock.receive_vehicle(uow, "demo", demo_vin(serial), location, (model, trim, colour), at=at)
            serial += 1
    headquarters = Principal.for_account("hq.admin", AccountRole.HQ_ADMIN)
    for part_number, description, reorder_point, quantities in PARTS:
        session.add(PartRow(part_number=part_number, description=description, reorder_point=reorder_point))
        session.flush()
        for location, quantity in quantities.items():
            stock.receive_parts(uow, headquarters, location, part_number, quantity, "demo opening stock", description)


# (registering organisation, region, name, phone, e-mail, city, kind)
CUSTOMERS = [
    ("D001", "EAST", "Li Wei", "+86 138 0013 8000", "li.wei@example.com", "Shanghai", "person"),
    (
        "D001",
        "EAST",
        "Harbour Logistics Co., Ltd.",
        "+86 21 5555 0101",
        "fleet@harbour-logistics.example",
        "Shanghai",
        "company",
    ),
    ("D002", "EAST", "Zhou Lan", "+86 139 0000 0002", "", "Shanghai", "person"),
    ("D003", "NORTH", "Wang Fang", "+86 137 0000 0003", "wang.fang@example.com", "Beijing", "person"),
    ("S001", "EAST", "Chen Jie", "+86 136 0000 0004", "", "Shanghai", "person"),
]


def seed_customers(session: Session) -> None:
    """A few customers, registered through the customer master's own use case."""
    if session.scalar(select(CustomerRow).limit(1)) is not None:
        return
    uow = UnitOfWork(session, "customer", customer_tables)
    for org, region, name, phone, email, city, kind in CUSTOMERS:
        role = Role.STATION if org.startswith("S") else Role.DEALER
        registrar = Principal(
            subject=f"{org.lower()}.{'tech' if role is Role.STATION else 'sales'}",
            role=role,
            org_code=org,
            region=region,
        )
        form = RegistrationForm(
            full_name=name, phone=phone, email=email, city=city, kind=kind, consents=("email",) if email else ()
        )
        customers.register_customer(uow, registrar, form)


# Harbour Motors runs the Harbour Service Centre: its staff read that station's requests.
STATION_OPERATORS = [("S001", "D001")]


def seed_station(session: Session) -> None:
    if session.scalar(select(StationOperatorRow).limit(1)) is not None:
        return
    session.add_all(StationOperatorRow(station_code=s, dealer_code=d) for s, d in STATION_OPERATORS)


# Each demo dealer's account with the maker, in the catalogue's currency.
DEMO_CREDIT_LIMIT_MINOR = 250_000_000
DEMO_PAYMENT_TERMS_DAYS = 30
DEMO_DISCOUNT_BP = 200


def seed_dealer_accounts(database: Database) -> None:
    """Open each demo dealer's account with credit terms, unless it is open already."""
    finance = Principal.for_account("hq.finance", AccountRole.HQ_FINANCE)
    today = dt.date.today()
    for dealer, kind, _, region in ORGANISATIONS:
        if kind != "dealer":
            continue
        with database.unit_of_work() as uow:
            if uow.session.get(DealerAccountRow, dealer) is not None:
                continue
            dealer_accounts.set_credit_terms(
                uow,
                finance,
                dealer,
                currency="EUR",
                credit_limit_minor=DEMO_CREDIT_LIMIT_MINOR,
                payment_terms_days=DEMO_PAYMENT_TERMS_DAYS,
                discount_bp=DEMO_DISCOUNT_BP,
                region=region,
                today=today,
                policy=dealer_accounts.overdue_policy(),
            )
            uow.commit()


def seed() -> None:
    settings = settings_module.load()
    for component, fill in (
        ("gateway", seed_gateway),
        ("order", seed_order),
        ("inventory", seed_inventory),
        ("customer", seed_customers),
        ("station", seed_station),
    ):
        engine = make_engine(settings.database_url(component), pool_size=1, instrument=False)
        with Session(engine) as session:
            fill(session)
            session.commit()
        engine.dispose()
    database = Database("order", settings.database_url("order"), tables, pool_size=1)
    try:
        seed_demo_orders(database)
        seed_dealer_accounts(database)
    finally:
        database.engine.dispose()


def print_logins() -> None:
    host = os.environ.get("DEALERNET_GATEWAY_PORT", "8000")
    print(
        f"""
dealernet demo channel
  Web portal:    http://127.0.0.1:{host}/portal/
  API and docs:  http://127.0.0.1:{host}/docs   (OpenAPI: /openapi.json, health: /healthz)
  Password for every demo login: {DEMO_PASSWORD}
  Headquarters:  hq.analyst (reads), hq.engineer (support desk), hq.admin (decides),
                 hq.finance (dealer accounts: payments, credit notes, credit terms)
  Operations:    ops
  Dealers:       d001.sales ... d006.sales, their managers d001.admin ... d006.admin
                 (regions EAST, NORTH, SOUTH)
  Stations:      s001.tech, s002.tech, s003.tech
  Log in:        curl -s -X POST localhost:{host}/v1/auth/login -H 'content-type: application/json' \\
                   -d '{{"username": "d001.sales", "password": "{DEMO_PASSWORD}"}}'
Ctrl-C stops everything.
"""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--print-logins", action="store_true", help="only print where to look and how to log in")
    args = parser.parse_args()
    if args.print_logins:
        print_logins()
        return
    seed()
    print("demo channel seeded")


if __name__ == "__main__":
    main()
