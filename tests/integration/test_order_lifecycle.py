"""The order lifecycle against the real order database, through the real gRPC servicer in-process,
and through the real gateway routes in front of it."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from dealernet.v1 import order_pb2, order_pb2_grpc
from order_service import domain, orders, tracking
from order_service.grpc_api import OrderServicer
from order_service.models import (
    AlertRow,
    CatalogueColourRow,
    CatalogueModelRow,
    CatalogueOptionRow,
    CatalogueOptionTrimRow,
    CatalogueTrimRow,
    DealerQuotaRow,
    ParkedPlantEventRow,
    TimelineEntryRow,
    VehicleOrderRow,
    tables,
)
from plumbing.db import Database
from plumbing.grpc_support import FIELD_VIOLATIONS_KEY
from plumbing.principal import GRPC_METADATA_KEY, AccountRole, Principal, Role
from plumbing.vin import vin_problem
from tests import processes
from tests.gateway_client import bearer, gateway_calling

pytestmark = pytest.mark.integration

DEALER_A = Principal(subject="sales@D1001", role=Role.DEALER, org_code="D1001", region="EAST")
DEALER_B = Principal(subject="sales@D2002", role=Role.DEALER, org_code="D2002", region="EAST")
STATION = Principal(subject="advisor@S3003", role=Role.STATION, org_code="S3003", region="EAST")
HQ = Principal(subject="allocation@hq", role=Role.HQ)

STOCK_VIN = "LDN2A4C19R0000001"
CUSTOMER_ID = "6f1c1a52-52c4-4a53-9a7b-3cb0f0c6a7a1"
EARLY_EVENT_ID = "0b0f7c1e-8a2b-4a59-9a9e-2f1d3c7b5e10"

AUR_PRICES = {"LX": 1_890_000, "EX": 2_150_000, "SPORT": 2_490_000}
SUNROOF, TOWBAR = 120_000, 45_000


def next_week() -> str:
    return domain.iso_week_of(dt.date.today() + dt.timedelta(days=7))


def this_month() -> str:
    return domain.allocation_month(dt.datetime.now(dt.UTC).date())


def seed_catalogue(db: Database) -> None:
    with db.unit_of_work() as uow:
        session = uow.session
        session.add(CatalogueModelRow(code="AUR", name="Aurora sedan"))
        session.flush()
        session.add_all(
            CatalogueTrimRow(model_code="AUR", code=code, name=code, list_price_minor=price, currency="EUR")
            for code, price in AUR_PRICES.items()
        )
        session.add_all(
            CatalogueColourRow(model_code="AUR", code=code, name=name)
            for code, name in (("WHT", "Pearl White"), ("BLK", "Onyx Black"), ("RED", "Flame Red"))
        )
        session.add_all(
            [
                CatalogueOptionRow(model_code="AUR", code="SUNROOF", name="Sunroof", list_price_minor=SUNROOF),
                CatalogueOptionRow(model_code="AUR", code="TOWBAR", name="Tow bar", list_price_minor=TOWBAR),
            ]
        )
        session.flush()
        session.add_all(
            CatalogueOptionTrimRow(model_code="AUR", option_code=option, trim_code=trim)
            for option, trims in (("SUNROOF", ("EX", "SPORT")), ("TOWBAR", ("LX", "EX", "SPORT")))
            for trim in trims
        )
        uow.commit()


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("order", fresh_database("order"), tables, pool_size=10)
    seed_catalogue(db)
    yield db
    db.engine.dispose()


@pytest.fixture
def db(database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.delenv(orders.LARGE_ORDER_VEHICLES_ENV, raising=False)
    monkeypatch.delenv(orders.LARGE_ORDER_VALUE_ENV, raising=False)
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE vehicle_timeline, parked_plant_events, alerts, order_requests, vehicle_orders, "
                "dealer_quotas, outbox, processed_messages"
            )
        )
        conn.execute(text("UPDATE catalogue_trims SET list_price_minor = 2490000 WHERE code = 'SPORT'"))
    return database


def serve_in_process(servicer: OrderServicer) -> tuple[grpc.Server, int]:
    return processes.serve_in_process(order_pb2_grpc.add_OrderServiceServicer_to_server, servicer)


@pytest.fixture
def stub(db: Database) -> Iterator[order_pb2_grpc.OrderServiceStub]:
    server, port = serve_in_process(OrderServicer(db))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield order_pb2_grpc.OrderServiceStub(channel)
    finally:
        channel.close()
        server.stop(grace=None)


def as_caller(principal: Principal) -> tuple[tuple[str, str], ...]:
    return ((GRPC_METADATA_KEY, principal.to_json()),)


def rpc(method: Any, request: Any, principal: Principal) -> Any:
    return method(request, metadata=as_caller(principal), timeout=10)


def rpc_error(method: Any, request: Any, principal: Principal) -> grpc.Call:
    with pytest.raises(grpc.RpcError) as exc:
        rpc(method, request, principal)
    error = exc.value
    assert isinstance(error, grpc.Call)
    return error


def violations(error: grpc.Call) -> list[dict[str, str]]:
    trailing = dict(error.trailing_metadata() or ())
    found: list[dict[str, str]] = json.loads(trailing[FIELD_VIOLATIONS_KEY])
    return found


def place_request(**changes: Any) -> order_pb2.PlaceOrderRequest:
    values: dict[str, Any] = {"model_code": "AUR", "trim_code": "SPORT", "colour_code": "RED", "quantity": 1}
    values.update(changes)
    return order_pb2.PlaceOrderRequest(**values)


def place(stub: order_pb2_grpc.OrderServiceStub, principal: Principal = DEALER_A, **changes: Any) -> list[Any]:
    return list(rpc(stub.PlaceOrder, place_request(**changes), principal).orders)


def count(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def events(db: Database, event_type: str | None = None) -> list[dict[str, Any]]:
    outbox = tables.outbox
    query = select(outbox.c.payload).order_by(outbox.c.seq)
    if event_type:
        query = query.where(outbox.c.event_type == event_type)
    with db.engine.connect() as conn:
        return [row.payload for row in conn.execute(query)]


def set_quota(db: Database, dealer_code: str, vehicles: int, month: str | None = None) -> None:
    with db.unit_of_work() as uow:
        uow.session.merge(DealerQuotaRow(dealer_code=dealer_code, month=month or this_month(), vehicles=vehicles))
        uow.commit()


def answer_from_inventory(db: Database, order_number: str, vin: str | None = None) -> None:
    with db.unit_of_work() as uow:
        orders.record_supply(uow, order_number, vin)
        uow.commit()


def stored(db: Database, order_number: str) -> VehicleOrderRow:
    with db.unit_of_work() as uow:
        return uow.session.get_one(VehicleOrderRow, order_number)


def force_status(db: Database, order_number: str, status: str, stage: str) -> None:
    """Stand in for the plant feed, which moves scheduled cars along the line."""
    with db.engine.begin() as conn:
        conn.execute(
            update(VehicleOrderRow)
            .where(VehicleOrderRow.order_number == order_number)
            .values(status=status, stage=stage)
        )


def approved_order(db: Database, stub: order_pb2_grpc.OrderServiceStub, **changes: Any) -> str:
    set_quota(db, "D1001", 100)
    [order] = place(stub, **changes)
    answer_from_inventory(db, order.order_number)
    rpc(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=order.order_number), HQ)
    return str(order.order_number)


def scheduled_order(db: Database, stub: order_pb2_grpc.OrderServiceStub, plant_code: str = "SH1") -> Any:
    number = approved_order(db, stub)
    request = order_pb2.ScheduleOrderRequest(order_number=number, plant_code=plant_code, week=next_week())
    return rpc(stub.ScheduleOrder, request, HQ)


# --- The catalogue and placing -------------------------------------------------------------


def test_catalogue_lists_options_with_the_trims_offering_them(stub: order_pb2_grpc.OrderServiceStub) -> None:
    [aurora] = rpc(stub.GetCatalogue, order_pb2.GetCatalogueRequest(), DEALER_A).models

    options = {o.code: (o.list_price_minor, list(o.trim_codes)) for o in aurora.options}
    assert options == {"SUNROOF": (SUNROOF, ["EX", "SPORT"]), "TOWBAR": (TOWBAR, ["LX", "EX", "SPORT"])}


def test_price_is_the_trims_plus_the_options_from_the_catalogue(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    [order] = place(stub, option_codes=["TOWBAR", "SUNROOF"])

    assert order.list_price_minor == AUR_PRICES["SPORT"] + SUNROOF + TOWBAR
    assert list(order.option_codes) == ["SUNROOF", "TOWBAR"]
    assert stored(db, order.order_number).option_codes == ["SUNROOF", "TOWBAR"]
    [placed] = events(db, "order.placed")
    assert placed["data"]["option_codes"] == ["SUNROOF", "TOWBAR"]


def test_option_not_offered_on_the_trim_is_invalid_argument_naming_option_and_trim(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    error = rpc_error(stub.PlaceOrder, place_request(trim_code="LX", option_codes=["SUNROOF"]), DEALER_A)

    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    [violation] = violations(error)
    assert violation["field"] == "option_codes"
    assert "SUNROOF" in violation["message"] and "LX trim of AUR" in violation["message"]
    assert count(db, "vehicle_orders") == 0


@pytest.mark.parametrize("quantity", [0, -3, 51, 1_000_000])
def test_quantity_outside_one_to_fifty_is_invalid_argument_naming_quantity(
    stub: order_pb2_grpc.OrderServiceStub, quantity: int
) -> None:
    error = rpc_error(stub.PlaceOrder, place_request(quantity=quantity), DEALER_A)

    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert [v["field"] for v in violations(error)] == ["quantity"]


def test_catalogue_answer_is_kept_a_few_seconds_but_orders_are_priced_on_fresh_data(db: Database) -> None:
    now = [1000.0]
    server, port = serve_in_process(OrderServicer(db, catalogue_ttl_seconds=5.0, clock=lambda: now[0]))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = order_pb2_grpc.OrderServiceStub(channel)

    def sport_price() -> int:
        [model] = rpc(stub.GetCatalogue, order_pb2.GetCatalogueRequest(), DEALER_A).models
        return int(next(t.list_price_minor for t in model.trims if t.code == "SPORT"))

    try:
        assert sport_price() == AUR_PRICES["SPORT"]
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE catalogue_trims SET list_price_minor = 2600000 WHERE code = 'SPORT'"))
        now[0] += 4.9
        assert sport_price() == AUR_PRICES["SPORT"]
        [order] = place(stub)
        assert order.list_price_minor == 2_600_000
        now[0] += 0.2
        assert sport_price() == 2_600_000
    finally:
        channel.close()
        server.stop(grace=None)


# --- Idempotent placing ----------------------------------------------------------------------


def test_a_retried_request_returns_the_first_orders_and_creates_nothing_more(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    request = place_request(quantity=2, idempotency_key="a1b2-retry")

    first = rpc(stub.PlaceOrder, request, DEALER_A)
    again = rpc(stub.PlaceOrder, request, DEALER_A)

    assert first.replayed is False and again.replayed is True
    assert [o.order_number for o in again.orders] == [o.order_number for o in first.orders]
    assert count(db, "vehicle_orders") == 2
    assert len(events(db, "order.placed")) == 2


def test_a_retry_after_the_colour_was_withdrawn_still_gets_its_order(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO catalogue_colours (model_code, code, name) VALUES ('AUR', 'TEAL', 'Teal')"))
    request = place_request(colour_code="TEAL", idempotency_key="before-the-change")
    first = rpc(stub.PlaceOrder, request, DEALER_A)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM catalogue_colours WHERE model_code = 'AUR' AND code = 'TEAL'"))

    again = rpc(stub.PlaceOrder, request, DEALER_A)
    refused = rpc_error(stub.PlaceOrder, place_request(colour_code="TEAL", idempotency_key="after"), DEALER_A)

    assert again.replayed is True
    assert [o.order_number for o in again.orders] == [o.order_number for o in first.orders]
    assert refused.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert count(db, "vehicle_orders") == 1


def test_options_in_another_order_are_the_same_request(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    first = rpc(stub.PlaceOrder, place_request(option_codes=["TOWBAR", "SUNROOF"], idempotency_key="k-1"), DEALER_A)
    again = rpc(stub.PlaceOrder, place_request(option_codes=["SUNROOF", "TOWBAR"], idempotency_key="k-1"), DEALER_A)

    assert again.replayed is True
    assert again.orders[0].order_number == first.orders[0].order_number


def test_the_same_key_with_another_body_is_refused_naming_the_key(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    rpc(stub.PlaceOrder, place_request(idempotency_key="k-2"), DEALER_A)

    error = rpc_error(stub.PlaceOrder, place_request(quantity=3, idempotency_key="k-2"), DEALER_A)

    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "idempotency_key 'k-2'" in (error.details() or "")
    assert count(db, "vehicle_orders") == 1


def test_keys_belong_to_their_dealer(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    mine = place(stub, DEALER_A, idempotency_key="shared-key")
    theirs = place(stub, DEALER_B, idempotency_key="shared-key")

    assert mine[0].order_number != theirs[0].order_number
    assert theirs[0].dealer_code == "D2002"


def test_a_refused_request_does_not_use_up_its_key(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    rpc_error(stub.PlaceOrder, place_request(colour_code="PINK", idempotency_key="k-3"), DEALER_A)

    [order] = place(stub, colour_code="WHT", idempotency_key="k-3")

    assert order.colour_code == "WHT"


def _wait_until_a_placement_waits_on_a_lock(db: Database) -> None:
    deadline = time.monotonic() + 10
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO order_requests%'"
                )
            ).scalar_one()
            if waiting:
                return
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError("the retried request never waited for the first")


def test_a_retry_arriving_while_the_first_request_is_still_working_gets_its_orders(db: Database) -> None:
    line = domain.OrderLine("AUR", "SPORT", "RED", quantity=2)
    today = dt.date.today()
    with db.unit_of_work() as first_uow, futures.ThreadPoolExecutor(max_workers=1) as pool:
        first = orders.place_order(first_uow, DEALER_A, line, today, idempotency_key="slow-network")
        first_numbers = [row.order_number for row in first.orders]

        def retry() -> list[str]:
            with db.unit_of_work() as uow:
                result = orders.place_order(uow, DEALER_A, line, today, idempotency_key="slow-network")
                uow.commit()
                assert result.replayed
                return [row.order_number for row in result.orders]

        pending = pool.submit(retry)
        _wait_until_a_placement_waits_on_a_lock(db)
        first_uow.commit()
        retried = pending.result(timeout=10)

    assert retried == first_numbers
    assert count(db, "vehicle_orders") == 2
    assert len(events(db, "order.placed")) == 2


def test_concurrent_retries_through_grpc_make_one_order(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    request = place_request(quantity=3, idempotency_key="double-click")
    start = threading.Barrier(6)

    def send() -> list[str]:
        start.wait()
        return [o.order_number for o in rpc(stub.PlaceOrder, request, DEALER_A).orders]

    with futures.ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: send(), range(6)))

    assert all(answer == answers[0] for answer in answers)
    assert count(db, "vehicle_orders") == 3
    assert len(events(db, "order.placed")) == 3


# --- Large orders ----------------------------------------------------------------------------


def test_a_large_order_raises_an_alert_and_an_event_hq_sees(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    placed = place(stub, quantity=11, idempotency_key="fleet")
    place(stub, quantity=11, idempotency_key="fleet")

    with db.unit_of_work() as uow:
        [alert] = uow.session.scalars(select(AlertRow)).all()
    assert (alert.kind, alert.order_number, alert.dealer_code) == ("large_order", placed[0].order_number, "D1001")
    assert "more than 10 vehicles" in alert.detail
    [event] = events(db, "order.large_order_placed")
    assert event["data"]["order_numbers"] == [o.order_number for o in placed]
    assert event["data"]["vehicles"] == 11
    assert event["data"]["value_minor"] == 11 * AUR_PRICES["SPORT"]
    assert event["data"]["currency"] == "EUR"

    listed = rpc(stub.ListAlerts, order_pb2.ListAlertsRequest(), HQ)
    assert [(a.kind, a.order_number) for a in listed.alerts] == [("large_order", placed[0].order_number)]
    operations = Principal(subject="ops", role=Role.OPS)
    assert [a.order_number for a in rpc(stub.ListAlerts, order_pb2.ListAlertsRequest(), operations).alerts] == [
        placed[0].order_number
    ]
    error = rpc_error(stub.ListAlerts, order_pb2.ListAlertsRequest(), DEALER_A)
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION


def test_large_order_limits_come_from_the_environment(
    db: Database, stub: order_pb2_grpc.OrderServiceStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    place(stub, quantity=3)
    assert count(db, "alerts") == 0

    monkeypatch.setenv(orders.LARGE_ORDER_VALUE_ENV, str(2 * AUR_PRICES["SPORT"]))
    place(stub, quantity=3)

    assert count(db, "alerts") == 1
    [event] = events(db, "order.large_order_placed")
    assert "worth more than" in event["data"]["reason"]


# --- Amending and cancelling inside and outside the change window ------------------------------


def test_amending_a_submitted_order_reprices_it_from_the_catalogue(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    [order] = place(stub, option_codes=["TOWBAR"])
    answer_from_inventory(db, order.order_number)

    request = order_pb2.AmendOrderRequest(
        order_number=order.order_number, colour_code="BLK", options=order_pb2.OptionSelection(codes=["SUNROOF"])
    )
    amended = rpc(stub.AmendOrder, request, DEALER_A)

    assert (amended.colour_code, list(amended.option_codes)) == ("BLK", ["SUNROOF"])
    assert amended.list_price_minor == AUR_PRICES["SPORT"] + SUNROOF
    assert amended.status == "submitted"
    [event] = events(db, "order.amended")
    assert event["data"]["colour_code"] == "BLK" and event["data"]["option_codes"] == ["SUNROOF"]


def test_amending_an_approved_order_sends_it_back_for_review_and_frees_its_quota(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    number = approved_order(db, stub)

    amended = rpc(stub.AmendOrder, order_pb2.AmendOrderRequest(order_number=number, wanted_week=next_week()), DEALER_A)

    assert (amended.status, amended.wanted_week, amended.allocation_month) == ("submitted", next_week(), "")


def test_an_amendment_the_catalogue_refuses_changes_nothing(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    [order] = place(stub)
    answer_from_inventory(db, order.order_number)

    request = order_pb2.AmendOrderRequest(
        order_number=order.order_number, options=order_pb2.OptionSelection(codes=["TOWBAR", "TOWBAR"])
    )
    error = rpc_error(stub.AmendOrder, request, DEALER_A)

    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert [v["field"] for v in violations(error)] == ["option_codes"]
    assert stored(db, order.order_number).option_codes == []
    assert events(db, "order.amended") == []


def test_amending_or_cancelling_a_scheduled_car_is_refused_naming_plant_and_week(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    scheduled = scheduled_order(db, stub)
    number = scheduled.order_number
    locked = f"{number} is locked into plant SH1's schedule for {next_week()}"

    amend = rpc_error(stub.AmendOrder, order_pb2.AmendOrderRequest(order_number=number, colour_code="BLK"), DEALER_A)
    cancel = rpc_error(stub.CancelOrder, order_pb2.CancelOrderRequest(order_number=number, reason="x"), DEALER_A)

    for error in (amend, cancel):
        assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
        assert (error.details() or "").startswith(locked)
    row = stored(db, number)
    assert (row.status, row.colour_code, row.vin) == ("scheduled", "RED", scheduled.vin)


def test_cancelling_inside_the_window_records_the_reason(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    number = approved_order(db, stub)

    cancelled = rpc(
        stub.CancelOrder, order_pb2.CancelOrderRequest(order_number=number, reason="Customer withdrew"), DEALER_A
    )

    assert (cancelled.status, cancelled.status_reason, cancelled.allocation_month) == (
        "cancelled",
        "Customer withdrew",
        "",
    )
    [event] = events(db, "order.cancelled")
    assert event["data"] == {
        "order_number": number,
        "dealer_code": "D1001",
        "reason": "Customer withdrew",
        "released_vin": None,
    }


def test_cancelling_a_car_reserved_from_stock_gives_its_vin_back(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    [order] = place(stub)
    answer_from_inventory(db, order.order_number, STOCK_VIN)

    cancelled = rpc(
        stub.CancelOrder, order_pb2.CancelOrderRequest(order_number=order.order_number, reason="x"), DEALER_A
    )

    assert (cancelled.status, cancelled.vin, cancelled.supply) == ("cancelled", "", "reserved_from_stock")
    [event] = events(db, "order.cancelled")
    assert event["data"]["released_vin"] == STOCK_VIN


def test_cancel_without_a_reason_is_invalid_argument(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    [order] = place(stub)

    error = rpc_error(stub.CancelOrder, order_pb2.CancelOrderRequest(order_number=order.order_number), DEALER_A)

    assert [v["field"] for v in violations(error)] == ["reason"]
    assert stored(db, order.order_number).status == "submitted"


# --- Review against the quota --------------------------------------------------------------


def test_approval_is_allocated_against_the_dealers_quota_for_the_month(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    set_quota(db, "D1001", 1)
    first, second = place(stub, quantity=2)

    approved = rpc(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=first.order_number), HQ)
    over = rpc_error(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=second.order_number), HQ)

    assert (approved.status, approved.allocation_month) == ("approved", this_month())
    assert over.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert over.details() == f"D1001's quota for {this_month()} is 1 vehicles and 1 are already allocated"
    assert stored(db, second.order_number).status == "submitted"
    [event] = events(db, "order.approved")
    assert event["data"]["allocation_month"] == this_month()

    rpc(stub.RejectOrder, order_pb2.RejectOrderRequest(order_number=first.order_number, reason="Model run-out"), HQ)
    assert rpc(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=second.order_number), HQ).status == (
        "approved"
    )


@pytest.mark.parametrize("role", [AccountRole.HQ_ANALYST, AccountRole.HQ_ENGINEER])
def test_an_hq_role_that_does_not_decide_is_refused_by_the_service_too(
    db: Database, stub: order_pb2_grpc.OrderServiceStub, role: AccountRole
) -> None:
    """A caller that reaches the service without the gateway meets the gateway's rule here."""
    set_quota(db, "D1001", 5)
    [order] = place(stub)
    reader = Principal.for_account("reader@hq", role)

    refusals = [
        rpc_error(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=order.order_number), reader),
        rpc_error(stub.RejectOrder, order_pb2.RejectOrderRequest(order_number=order.order_number, reason="x"), reader),
    ]

    assert [(r.code(), r.details()) for r in refusals] == [
        (grpc.StatusCode.FAILED_PRECONDITION, "only an HQ admin approves orders"),
        (grpc.StatusCode.FAILED_PRECONDITION, "only an HQ admin rejects orders"),
    ]
    assert stored(db, order.order_number).status == "submitted"


