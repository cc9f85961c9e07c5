"""The stock routes of the gateway, in front of the real inventory servicer and database: who
may see and do what, bodies refused naming the field, and one walk per family of routes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from dealernet.v1 import inventory_pb2, inventory_pb2_grpc
from inventory_service import stock
from inventory_service.grpc_api import InventoryServicer
from inventory_service.models import LocationRow, MovementRow, StockVehicleRow, metadata, tables
from plumbing.db import Database
from plumbing.errors import Refused
from plumbing.principal import AccountRole, Principal, Role
from plumbing.vin import vin_check_digit
from tests import processes
from tests.gateway_client import bearer, gateway_calling
from tests.processes import wait_for

pytestmark = pytest.mark.integration

DEALER_A = Principal(subject="sales@D001", role=Role.DEALER, org_code="D001", region="EAST")
DEALER_B = Principal(subject="sales@D002", role=Role.DEALER, org_code="D002", region="EAST")
DEALER_NORTH = Principal(subject="sales@D004", role=Role.DEALER, org_code="D004", region="NORTH")
STATION = Principal(subject="tech@S001", role=Role.STATION, org_code="S001", region="EAST")
HQ = Principal(subject="analyst@hq", role=Role.HQ)
OPS = Principal(subject="ops", role=Role.OPS)

CUSTOMER_ID = "6f1c1a52-52c4-4a53-9a7b-3cb0f0c6a7a1"
PART = "OF-2231"

# code, kind, name, region, latitude, longitude
LOCATIONS = [
    ("POOL", "plant_yard", "Maker's pool", None, 31.2, 121.5),
    ("D001", "dealer", "Harbour Motors", "EAST", 31.23, 121.47),
    ("D002", "dealer", "Riverside Cars", "EAST", 31.30, 121.5),
    ("D004", "dealer", "Northern Autos", "NORTH", 39.9, 116.4),
    ("S001", "station", "East Service", "EAST", 31.22, 121.46),
    ("S002", "station", "Bund Service", "EAST", 31.24, 121.49),
]


def make_vin(serial: int) -> str:
    draft = f"LDN2A4C10R{serial:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("inventory", fresh_database("inventory"), tables, pool_size=4)
    with db.unit_of_work() as uow:
        uow.session.add_all(
            LocationRow(code=code, kind=kind, name=name, region=region, latitude=lat, longitude=lon)
            for code, kind, name, region, lat, lon in LOCATIONS
        )
        uow.commit()
    yield db
    db.engine.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    # Locations are the fixed map every test shares; everything else starts empty.
    emptied = ", ".join(table.name for table in metadata.sorted_tables if table.name != "locations")
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {emptied} RESTART IDENTITY"))
    return database


def serve_in_process(servicer: InventoryServicer) -> tuple[grpc.Server, int]:
    return processes.serve_in_process(inventory_pb2_grpc.add_InventoryServiceServicer_to_server, servicer)


@pytest.fixture(scope="module")
def gateway(database: Database, amqp_uri: str) -> Iterator[TestClient]:
    """One gateway for the module, in front of the servicer: each test empties the tables through `db`.

    Not one per test: a gateway stopped while its live feed is still connecting to the broker can
    hang on shutdown (aio-pika's reconnect task outlives the cancelled connect), and a test that
    never reaches the service stops it that soon. amqp_uri makes sure the feed's vhost exists.
    """
    server, port = serve_in_process(InventoryServicer(database))
    try:
        with gateway_calling({"inventory": port}) as client:
            yield client
    finally:
        server.stop(grace=None)


def receive_cars(db: Database, location_code: str, *serials: int, model_code: str = "AUR", days_ago: int = 10) -> None:
    """Cars arrived at a location as the service itself records them: the car and its receipt."""
    arrived_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    with db.unit_of_work() as uow:
        for serial in serials:
            vin = make_vin(serial)
            uow.session.add(
                StockVehicleRow(
                    vin=vin,
                    model_code=model_code,
                    trim_code="EX",
                    colour_code="WHT",
                    location_code=location_code,
                    status="available",
                    arrived_at=arrived_at,
                )
            )
            uow.session.add(
                MovementRow(
                    kind="receipt",
                    location_code=location_code,
                    vin=vin,
                    on_hand_change=1,
                    reserved_change=0,
                    in_transit_change=0,
                    reference=f"seed-{serial}",
                    actor="plant",
                    occurred_at=arrived_at,
                )
            )
        uow.commit()


def movement_count(db: Database) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(MovementRow)) or 0


def ledger_differences(db: Database) -> list[Any]:
    with db.unit_of_work() as uow:
        return stock.reconcile(uow)[1]


def stored(db: Database, vin: str) -> StockVehicleRow:
    with db.unit_of_work() as uow:
        row = uow.session.get(StockVehicleRow, vin)
        assert row is not None
        uow.session.expunge(row)
        return row


# --- Role scope -------------------------------------------------------------------------------------


def test_a_station_sees_no_cars_and_only_headquarters_see_the_summary(db: Database, gateway: TestClient) -> None:
    receive_cars(db, "D001", 1)
    station, dealer = bearer(gateway, STATION), bearer(gateway, DEALER_A)
    vin = make_vin(1)

    for path in (
        "/stock/vehicles",
        f"/stock/vehicles/{vin}",
        "/stock/network",
        "/stock/summary",
        "/stock/transfers",
        "/stock/transfers/T000001",
    ):
        reply = gateway.get(path, headers=station)
        assert reply.status_code == 403, path
        assert reply.headers["content-type"] == "application/problem+json"
    assert gateway.get("/stock/summary", headers=dealer).status_code == 403
    assert gateway.get("/stock/vehicles").status_code == 401


def test_each_change_admits_only_its_roles(db: Database, gateway: TestClient) -> None:
    receive_cars(db, "D001", 1)
    vin = make_vin(1)
    hq, ops, station = bearer(gateway, HQ), bearer(gateway, OPS), bearer(gateway, STATION)
    customer = {"customer_id": CUSTOMER_ID}
    parts = {"location_code": "S001", "part_number": PART, "quantity": 1, "reference": "RO-1"}
    adjustment = {"location_code": "D001", "vin": vin, "quantity": -1, "reason": "flood damage"}

    refused = [
        gateway.post(f"/stock/vehicles/{vin}/reservation", headers=hq, json=customer),
        gateway.post(f"/stock/vehicles/{vin}/reservation", headers=station, json=customer),
        gateway.delete(f"/stock/vehicles/{vin}/reservation", headers=ops),
        gateway.post(f"/stock/vehicles/{vin}/sale", headers=hq, json=customer),
        gateway.post("/stock/transfers", headers=hq, json={"vin": vin}),
        gateway.post("/stock/transfers/T000001/approve", headers=ops),
        gateway.post("/stock/transfers/T000001/decline", headers=station, json={"reason": "no"}),
        gateway.post("/stock/transfers/T000001/cancel", headers=hq),
        gateway.post("/stock/transfers/T000001/ship", headers=hq),
        gateway.post("/stock/transfers/T000001/receive", headers=hq),
        gateway.post("/stock/adjustments", headers=ops, json=adjustment),
        gateway.post("/stock/parts/receipts", headers=ops, json=parts),
        gateway.post("/stock/parts/issues", headers=ops, json=parts),
    ]

    assert [reply.status_code for reply in refused] == [403] * len(refused)
    assert stored(db, vin).status == "available"
    assert movement_count(db) == 1


def test_a_dealer_sees_its_own_cars_in_full_and_not_another_dealers(db: Database, gateway: TestClient) -> None:
    receive_cars(db, "D001", 1, 2)
    receive_cars(db, "D002", 3)
    dealer_a, dealer_b = bearer(gateway, DEALER_A), bearer(gateway, DEALER_B)

    listed = gateway.get("/stock/vehicles", headers=dealer_a)
    own = gateway.get(f"/stock/vehicles/{make_vin(1)}", headers=dealer_a)
    others = gateway.get(f"/stock/vehicles/{make_vin(3)}", headers=dealer_a)
    asked_for_elsewhere = gateway.get("/stock/vehicles", headers=dealer_a, params={"location_code": "D002"})
    everything = gateway.get("/stock/vehicles", headers=bearer(gateway, HQ))

    assert listed.status_code == 200
    assert sorted(v["vin"] for v in listed.json()["vehicles"]) == sorted([make_vin(1), make_vin(2)])
    assert own.status_code == 200 and own.json()["location_code"] == "D001"
    assert others.status_code == 404
    assert others.headers["content-type"] == "application/problem+json"
    assert [v["vin"] for v in asked_for_elsewhere.json()["vehicles"]] == []
    assert gateway.get(f"/stock/vehicles/{make_vin(3)}", headers=dealer_b).status_code == 200
    assert len(everything.json()["vehicles"]) == 3


def test_the_network_search_shows_where_other_dealers_cars_are_and_nothing_of_their_customers(
    db: Database, gateway: TestClient
) -> None:
    receive_cars(db, "D002", 3)
    receive_cars(db, "D004", 4)
    receive_cars(db, "D002", 5, model_code="TER")
    receive_cars(db, "D001", 6)
    network_fields = set(inventory_pb2.NetworkVehicle.DESCRIPTOR.fields_by_name)

    found = gateway.get("/stock/network", headers=bearer(gateway, DEALER_A), params={"model_code": "AUR"})
    in_the_north = gateway.get(
        "/stock/network", headers=bearer(gateway, DEALER_A), params={"model_code": "AUR", "region": "NORTH"}
    )

    assert found.status_code == 200
    by_vin = {v["vin"]: v for v in found.json()["vehicles"]}
    assert sorted(by_vin) == sorted([make_vin(3), make_vin(4)])
    assert by_vin[make_vin(3)]["location_code"] == "D002"
    assert by_vin[make_vin(3)]["location_name"] == "Riverside Cars"
    assert by_vin[make_vin(4)]["region"] == "NORTH"
    for vehicle in by_vin.values():
        assert set(vehicle) <= network_fields
        assert not {"reserved_for_customer", "reserved_for_dealer", "sold_to_customer", "status"} & set(vehicle)
    assert [v["vin"] for v in in_the_north.json()["vehicles"]] == [make_vin(4)]


def test_every_role_sees_the_locations(db: Database, gateway: TestClient) -> None:
    for principal in (DEALER_A, STATION, HQ, OPS):
        reply = gateway.get("/stock/locations", headers=bearer(gateway, principal), params={"kind": "station"})
        assert reply.status_code == 200, principal.role
        assert sorted(loc["code"] for loc in reply.json()["locations"]) == ["S001", "S002"]


# --- Bodies refused naming the field -----------------------------------------------------------------

PARTS_BODY = {"location_code": "S001", "part_number": PART, "quantity": 2, "reference": "RO-1"}
ADJUSTMENT_BODY = {"location_code": "S001", "part_number": PART, "quantity": 3, "reason": "counted"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/stock/parts/receipts", PARTS_BODY | {"quantity": 1.5}, "quantity"),
        ("/stock/parts/receipts", PARTS_BODY | {"quantity": "many"}, "quantity"),
        ("/stock/parts/receipts", PARTS_BODY | {"quantity": "2"}, "quantity"),
        ("/stock/parts/receipts", PARTS_BODY | {"quantity": True}, "quantity"),
        ("/stock/parts/receipts", PARTS_BODY | {"quantity": 0}, "quantity"),
        ("/stock/parts/reservations", PARTS_BODY | {"quantity": -1}, "quantity"),
        ("/stock/parts/releases", PARTS_BODY | {"quantity": 100_001}, "quantity"),
        ("/stock/parts/issues", PARTS_BODY | {"quantity": 2**31}, "quantity"),
        ("/stock/parts/issues", {k: v for k, v in PARTS_BODY.items() if k != "reference"}, "reference"),
        ("/stock/parts/issues", PARTS_BODY | {"description": "Oil filter"}, "description"),
        ("/stock/parts/receipts", PARTS_BODY | {"part_number": 2231}, "part_number"),
        ("/stock/parts/receipts", PARTS_BODY | {"unit_price": 10}, "unit_price"),
        ("/stock/adjustments", ADJUSTMENT_BODY | {"quantity": 0}, "quantity"),
        ("/stock/adjustments", ADJUSTMENT_BODY | {"quantity": 1.5}, "quantity"),
        ("/stock/adjustments", ADJUSTMENT_BODY | {"quantity": "many"}, "quantity"),
        ("/stock/adjustments", ADJUSTMENT_BODY | {"reason": ""}, "reason"),
        ("/stock/adjustments", ADJUSTMENT_BODY | {"reason": "   "}, "reason"),
        ("/stock/adjustments", {k: v for k, v in ADJUSTMENT_BODY.items() if k != "reason"}, "reason"),
        ("/stock/adjustments", ADJUSTMENT_BODY | {"location_code": ""}, "location_code"),
        # PostgreSQL stores no NUL character: these reached the service and failed there (502).
        ("/stock/adjustments", ADJUSTMENT_BODY | {"reason": "hail\x00"}, "reason"),
        ("/stock/parts/receipts", PARTS_BODY | {"part_number": "OF-\x002231"}, "part_number"),
    ],
)
def test_a_bad_parts_or_adjustment_body_is_refused_naming_the_field(
    db: Database, gateway: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    reply = gateway.post(path, headers=bearer(gateway, STATION), json=body)

    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert movement_count(db) == 0


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/stock/vehicles/{vin}/reservation", {}, "customer_id"),
        ("POST", "/stock/vehicles/{vin}/reservation", {"customer_id": 42}, "customer_id"),
        # Refused by the service, its field violation carried back through gRPC.
        ("POST", "/stock/vehicles/{vin}/reservation", {"customer_id": "walk-in"}, "customer_id"),
        ("POST", "/stock/vehicles/{vin}/sale", {"customer_id": ""}, "customer_id"),
        ("POST", "/stock/transfers", {"note": "for a customer"}, "vin"),
        ("POST", "/stock/transfers", {"vin": "{vin}", "note": 7}, "note"),
        ("POST", "/stock/transfers/T000001/decline", {"reason": ""}, "reason"),
        ("POST", "/stock/transfers/T000001/decline", {}, "reason"),
        ("POST", "/stock/transfers/T000001/decline", None, "body"),
        ("GET", "/stock/vehicles?page_size=0", None, "page_size"),
        ("GET", "/stock/network?page_size=501", None, "page_size"),
        ("GET", "/stock/locations?region=EA%00ST", None, "region"),
        ("GET", "/stock/vehicles/LDN%002A4C19R0000001", None, "vin"),
        ("POST", "/stock/transfers", {"vin": "{vin}\x00"}, "vin"),
    ],
)
def test_a_bad_dealer_request_is_refused_naming_the_field(
    db: Database, gateway: TestClient, method: str, path: str, body: dict[str, Any] | None, field: str
) -> None:
    receive_cars(db, "D001", 1)
    vin = make_vin(1)
    if body is not None:
        body = {key: value.replace("{vin}", vin) if isinstance(value, str) else value for key, value in body.items()}

    reply = gateway.request(method, path.replace("{vin}", vin), headers=bearer(gateway, DEALER_A), json=body)

    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert stored(db, vin).status == "available"
    assert movement_count(db) == 1


@pytest.mark.parametrize("group_by", ["dealer", "", "REGION"])
def test_the_summary_groups_only_by_region_location_or_model(db: Database, gateway: TestClient, group_by: str) -> None:
    reply = gateway.get("/stock/summary", headers=bearer(gateway, HQ), params={"group_by": group_by})

    assert reply.status_code == 422
    [error] = reply.json()["errors"]
    assert error["field"] == "group_by" and "'region', 'location' or 'model'" in error["message"]


# --- One walk per family of routes -------------------------------------------------------------------


def test_a_dealer_reserves_a_car_for_a_customer_and_sells_it(db: Database, gateway: TestClient) -> None:
    receive_cars(db, "D001", 1)
    receive_cars(db, "POOL", 2)
    dealer_a, dealer_b = bearer(gateway, DEALER_A), bearer(gateway, DEALER_B)
    vin, pool_vin = make_vin(1), make_vin(2)

    reserved = gateway.post(f"/stock/vehicles/{vin}/reservation", headers=dealer_a, json={"customer_id": CUSTOMER_ID})
    from_pool = gateway.post(
        f"/stock/vehicles/{pool_vin}/reservation", headers=dealer_a, json={"customer_id": CUSTOMER_ID}
    )
    taken = gateway.post(f"/stock/vehicles/{pool_vin}/reservation", headers=dealer_b, json={"customer_id": CUSTOMER_ID})
    released = gateway.delete(f"/stock/vehicles/{pool_vin}/reservation", headers=dealer_a)
    sold = gateway.post(f"/stock/vehicles/{vin}/sale", headers=dealer_a, json={"customer_id": CUSTOMER_ID})
    history = gateway.get("/stock/movements", headers=dealer_a, params={"vin": vin})

    assert reserved.status_code == 200
    assert (reserved.json()["status"], reserved.json()["reserved_for_customer"]) == ("reserved", CUSTOMER_ID)
    assert (from_pool.json()["status"], from_pool.json()["reserved_for_dealer"]) == ("reserved", "D001")
    assert taken.status_code == 409
    assert taken.headers["content-type"] == "application/problem+json"
    assert released.status_code == 200 and released.json()["status"] == "available"
    assert sold.status_code == 200
    assert (sold.json()["status"], sold.json()["sold_to_customer"]) == ("sold", CUSTOMER_ID)
    assert [m["kind"] for m in history.json()["movements"]] == ["sale", "reservation", "receipt"]
    assert stored(db, vin).status == "sold"
    assert ledger_differences(db) == []


def test_a_car_travels_between_dealers_of_two_regions(db: Database, gateway: TestClient) -> None:
    receive_cars(db, "D001", 1)
    vin = make_vin(1)
    giver, taker, hq = bearer(gateway, DEALER_A), bearer(gateway, DEALER_NORTH), bearer(gateway, HQ)

    requested = gateway.post("/stock/transfers", headers=taker, json={"vin": vin, "note": "customer in Beijing"})
    number = requested.json()["transfer_number"]
    seen_by_giver = gateway.get(f"/stock/transfers/{number}", headers=giver)
    not_yet = gateway.post(f"/stock/transfers/{number}/ship", headers=giver)
    by_giver = gateway.post(f"/stock/transfers/{number}/approve", headers=giver)
    by_hq = gateway.post(f"/stock/transfers/{number}/approve", headers=hq)
    shipped = gateway.post(f"/stock/transfers/{number}/ship", headers=giver)
    on_the_road = stored(db, vin)
    unsellable = gateway.post(f"/stock/vehicles/{vin}/sale", headers=giver, json={"customer_id": CUSTOMER_ID})
    received = gateway.post(f"/stock/transfers/{number}/receive", headers=taker)
    listed = gateway.get("/stock/transfers", headers=taker, params={"status": "received"})
    at_the_taker = gateway.get(f"/stock/vehicles/{vin}", headers=taker)

    assert requested.status_code == 201
    assert (requested.json()["status"], requested.json()["needs_hq_approval"]) == ("requested", True)
    assert (requested.json()["from_dealer"], requested.json()["to_dealer"]) == ("D001", "D004")
    assert seen_by_giver.status_code == 200
    assert not_yet.status_code == 409
    assert by_giver.json()["status"] == "awaiting_hq"
    assert by_hq.json()["status"] == "approved"
    assert shipped.json()["status"] == "shipped"
    assert (on_the_road.status, on_the_road.location_code) == ("in_transit", "D001")
    assert unsellable.status_code == 409
    assert received.json()["status"] == "received"
    assert [t["transfer_number"] for t in listed.json()["transfers"]] == [number]
    assert (at_the_taker.json()["location_code"], at_the_taker.json()["status"]) == ("D004", "available")
    assert ledger_differences(db) == []


def test_a_declined_transfer_keeps_its_reason_and_the_car(db: Database, gateway: TestClient) -> None:
    receive_cars(db, "D001", 1)
    vin = make_vin(1)
    number = gateway.post("/stock/transfers", headers=bearer(gateway, DEALER_B), json={"vin": vin}).json()[
        "transfer_number"
    ]

    declined = gateway.post(
        f"/stock/transfers/{number}/decline", headers=bearer(gateway, DEALER_A), json={"reason": "promised to a buyer"}
    )

    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["decline_reason"]) == ("declined", "promised to a buyer")
    assert stored(db, vin).status == "available"


def test_a_station_receives_reserves_and_fits_parts(db: Database, gateway: TestClient) -> None:
    station = bearer(gateway, STATION)

    received = gateway.post(
        "/stock/parts/receipts", headers=station, json=PARTS_BODY | {"quantity": 5, "description": "Oil filter"}
    )
    reserved = gateway.post("/stock/parts/reservations", headers=station, json=PARTS_BODY)
    too_many = gateway.post("/stock/parts/reservations", headers=station, json=PARTS_BODY | {"quantity": 4})
    issued = gateway.post("/stock/parts/issues", headers=station, json=PARTS_BODY)
    gateway.post("/stock/parts/receipts", headers=bearer(gateway, HQ), json=PARTS_BODY | {"location_code": "S002"})
    availability = gateway.get(f"/stock/parts/{PART}/availability", headers=station)
    nowhere = gateway.get(f"/stock/parts/{PART}/availability", headers=bearer(gateway, HQ))
    ledger = gateway.get("/stock/movements", headers=station, params={"part_number": PART})

    assert received.status_code == 200
    assert (received.json()["on_hand"], received.json()["available"]) == (5, 5)
    assert (reserved.json()["reserved"], reserved.json()["available"]) == (2, 3)
    assert too_many.status_code == 409
    assert issued.status_code == 200 and issued.json()["on_hand"] == 3
    assert availability.status_code == 200
    assert availability.json()["description"] == "Oil filter"
    assert availability.json()["own"]["location_code"] == "S001"
    assert [(n["location_code"], n["available"]) for n in availability.json()["nearby"]] == [("S002", 2)]
    assert (nowhere.status_code, [e["field"] for e in nowhere.json()["errors"]]) == (422, ["location_code"])
    # A station's ledger is its own location's: the receipt HQ booked at S002 is not in it.
    assert {m["location_code"] for m in ledger.json()["movements"]} == {"S001"}
    assert ledger_differences(db) == []


def test_a_correction_is_a_movement_with_its_reason_and_author(db: Database, gateway: TestClient) -> None:
    receive_cars(db, "D001", 1)
    vin = make_vin(1)

    written_off = gateway.post(
        "/stock/adjustments",
        headers=bearer(gateway, DEALER_A),
        json={"location_code": "D001", "vin": vin, "quantity": -1, "reason": "flood damage"},
    )

    assert written_off.status_code == 201
    movement = written_off.json()
    assert (movement["kind"], movement["on_hand_change"], movement["reason"]) == ("adjustment", -1, "flood damage")
    assert movement["actor"] == DEALER_A.subject
    assert stored(db, vin).status == "written_off"
    assert ledger_differences(db) == []


def test_headquarters_see_stock_by_region(db: Database, gateway: TestClient) -> None:
    receive_cars(db, "D001", 1, 2, days_ago=5)
    receive_cars(db, "D002", 3, days_ago=40)
    receive_cars(db, "D004", 4, days_ago=20)
    # Headquarters' view is recomputed on a timer; this is that timer's turn.
    with db.unit_of_work() as uow:
        stock.refresh_stock_summary(uow)
        uow.commit()

    summary = gateway.get("/stock/summary", headers=bearer(gateway, HQ), params={"group_by": "region"})
    east_by_location = gateway.get(
        "/stock/summary", headers=bearer(gateway, OPS), params={"group_by": "location", "region": "EAST"}
    )

    assert summary.status_code == 200
    assert summary.json()["group_by"] == "region"
    rows = {row["key"]: row for row in summary.json()["rows"]}
    assert (rows["EAST"]["on_hand"], rows["EAST"]["available"], rows["EAST"]["oldest_age_days"]) == (3, 3, 40)
    assert (rows["NORTH"]["on_hand"], rows["NORTH"]["oldest_age_days"]) == (1, 20)
    assert rows["EAST"]["days_of_supply"] == -1
    assert summary.json()["total"]["on_hand"] == 4
    assert {row["key"]: row["on_hand"] for row in east_by_location.json()["rows"]} == {"D001": 2, "D002": 1}


def open_transactions(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                )
            ).scalar_one()
        )


def test_a_change_that_would_commit_after_the_caller_gave_up_is_not_made(db: Database) -> None:
    """The caller is told its call failed (deadline exceeded): the service must not make the
    change later. Here another transaction holds the car's row until the deadline has passed."""
    receive_cars(db, "D001", 1)
    vin = make_vin(1)
    server, port = serve_in_process(InventoryServicer(db))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    request = inventory_pb2.ReserveVehicleRequest(vin=vin, customer_id=CUSTOMER_ID)
    try:
        with db.engine.connect() as blocker:
            blocker.execute(text("SELECT 1 FROM stock_vehicles WHERE vin = :vin FOR UPDATE"), {"vin": vin})
            stub = inventory_pb2_grpc.InventoryServiceStub(channel)
            with pytest.raises(grpc.RpcError) as failed:
                stub.ReserveVehicle(request, metadata=(("x-dealernet-principal", DEALER_A.to_json()),), timeout=1.0)
            assert failed.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
            blocker.rollback()  # the service's transaction goes on now, past the deadline
        wait_for("the service's transaction to end", lambda: not open_transactions(db), timeout=10)
    finally:
        channel.close()
        server.stop(grace=None)

    assert stored(db, vin).status == "available"
    assert movement_count(db) == 1


def test_a_nul_character_sent_straight_to_the_service_is_refused_as_invalid(db: Database) -> None:
    server, port = serve_in_process(InventoryServicer(db))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.ListLocations(
                inventory_pb2.ListLocationsRequest(region="EA\x00ST"),
                metadata=(("x-dealernet-principal", HQ.to_json()),),
                timeout=5,
            )
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "NUL" in (refused.value.details() or "")
    finally:
        channel.close()
        server.stop(grace=None)


def test_a_salesperson_calling_the_service_directly_cannot_write_a_car_off(db: Database) -> None:
    """The gateway admits dealer admins only; the inventory holds to that for a direct caller too."""
    receive_cars(db, "D001", 1)
    vin = make_vin(1)
    salesperson = Principal.for_account("sales@D001", AccountRole.DEALER_USER, "D001", "EAST")

    with db.unit_of_work() as uow, pytest.raises(Refused, match="only a dealer's admin"):
        stock.adjust_stock(
            uow,
            salesperson,
            location_code="D001",
            vin=vin,
            part_number="",
            quantity=-1,
            reason="flood damage",
            description=("", "", ""),
        )

    assert stored(db, vin).status == "available"
