"""Channel stock through the inventory service's real gRPC servicer and PostgreSQL: holds
under contention, transfers, parts, headquarters' views, alerts and reconciliation."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from sqlalchemy import func, select, text

from dealernet.v1 import inventory_pb2, inventory_pb2_grpc
from inventory_service import domain, stock
from inventory_service.grpc_api import InventoryServicer
from inventory_service.ledger import LocationKind
from inventory_service.models import MovementRow, PartRow, StockVehicleRow, tables
from plumbing.db import Database
from plumbing.grpc_support import DomainErrorInterceptor
from plumbing.principal import GRPC_METADATA_KEY, Principal, Role
from plumbing.vin import vin_check_digit
from tests.processes import BIN, ROOT

D001 = Principal("d001.sales", Role.DEALER, "D001", "EAST")
D002 = Principal("d002.sales", Role.DEALER, "D002", "EAST")
D003 = Principal("d003.sales", Role.DEALER, "D003", "NORTH")
HQ = Principal("hq.analyst", Role.HQ)
S001 = Principal("s001.tech", Role.STATION, "S001", "EAST")
CUSTOMER = str(uuid.uuid4())

LOCATIONS = [
    ("POOL", LocationKind.PLANT_YARD, "Maker's pool", None, None, None),
    ("WH-EAST", LocationKind.WAREHOUSE, "East warehouse", "EAST", 31.2, 121.5),
    ("D001", LocationKind.DEALER, "Harbour Motors", "EAST", 31.23, 121.47),
    ("D002", LocationKind.DEALER, "Riverside Autos", "EAST", 31.3, 121.5),
    ("D003", LocationKind.DEALER, "Northgate Cars", "NORTH", 39.9, 116.4),
    ("S001", LocationKind.STATION, "Harbour Service Centre", "EAST", 31.22, 121.46),
    ("S002", LocationKind.STATION, "Riverside Service", "EAST", 31.5, 121.8),
    ("S004", LocationKind.STATION, "Bund Service", "EAST", 31.24, 121.49),
    ("S003", LocationKind.STATION, "Northgate Repair", "NORTH", 39.9, 116.4),
]


def make_vin(serial: int) -> str:
    draft = f"LDN2A4C10R{serial:07d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("inventory", fresh_database("inventory"), tables, pool_size=30)
    yield db
    db.engine.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE stock_vehicles, stock_movements, part_balances, parts, transfers, locations, "
                "reservations, outbox, processed_messages"
            )
        )
    with database.unit_of_work() as uow:
        for location in LOCATIONS:
            stock.register_location(uow, *location)
        uow.commit()
    return database


@pytest.fixture
def stub(db: Database) -> Iterator[inventory_pb2_grpc.InventoryServiceStub]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32), interceptors=[DomainErrorInterceptor()])
    inventory_pb2_grpc.add_InventoryServiceServicer_to_server(InventoryServicer(db), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield inventory_pb2_grpc.InventoryServiceStub(channel)
    finally:
        channel.close()
        server.stop(grace=None)


def as_caller(principal: Principal) -> tuple[tuple[str, str], ...]:
    return ((GRPC_METADATA_KEY, principal.to_json()),)


def rpc_error(method: Any, request: Any, principal: Principal) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as failed:
        method(request, metadata=as_caller(principal))
    return failed.value


def receive(db: Database, serial: int, location: str, model: str = "AUR", *, days_ago: int = 0) -> str:
    vin = make_vin(serial)
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    with db.unit_of_work() as uow:
        stock.receive_vehicle(uow, "plant", vin, location, (model, "SPORT", "RED"), at=at)
        uow.commit()
    return vin


def events(db: Database, event_type: str) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY seq"), {"t": event_type}
        ).scalars()
        return [row["data"] for row in rows]


def no_differences(db: Database) -> None:
    with db.unit_of_work() as uow:
        checked, differences = stock.reconcile(uow)
    assert differences == [] and checked > 0


def test_a_car_received_into_a_dealers_stock_is_announced_and_one_into_a_warehouse_is_not(db: Database) -> None:
    at_dealer = receive(db, 90, "D001", days_ago=3)
    receive(db, 91, "WH-EAST")

    [received] = events(db, "inventory.vehicle_received")
    assert received["vin"] == at_dealer and received["dealer_code"] == "D001"
    assert received["order_number"] is None
    assert (received["model_code"], received["trim_code"], received["colour_code"]) == ("AUR", "SPORT", "RED")


# --- Holds under contention -----------------------------------------------------------------------


def test_of_many_dealers_reserving_one_car_at_once_exactly_one_wins(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    cars = [receive(db, serial, "POOL") for serial in range(1, 6)]
    dealers = [Principal(f"d{n:03d}.sales", Role.DEALER, f"D{n:03d}", "EAST") for n in range(1, 21)]

    for vin in cars:
        start = threading.Barrier(len(dealers))

        def reserve(dealer: Principal, vin: str = vin, start: threading.Barrier = start) -> str:
            start.wait()
            try:
                stub.ReserveVehicle(
                    inventory_pb2.ReserveVehicleRequest(vin=vin, customer_id=str(uuid.uuid4())),
                    metadata=as_caller(dealer),
                )
                return "won"
            except grpc.RpcError as exc:
                assert exc.code() is grpc.StatusCode.FAILED_PRECONDITION, exc.details()
                assert "already reserved" in (exc.details() or "")
                return "refused"

        with futures.ThreadPoolExecutor(len(dealers)) as pool:
            outcomes = list(pool.map(reserve, dealers))

        assert outcomes.count("won") == 1 and outcomes.count("refused") == len(dealers) - 1
        winner = dealers[outcomes.index("won")].org_code
        with db.unit_of_work() as uow:
            row = uow.session.get(StockVehicleRow, vin)
            held = uow.session.scalar(select(func.sum(MovementRow.reserved_change)).where(MovementRow.vin == vin))
        assert row is not None and row.status == "reserved" and row.reserved_for_dealer == winner
        assert held == 1
    no_differences(db)


def test_a_dealer_reserves_sells_and_the_ledger_shows_each_step(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    vin = receive(db, 10, "D001")
    other = receive(db, 11, "D001")

    held = stub.ReserveVehicle(
        inventory_pb2.ReserveVehicleRequest(vin=vin, customer_id=CUSTOMER), metadata=as_caller(D001)
    )
    sold = stub.SellVehicle(inventory_pb2.SellVehicleRequest(vin=vin, customer_id=CUSTOMER), metadata=as_caller(D001))
    ledger_rows = stub.ListMovements(inventory_pb2.ListMovementsRequest(vin=vin), metadata=as_caller(D001))

    assert held.status == "reserved" and held.reserved_for_customer == CUSTOMER
    assert sold.status == "sold" and sold.sold_to_customer == CUSTOMER
    assert [(m.kind, m.on_hand_change, m.reserved_change) for m in ledger_rows.movements] == [
        ("sale", -1, -1),
        ("reservation", 0, 1),
        ("receipt", 1, 0),
    ]
    assert [e["vin"] for e in events(db, stock.VEHICLE_SOLD)] == [vin]
    refused = rpc_error(
        stub.SellVehicle, inventory_pb2.SellVehicleRequest(vin=other, customer_id="not-a-customer"), D001
    )
    assert refused.code() is grpc.StatusCode.INVALID_ARGUMENT and "customer_id" in (refused.details() or "")
    no_differences(db)


def test_selling_the_last_car_of_a_model_alerts_the_dealers_low_stock(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    first, second = receive(db, 20, "D001", "TER"), receive(db, 21, "D001", "TER")

    stub.SellVehicle(inventory_pb2.SellVehicleRequest(vin=first, customer_id=CUSTOMER), metadata=as_caller(D001))
    assert events(db, stock.STOCK_LOW) == []
    stub.SellVehicle(inventory_pb2.SellVehicleRequest(vin=second, customer_id=CUSTOMER), metadata=as_caller(D001))

    [alert] = events(db, stock.STOCK_LOW)
    assert alert | {"region": alert["region"]} == {
        "item": "vehicle",
        "location_code": "D001",
        "region": "EAST",
        "model_code": "TER",
        "available": 0,
        "threshold": 1,
    }


# --- Transfers ------------------------------------------------------------------------------------


def test_a_transfer_across_regions_runs_request_giver_hq_ship_receive(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    vin = receive(db, 30, "D001")

    def step(method: Any, who: Principal, **fields: Any) -> inventory_pb2.Transfer:
        request = inventory_pb2.TransferActionRequest(transfer_number=number, **fields)
        return method(request, metadata=as_caller(who))  # type: ignore[no-any-return]

    asked = stub.RequestTransfer(
        inventory_pb2.RequestTransferRequest(vin=vin, note="customer waiting"), metadata=as_caller(D003)
    )
    number = asked.transfer_number
    assert asked.status == "requested" and asked.needs_hq_approval and asked.from_dealer == "D001"

    assert rpc_error(
        stub.ApproveTransfer, inventory_pb2.TransferActionRequest(transfer_number=number), HQ
    ).details() == (f"transfer {number} awaits the giving dealer D001")
    assert step(stub.ApproveTransfer, D001).status == "awaiting_hq"
    promised = stub.GetVehicle(inventory_pb2.GetVehicleRequest(vin=vin), metadata=as_caller(D001))
    assert promised.status == "reserved" and promised.transfer_number == number
    sale = rpc_error(stub.SellVehicle, inventory_pb2.SellVehicleRequest(vin=vin, customer_id=CUSTOMER), D001)
    assert sale.code() is grpc.StatusCode.FAILED_PRECONDITION and number in (sale.details() or "")

    assert step(stub.ApproveTransfer, HQ).status == "approved"
    shipped = step(stub.ShipTransfer, D001)
    moving = stub.GetVehicle(inventory_pb2.GetVehicleRequest(vin=vin), metadata=as_caller(D003))
    assert shipped.status == "shipped" and moving.status == "in_transit" and moving.location_code == "D001"
    for dealer in (D001, D003):
        refused = rpc_error(stub.SellVehicle, inventory_pb2.SellVehicleRequest(vin=vin, customer_id=CUSTOMER), dealer)
        assert refused.code() is grpc.StatusCode.FAILED_PRECONDITION

    received = step(stub.ReceiveTransfer, D003)
    arrived = stub.GetVehicle(inventory_pb2.GetVehicleRequest(vin=vin), metadata=as_caller(D003))
    assert received.status == "received" and received.hq_approved_at and received.received_at
    assert arrived.location_code == "D003" and arrived.status == "available" and arrived.transfer_number == ""
    assert (
        rpc_error(stub.GetVehicle, inventory_pb2.GetVehicleRequest(vin=vin), D001).code() is grpc.StatusCode.NOT_FOUND
    )
    assert [e["status"] for e in events(db, "inventory.transfer_received")] == ["received"]
    no_differences(db)


def test_within_a_region_the_givers_approval_is_enough_and_a_decline_gives_the_car_back(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    vin = receive(db, 31, "D001")
    first = stub.RequestTransfer(inventory_pb2.RequestTransferRequest(vin=vin), metadata=as_caller(D002))
    second = stub.RequestTransfer(inventory_pb2.RequestTransferRequest(vin=vin), metadata=as_caller(D003))

    approved = stub.ApproveTransfer(
        inventory_pb2.TransferActionRequest(transfer_number=first.transfer_number), metadata=as_caller(D001)
    )
    too_late = rpc_error(
        stub.ApproveTransfer, inventory_pb2.TransferActionRequest(transfer_number=second.transfer_number), D001
    )
    declined = stub.DeclineTransfer(
        inventory_pb2.TransferActionRequest(transfer_number=second.transfer_number, reason="promised elsewhere"),
        metadata=as_caller(D001),
    )
    cancelled = stub.CancelTransfer(
        inventory_pb2.TransferActionRequest(transfer_number=first.transfer_number), metadata=as_caller(D002)
    )

    assert not first.needs_hq_approval and approved.status == "approved"
    assert too_late.code() is grpc.StatusCode.FAILED_PRECONDITION and "already reserved" in (too_late.details() or "")
    assert declined.status == "declined" and declined.decline_reason == "promised elsewhere"
    assert cancelled.status == "cancelled"
    back = stub.GetVehicle(inventory_pb2.GetVehicleRequest(vin=vin), metadata=as_caller(D001))
    assert back.status == "available" and back.transfer_number == ""
    listed = stub.ListTransfers(inventory_pb2.ListTransfersRequest(), metadata=as_caller(D003))
    assert [t.transfer_number for t in listed.transfers] == [second.transfer_number]
    no_differences(db)


# --- Parts ----------------------------------------------------------------------------------------


def parts(method: Any, who: Principal, location: str, quantity: int, part: str = "OIL-5W30") -> Any:
    request = inventory_pb2.PartMovementRequest(
        location_code=location, part_number=part, quantity=quantity, reference="RO-1", description="Engine oil 5W-30"
    )
    return method(request, metadata=as_caller(who))


def test_a_station_holds_and_fits_parts_and_no_balance_goes_negative(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    with db.unit_of_work() as uow:
        uow.session.merge(PartRow(part_number="OIL-5W30", description="Engine oil 5W-30", reorder_point=3))
        uow.commit()
    parts(stub.ReceiveParts, S001, "S001", 5)
    held = parts(stub.ReserveParts, S001, "S001", 2)

    too_many = rpc_error(
        stub.ReserveParts,
        inventory_pb2.PartMovementRequest(location_code="S001", part_number="OIL-5W30", quantity=4),
        S001,
    )
    fitted = parts(stub.IssueParts, S001, "S001", 3)
    elsewhere = rpc_error(
        stub.ReceiveParts,
        inventory_pb2.PartMovementRequest(location_code="S002", part_number="OIL-5W30", quantity=1),
        S001,
    )

    assert (held.on_hand, held.reserved, held.available) == (5, 2, 3)
    assert too_many.code() is grpc.StatusCode.FAILED_PRECONDITION and "only 3" in (too_many.details() or "")
    assert (fitted.on_hand, fitted.reserved, fitted.available) == (2, 0, 2)
    assert elsewhere.code() is grpc.StatusCode.NOT_FOUND
    [low] = events(db, stock.STOCK_LOW)
    assert (low["item"], low["part_number"], low["available"], low["threshold"]) == ("part", "OIL-5W30", 2, 3)
    no_differences(db)


def test_a_station_sees_a_parts_availability_at_home_and_at_the_nearest_stations_of_its_region(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    for location, quantity in (("S002", 4), ("S004", 1), ("S003", 9), ("WH-EAST", 50)):
        parts(stub.ReceiveParts, HQ, location, quantity, "BRK-PAD-F")

    found = stub.GetPartAvailability(
        inventory_pb2.GetPartAvailabilityRequest(part_number="brk-pad-f", location_code="S003"),
        metadata=as_caller(S001),
    )

    assert found.own.location_code == "S001" and found.own.available == 0
    assert [(at.location_code, at.available) for at in found.nearby] == [("S004", 1), ("WH-EAST", 50), ("S002", 4)]
    assert all(at.region == "EAST" for at in found.nearby)
    assert 0 < found.nearby[0].distance_km < found.nearby[-1].distance_km


# --- Views by role --------------------------------------------------------------------------------


def test_each_view_shows_each_role_only_its_own(db: Database, stub: inventory_pb2_grpc.InventoryServiceStub) -> None:
    mine, theirs, pool = receive(db, 40, "D001"), receive(db, 41, "D002"), receive(db, 42, "POOL")
    stub.ReserveVehicle(inventory_pb2.ReserveVehicleRequest(vin=theirs, customer_id=CUSTOMER), metadata=as_caller(D002))
    free_there = receive(db, 43, "D002")

    own = stub.ListVehicles(inventory_pb2.ListVehiclesRequest(), metadata=as_caller(D001))
    network = stub.SearchNetworkStock(inventory_pb2.SearchNetworkStockRequest(), metadata=as_caller(D001))
    east = stub.SearchNetworkStock(inventory_pb2.SearchNetworkStockRequest(region="NORTH"), metadata=as_caller(D001))
    station_cars = stub.ListVehicles(inventory_pb2.ListVehiclesRequest(), metadata=as_caller(S001))
    their_ledger = stub.ListMovements(
        inventory_pb2.ListMovementsRequest(location_code="D002"), metadata=as_caller(D001)
    )
    everything = stub.ListVehicles(inventory_pb2.ListVehiclesRequest(), metadata=as_caller(HQ))

    assert [v.vin for v in own.vehicles] == [mine]
    assert sorted(v.vin for v in network.vehicles) == sorted([pool, free_there])
    assert {v.location_code: v.location_name for v in network.vehicles} == {
        "POOL": "Maker's pool",
        "D002": "Riverside Autos",
    }
    assert list(east.vehicles) == []
    assert list(station_cars.vehicles) == [] and list(their_ledger.movements) == []
    assert len(everything.vehicles) == 4
    for who, vin in ((D001, theirs), (S001, mine)):
        assert (
            rpc_error(stub.GetVehicle, inventory_pb2.GetVehicleRequest(vin=vin), who).code()
            is grpc.StatusCode.NOT_FOUND
        )
    for who in (D001, S001):
        summary = rpc_error(stub.GetStockSummary, inventory_pb2.GetStockSummaryRequest(group_by="region"), who)
        assert summary.code() is grpc.StatusCode.FAILED_PRECONDITION
    search = rpc_error(stub.SearchNetworkStock, inventory_pb2.SearchNetworkStockRequest(), S001)
    assert search.code() is grpc.StatusCode.FAILED_PRECONDITION


def test_headquarters_sees_stock_by_region_location_and_model_with_age_and_days_of_supply(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    for serial, (location, model, days) in enumerate(
        [("D001", "AUR", 100), ("D001", "AUR", 10), ("D002", "TER", 20), ("D003", "AUR", 0), ("POOL", "VLT", 5)],
        start=50,
    ):
        receive(db, serial, location, model, days_ago=days)
    sold = [receive(db, serial, "D001", "AUR", days_ago=40) for serial in (60, 61, 62)]
    for vin in sold:
        stub.SellVehicle(inventory_pb2.SellVehicleRequest(vin=vin, customer_id=CUSTOMER), metadata=as_caller(D001))

    before = stub.GetStockSummary(inventory_pb2.GetStockSummaryRequest(group_by="region"), metadata=as_caller(HQ))
    with db.unit_of_work() as uow:
        stock.refresh_stock_summary(uow)
        uow.commit()
    by_region = stub.GetStockSummary(inventory_pb2.GetStockSummaryRequest(group_by="region"), metadata=as_caller(HQ))
    by_location = stub.GetStockSummary(
        inventory_pb2.GetStockSummaryRequest(group_by="location", region="EAST"), metadata=as_caller(HQ)
    )
    by_model = stub.GetStockSummary(inventory_pb2.GetStockSummaryRequest(group_by="model"), metadata=as_caller(HQ))

    assert (list(before.rows), before.as_of) == ([], "")
    assert by_region.as_of
    regions = {row.key: row for row in by_region.rows}
    assert sorted(regions) == ["", "EAST", "NORTH"]
    east = regions["EAST"]
    assert (east.on_hand, east.available, east.sold_last_30_days, east.aged) == (3, 3, 3, 1)
    assert east.days_of_supply == pytest.approx(3 / (3 / 30))
    assert east.oldest_age_days == 100 and east.average_age_days == pytest.approx((100 + 10 + 20) / 3, abs=0.1)
    assert regions["NORTH"].days_of_supply == -1
    assert [(row.key, row.name, row.on_hand) for row in by_location.rows] == [
        ("D001", "Harbour Motors", 2),
        ("D002", "Riverside Autos", 1),
    ]
    assert {row.key: row.on_hand for row in by_model.rows} == {"AUR": 3, "TER": 1, "VLT": 1}
    assert by_model.total.on_hand == 5 and by_region.aged_after_days == 90
    bad = rpc_error(stub.GetStockSummary, inventory_pb2.GetStockSummaryRequest(group_by="colour"), HQ)
    assert bad.code() is grpc.StatusCode.INVALID_ARGUMENT and "group_by" in (bad.details() or "")


def test_aged_stock_is_announced_once_per_car(db: Database) -> None:
    old = receive(db, 70, "D001", days_ago=120)
    receive(db, 71, "D001", days_ago=30)

    with db.unit_of_work() as uow:
        first = stock.alert_aged_stock(uow)
        uow.commit()
    with db.unit_of_work() as uow:
        second = stock.alert_aged_stock(uow)
        uow.commit()

    assert (first, second) == (1, 0)
    [alert] = events(db, stock.STOCK_AGED)
    assert alert["vin"] == old and alert["age_days"] == 120 and alert["location_code"] == "D001"


# --- Cars from the plant, through the order service's events --------------------------------------


def test_a_built_car_is_in_the_pool_in_transit_from_shipment_and_the_dealers_from_arrival(db: Database) -> None:
    vin = make_vin(80)
    shipped = domain.ShippedVehicle.from_event(
        {"order_number": "D001-000080", "dealer_code": "D001", "vin": vin, "model_code": "AUR",
         "trim_code": "SPORT", "colour_code": "RED"}
    )  # fmt: skip
    arrival = domain.ArrivedVehicle("D001-000080", "D001", vin, dt.datetime.now(dt.UTC), "AUR", "SPORT", "RED")
    with db.unit_of_work() as uow:
        stock.ship_from_plant(uow, shipped)
        stock.ship_from_plant(uow, shipped)
        uow.commit()
    with db.unit_of_work() as uow:
        on_the_way = uow.session.get(StockVehicleRow, vin)
        assert on_the_way is not None
        assert (on_the_way.location_code, on_the_way.status, on_the_way.reserved_for_dealer) == (
            "POOL",
            "in_transit",
            "D001",
        )
    with db.unit_of_work() as uow:
        stock.receive_at_dealer(uow, arrival)
        uow.commit()
    with db.unit_of_work() as uow:
        row = uow.session.get(StockVehicleRow, vin)
        kinds = uow.session.execute(
            select(MovementRow.kind, MovementRow.location_code).where(MovementRow.vin == vin).order_by(MovementRow.seq)
        ).all()
    assert row is not None and (row.location_code, row.status) == ("D001", "available")
    assert [tuple(k) for k in kinds] == [("receipt", "POOL"), ("dispatch", "POOL"), ("receipt", "D001")]
    no_differences(db)


# --- Reconciliation -------------------------------------------------------------------------------


def test_the_reconciliation_command_finds_a_balance_edited_by_hand(db: Database) -> None:
    vin = receive(db, 90, "D001")
    env = os.environ | {"DEALERNET_DATABASE_PREFIX": os.environ["DEALERNET_DATABASE_PREFIX"]}
    command = [str(BIN / "python"), "-m", "inventory_service.reconcile"]

    clean = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE stock_vehicles SET status = 'reserved' WHERE vin = :vin"), {"vin": vin})
    edited = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)

    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 differences" in clean.stdout
    assert edited.returncode == 1
    assert f"vin {vin} at D001" in edited.stdout and "1 differences" in edited.stdout


def test_an_order_withdrawn_before_it_was_answered_holds_no_car(db: Database) -> None:
    receive(db, 95, "POOL", "AUR")
    placed = domain.OrderedVehicle("D001-000095", "D001", "AUR", "SPORT", "RED")
    withdrawn = domain.WithdrawnOrder("D001-000095", "D001")

    with db.unit_of_work() as uow:
        stock.release_for_withdrawn_order(uow, withdrawn)
        uow.commit()
    with db.unit_of_work() as uow:
        answer = stock.reserve_for_order(uow, placed)
        uow.commit()

    assert answer.outcome == "withdrawn" and answer.vin is None
    with db.unit_of_work() as uow:
        held = uow.session.scalars(select(StockVehicleRow).where(StockVehicleRow.status != "available")).all()
    assert held == []
    assert events(db, domain.VEHICLE_RESERVED) == []


def test_an_order_withdrawn_after_it_was_answered_gives_its_car_back(db: Database) -> None:
    vin = receive(db, 96, "POOL", "AUR")
    placed = domain.OrderedVehicle("D001-000096", "D001", "AUR", "SPORT", "RED")

    with db.unit_of_work() as uow:
        assert stock.reserve_for_order(uow, placed).vin == vin
        uow.commit()
    with db.unit_of_work() as uow:
        [released] = stock.release_for_withdrawn_order(uow, domain.WithdrawnOrder("D001-000096", "D001"))
        uow.commit()

    assert released.status == "available" and released.reserved_for_order is None
    no_differences(db)


def test_cars_of_a_merged_customer_name_the_survivor(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    merged, survivor = str(uuid.uuid4()), str(uuid.uuid4())
    held, sold = receive(db, 97, "D001"), receive(db, 98, "D001")
    stub.ReserveVehicle(inventory_pb2.ReserveVehicleRequest(vin=held, customer_id=merged), metadata=as_caller(D001))
    stub.SellVehicle(inventory_pb2.SellVehicleRequest(vin=sold, customer_id=merged), metadata=as_caller(D001))

    with db.unit_of_work() as uow:
        assert stock.repoint_customer(uow, merged, survivor) == 2
        uow.commit()

    cars = {v.vin: v for v in stub.ListVehicles(inventory_pb2.ListVehiclesRequest(), metadata=as_caller(D001)).vehicles}
    assert cars[held].reserved_for_customer == survivor and cars[sold].sold_to_customer == survivor
    no_differences(db)


def test_a_customer_hold_lapses_unsold_and_the_car_goes_back_on_sale(
    db: Database, stub: inventory_pb2_grpc.InventoryServiceStub
) -> None:
    lapsing, kept = receive(db, 99, "D001"), receive(db, 100, "D001")
    for vin in (lapsing, kept):
        held = stub.ReserveVehicle(
            inventory_pb2.ReserveVehicleRequest(vin=vin, customer_id=CUSTOMER), metadata=as_caller(D001)
        )
        assert dt.datetime.fromisoformat(held.held_until) > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE stock_vehicles SET held_until = now() - interval '1 minute' WHERE vin = :vin"),
            {"vin": lapsing},
        )

    with db.unit_of_work() as uow:
        assert stock.release_lapsed_holds(uow) == 1
        uow.commit()

    cars = {v.vin: v for v in stub.ListVehicles(inventory_pb2.ListVehiclesRequest(), metadata=as_caller(D001)).vehicles}
    assert (cars[lapsing].status, cars[lapsing].held_until, cars[lapsing].reserved_for_customer) == (
        "available",
        "",
        "",
    )
    assert cars[kept].status == "reserved"
    [released] = events(db, stock.VEHICLE_RELEASED)
    assert (released["vin"], released["reason"], released["held_for_dealer"]) == (lapsing, "hold lapsed", "D001")
    no_differences(db)