def test_approval_without_a_quota_for_the_month_is_refused(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    [order] = place(stub)
    set_quota(db, "D1001", 5, month="1999-01")

    error = rpc_error(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=order.order_number), HQ)

    assert error.details() == f"D1001 has no vehicle quota for {this_month()}; headquarters sets one before approving"


def test_rejection_needs_a_reason_and_records_it(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    [order] = place(stub)
    number = order.order_number

    missing = rpc_error(stub.RejectOrder, order_pb2.RejectOrderRequest(order_number=number, reason=" "), HQ)
    rejected = rpc(stub.RejectOrder, order_pb2.RejectOrderRequest(order_number=number, reason="No allocation"), HQ)

    assert [v["field"] for v in violations(missing)] == ["reason"]
    assert (rejected.status, rejected.status_reason) == ("rejected", "No allocation")
    [event] = events(db, "order.rejected")
    assert event["data"]["reason"] == "No allocation"
    again = rpc_error(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=number), HQ)
    assert again.details() == f"{number} was rejected; it can no longer be approved"


def test_approving_a_car_reserved_from_stock_releases_it(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    set_quota(db, "D1001", 5)
    [order] = place(stub)
    answer_from_inventory(db, order.order_number, STOCK_VIN)

    approved = rpc(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=order.order_number), HQ)

    assert (approved.status, approved.stage, approved.vin) == ("released", "quality_release", STOCK_VIN)


def test_the_inventorys_answer_after_approval_still_applies(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    set_quota(db, "D1001", 5)
    stock_car, built_car = place(stub, quantity=2)
    for order in (stock_car, built_car):
        rpc(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=order.order_number), HQ)

    answer_from_inventory(db, stock_car.order_number, STOCK_VIN)
    answer_from_inventory(db, built_car.order_number, None)

    released, approved = stored(db, stock_car.order_number), stored(db, built_car.order_number)
    assert (released.status, released.stage, released.vin) == ("released", "quality_release", STOCK_VIN)
    assert (approved.status, approved.supply, approved.vin) == ("approved", "to_be_built", None)


def test_a_reservation_for_a_cancelled_order_keeps_no_vin(db: Database, stub: order_pb2_grpc.OrderServiceStub) -> None:
    [order] = place(stub)
    rpc(stub.CancelOrder, order_pb2.CancelOrderRequest(order_number=order.order_number, reason="x"), DEALER_A)

    answer_from_inventory(db, order.order_number, STOCK_VIN)

    row = stored(db, order.order_number)
    assert (row.status, row.supply, row.vin) == ("cancelled", "reserved_from_stock", None)


# --- Scheduling --------------------------------------------------------------------------------


def test_scheduling_assigns_a_valid_vin_the_plan_and_announces_it(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    scheduled = scheduled_order(db, stub, plant_code="WH2")

    assert vin_problem(scheduled.vin) is None
    assert scheduled.vin.startswith("LDNAURSP")
    assert scheduled.vin[10] == "W"
    assert (scheduled.status, scheduled.stage, scheduled.plant_code, scheduled.scheduled_week) == (
        "scheduled",
        "scheduled",
        "WH2",
        next_week(),
    )
    planned = tracking.plan_arrival("WH2", next_week()).isoformat()
    assert scheduled.planned_arrival == planned == scheduled.expected_arrival
    [event] = events(db, "order.scheduled")
    assert {
        k: event["data"][k] for k in ("order_number", "vin", "plant_code", "scheduled_week", "planned_arrival")
    } == {
        "order_number": scheduled.order_number,
        "vin": scheduled.vin,
        "plant_code": "WH2",
        "scheduled_week": next_week(),
        "planned_arrival": planned,
    }


def test_scheduled_cars_of_different_orders_get_different_vins(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    vins = {scheduled_order(db, stub).vin for _ in range(3)}

    assert len(vins) == 3 and all(vin_problem(vin) is None for vin in vins)


def test_scheduling_into_an_unknown_plant_or_a_past_week_names_the_fields(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    number = approved_order(db, stub)

    error = rpc_error(
        stub.ScheduleOrder, order_pb2.ScheduleOrderRequest(order_number=number, plant_code="ZZ9", week="2020-W01"), HQ
    )

    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert [v["field"] for v in violations(error)] == ["plant_code", "week"]
    assert stored(db, number).vin is None


def test_scheduling_before_the_inventory_answered_is_refused(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    set_quota(db, "D1001", 5)
    [order] = place(stub)
    rpc(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=order.order_number), HQ)

    request = order_pb2.ScheduleOrderRequest(order_number=order.order_number, plant_code="SH1", week=next_week())
    error = rpc_error(stub.ScheduleOrder, request, HQ)

    assert "still waiting for the inventory's answer" in (error.details() or "")


def test_plant_events_parked_before_the_vin_was_assigned_apply_when_it_is(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    number = approved_order(db, stub)
    week = next_week()
    vin = domain.build_vin(
        domain.PLANTS["SH1"], "AUR", "SPORT", domain.parse_iso_week(week).isocalendar().year, domain.vin_serial(number)
    )
    body_shop = tracking.PlantEvent(
        event_id=EARLY_EVENT_ID,
        vin=vin,
        plant_code="SH1",
        line="L1",
        station="BIW-01",
        code="BIW_IN",
        occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
    )
    with db.unit_of_work() as uow:
        uow.session.add(
            ParkedPlantEventRow(
                event_id=EARLY_EVENT_ID, vin=vin, body=tracking.plant_event_json(body_shop), reason="unknown VIN"
            )
        )
        uow.commit()

    scheduled = rpc(
        stub.ScheduleOrder, order_pb2.ScheduleOrderRequest(order_number=number, plant_code="SH1", week=week), HQ
    )

    assert scheduled.vin == vin
    row = stored(db, number)
    assert (row.status, row.stage) == ("in_production", "body_shop")
    assert count(db, "parked_plant_events") == 0


# --- Arrival, delivery and tracking ------------------------------------------------------------


def test_a_shipped_car_arrives_and_is_delivered_with_its_events(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    scheduled = scheduled_order(db, stub)
    number = scheduled.order_number
    early = rpc_error(stub.ConfirmArrival, order_pb2.ConfirmArrivalRequest(order_number=number), DEALER_A)
    locked = f"{number} is locked into plant SH1's schedule for {next_week()}"
    assert early.details() == f"{locked}; only a shipped car can arrive at the dealer"

    force_status(db, number, "shipped", "shipped")
    arrived = rpc(stub.ConfirmArrival, order_pb2.ConfirmArrivalRequest(order_number=number), DEALER_A)
    bad_customer = rpc_error(
        stub.DeliverVehicle, order_pb2.DeliverVehicleRequest(order_number=number, customer_id="Li Wei"), DEALER_A
    )
    delivered = rpc(
        stub.DeliverVehicle, order_pb2.DeliverVehicleRequest(order_number=number, customer_id=CUSTOMER_ID), DEALER_A
    )

    assert (arrived.status, arrived.stage) == ("arrived", "arrived")
    assert [v["field"] for v in violations(bad_customer)] == ["customer_id"]
    assert (delivered.status, delivered.stage, delivered.customer_id) == ("delivered", "delivered", CUSTOMER_ID)
    [arrival] = events(db, "order.vehicle_arrived")
    assert {k: arrival["data"][k] for k in ("order_number", "dealer_code", "vin", "model_code", "colour_code")} == {
        "order_number": number,
        "dealer_code": "D1001",
        "vin": scheduled.vin,
        "model_code": "AUR",
        "colour_code": "RED",
    }
    [delivery] = events(db, "order.vehicle_delivered")
    assert (delivery["data"]["vin"], delivery["data"]["customer_id"]) == (scheduled.vin, CUSTOMER_ID)
    with db.unit_of_work() as uow:
        stages = uow.session.scalars(
            select(TimelineEntryRow.stage).where(TimelineEntryRow.order_number == number).order_by(TimelineEntryRow.id)
        ).all()
    assert stages == ["scheduled", "arrived", "delivered"]


def test_tracking_by_order_number_or_vin_shows_the_stage_and_the_plan(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    scheduled = scheduled_order(db, stub)

    by_number = rpc(stub.GetTracking, order_pb2.GetTrackingRequest(key=scheduled.order_number), DEALER_A)
    by_vin = rpc(stub.GetTracking, order_pb2.GetTrackingRequest(key=scheduled.vin.lower()), HQ)

    assert by_number == by_vin
    assert (by_number.vin, by_number.status, by_number.stage, by_number.stage_label) == (
        scheduled.vin,
        "scheduled",
        "scheduled",
        "Scheduled",
    )
    assert by_number.planned_arrival == scheduled.planned_arrival
    assert [(item.kind, item.label) for item in by_number.timeline] == [("stage", "Scheduled")]


# --- Role scope ------------------------------------------------------------------------------------


def test_another_dealer_and_a_station_get_not_found_for_every_action_on_an_order(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    number = approved_order(db, stub)
    before = stored(db, number)
    calls = [
        (stub.GetOrder, order_pb2.GetOrderRequest(order_number=number)),
        (stub.AmendOrder, order_pb2.AmendOrderRequest(order_number=number, colour_code="BLK")),
        (stub.CancelOrder, order_pb2.CancelOrderRequest(order_number=number, reason="mine now")),
        (stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=number)),
        (stub.RejectOrder, order_pb2.RejectOrderRequest(order_number=number, reason="x")),
        (stub.ScheduleOrder, order_pb2.ScheduleOrderRequest(order_number=number, plant_code="SH1", week=next_week())),
        (stub.ConfirmArrival, order_pb2.ConfirmArrivalRequest(order_number=number)),
        (stub.DeliverVehicle, order_pb2.DeliverVehicleRequest(order_number=number, customer_id=CUSTOMER_ID)),
        (stub.GetTracking, order_pb2.GetTrackingRequest(key=number)),
    ]

    for outsider in (DEALER_B, STATION):
        for method, request in calls:
            error = rpc_error(method, request, outsider)
            assert error.code() is grpc.StatusCode.NOT_FOUND, (outsider.role, request)
            assert "D1001" not in (error.details() or "")

    after = stored(db, number)
    assert (after.status, after.colour_code, after.vin, after.updated_at) == (
        before.status,
        before.colour_code,
        before.vin,
        before.updated_at,
    )
    assert rpc(stub.ListOrders, order_pb2.ListOrdersRequest(), DEALER_B).orders == []


def test_headquarters_actions_are_refused_to_the_ordering_dealer_and_dealer_actions_to_headquarters(
    db: Database, stub: order_pb2_grpc.OrderServiceStub
) -> None:
    set_quota(db, "D1001", 5)
    [order] = place(stub)
    number = order.order_number
    answer_from_inventory(db, number)

    approve = rpc_error(stub.ApproveOrder, order_pb2.ApproveOrderRequest(order_number=number), DEALER_A)
    reject = rpc_error(stub.RejectOrder, order_pb2.RejectOrderRequest(order_number=number, reason="x"), DEALER_A)
    amend = rpc_error(stub.AmendOrder, order_pb2.AmendOrderRequest(order_number=number, colour_code="BLK"), HQ)
    cancel = rpc_error(stub.CancelOrder, order_pb2.CancelOrderRequest(order_number=number, reason="x"), HQ)

    assert approve.details() == "only headquarters approves orders"
    assert reject.details() == "only headquarters rejects orders"
    assert amend.details() == "only the ordering dealer amends its order"
    assert cancel.details() == "only the ordering dealer cancels its order"
    assert {e.code() for e in (approve, reject, amend, cancel)} == {grpc.StatusCode.FAILED_PRECONDITION}
    assert stored(db, number).status == "submitted"
    assert events(db, "order.approved") == events(db, "order.cancelled") == []


# --- Through the gateway ----------------------------------------------------------------------------


@pytest.fixture
def gateway(db: Database, amqp_uri: str) -> Iterator[TestClient]:
    server, port = serve_in_process(OrderServicer(db))
    try:
        with gateway_calling({"order": port}) as client:
            yield client
    finally:
        server.stop(grace=None)


ORDER_BODY = {"model_code": "AUR", "trim_code": "EX", "colour_code": "WHT", "option_codes": ["SUNROOF"]}


def test_gateway_places_idempotently_and_says_when_it_replays(db: Database, gateway: TestClient) -> None:
    dealer = bearer(gateway, DEALER_A) | {"Idempotency-Key": "gw-1"}

    first = gateway.post("/orders", headers=dealer, json=ORDER_BODY)
    again = gateway.post("/orders", headers=dealer, json=ORDER_BODY)
    other_body = gateway.post("/orders", headers=dealer, json=ORDER_BODY | {"colour_code": "BLK"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    [order] = first.json()["orders"]
    assert order["list_price_minor"] == AUR_PRICES["EX"] + SUNROOF
    assert other_body.status_code == 409
    assert "idempotency_key" in other_body.json()["detail"]
    assert count(db, "vehicle_orders") == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 10**9}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"list_price_minor": 1}, "list_price_minor"),
        ({"option_codes": "SUNROOF"}, "option_codes"),
    ],
)
def test_gateway_refuses_a_bad_quantity_or_a_price_from_the_client_naming_the_field(
    db: Database, gateway: TestClient, change: dict[str, Any], field: str
) -> None:
    reply = gateway.post("/orders", headers=bearer(gateway, DEALER_A), json=ORDER_BODY | change)

    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert count(db, "vehicle_orders") == 0


def test_gateway_names_an_option_not_offered_on_the_trim(gateway: TestClient) -> None:
    reply = gateway.post("/orders", headers=bearer(gateway, DEALER_A), json=ORDER_BODY | {"trim_code": "LX"})

    assert reply.status_code == 422
    [error] = reply.json()["errors"]
    assert error["field"] == "option_codes" and "LX trim of AUR" in error["message"]


def test_gateway_checks_roles_before_the_service_does(db: Database, gateway: TestClient) -> None:
    set_quota(db, "D1001", 5)
    dealer, hq = bearer(gateway, DEALER_A), bearer(gateway, HQ)
    number = gateway.post("/orders", headers=dealer, json=ORDER_BODY).json()["orders"][0]["order_number"]
    answer_from_inventory(db, number)

    assert gateway.post(f"/orders/{number}/approve", headers=dealer).status_code == 403
    assert gateway.post(f"/orders/{number}/reject", headers=dealer, json={"reason": "x"}).status_code == 403
    assert (
        gateway.post(
            f"/orders/{number}/schedule", headers=dealer, json={"plant_code": "SH1", "week": next_week()}
        ).status_code
        == 403
    )
    assert gateway.get("/alerts", headers=dealer).status_code == 403
    assert gateway.patch(f"/orders/{number}", headers=hq, json={"colour_code": "BLK"}).status_code == 403
    assert gateway.post(f"/orders/{number}/cancel", headers=hq, json={"reason": "x"}).status_code == 403
    assert gateway.post(f"/orders/{number}/arrival", headers=hq).status_code == 403
    assert gateway.get(f"/tracking/{number}", headers=bearer(gateway, STATION)).status_code == 403
    assert gateway.get(f"/orders/{number}", headers=bearer(gateway, DEALER_B)).status_code == 404
    assert (
        gateway.patch(f"/orders/{number}", headers=bearer(gateway, DEALER_B), json={"colour_code": "BLK"}).status_code
        == 404
    )
    assert stored(db, number).status == "submitted"


def test_gateway_walks_an_order_from_placing_to_delivery(db: Database, gateway: TestClient) -> None:
    set_quota(db, "D1001", 5)
    dealer, hq = bearer(gateway, DEALER_A), bearer(gateway, HQ)
    number = gateway.post("/orders", headers=dealer, json=ORDER_BODY).json()["orders"][0]["order_number"]
    answer_from_inventory(db, number)

    amended = gateway.patch(f"/orders/{number}", headers=dealer, json={"option_codes": []})
    approved = gateway.post(f"/orders/{number}/approve", headers=hq)
    scheduled = gateway.post(f"/orders/{number}/schedule", headers=hq, json={"plant_code": "SH1", "week": next_week()})
    locked = gateway.post(f"/orders/{number}/cancel", headers=dealer, json={"reason": "changed my mind"})
    tracked = gateway.get(f"/tracking/{scheduled.json()['vin']}", headers=dealer)
    force_status(db, number, "shipped", "shipped")
    arrived = gateway.post(f"/orders/{number}/arrival", headers=dealer)
    delivered = gateway.post(f"/orders/{number}/delivery", headers=dealer, json={"customer_id": CUSTOMER_ID})

    assert (amended.status_code, amended.json()["option_codes"], amended.json()["list_price_minor"]) == (
        200,
        [],
        AUR_PRICES["EX"],
    )
    assert approved.json()["status"] == "approved"
    assert scheduled.json()["status"] == "scheduled" and vin_problem(scheduled.json()["vin"]) is None
    assert locked.status_code == 409
    assert locked.headers["content-type"] == "application/problem+json"
    assert "locked into plant SH1's schedule" in locked.json()["detail"]
    assert tracked.json()["stage_label"] == "Scheduled"
    assert arrived.json()["status"] == "arrived"
    assert delivered.json()["customer_id"] == CUSTOMER_ID
