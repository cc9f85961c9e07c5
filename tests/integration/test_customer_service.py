"""The customer service against its real PostgreSQL database, and its gRPC servicer in-process."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from customer_service import customers
from customer_service.domain import RegistrationForm
from customer_service.grpc_api import CustomerServicer
from customer_service.models import CustomerRow, tables
from dealernet.v1 import customer_pb2, customer_pb2_grpc
from plumbing.db import Database
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.grpc_support import FIELD_VIOLATIONS_KEY, DomainErrorInterceptor
from plumbing.principal import GRPC_METADATA_KEY, Principal, Role

pytestmark = pytest.mark.integration

DEALER_A = Principal(subject="sales@D1001", role=Role.DEALER, org_code="D1001", region="R01")
DEALER_B = Principal(subject="sales@D2002", role=Role.DEALER, org_code="D2002", region="R01")
STATION_A = Principal(subject="advisor@S3003", role=Role.STATION, org_code="S3003", region="R01")
HQ = Principal(subject="master-data@hq", role=Role.HQ)
OPS = Principal(subject="oncall@ops", role=Role.OPS)

LI_WEI = RegistrationForm(full_name="Li Wei", phone="+86 138 0013 8000", email="li.wei@example.com", city="Wuhan")


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("customer", fresh_database("customer"), tables, pool_size=4)
    yield db
    db.engine.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    with database.engine.begin() as conn:
        conn.execute(text("TRUNCATE customers, customer_vehicles, outbox, processed_messages"))
    return database


def register(db: Database, principal: Principal, form: RegistrationForm) -> customers.RegisterResult:
    with db.unit_of_work() as uow:
        result = customers.register_customer(uow, principal, form)
        uow.commit()
        return result


def count(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def outbox_rows(db: Database) -> list[dict[str, object]]:
    outbox = tables.outbox
    with db.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(select(outbox).order_by(outbox.c.seq))]


def test_register_stores_the_normalised_customer(db: Database) -> None:
    form = RegistrationForm(
        full_name=" Li  Wei ", phone="0086 (138) 0013-8000", email="Li.Wei@Example.COM", city="Wuhan"
    )
    result = register(db, DEALER_A, form)

    assert result.already_known is False
    with db.unit_of_work() as uow:
        stored = uow.session.get_one(CustomerRow, result.customer.id)
        assert (stored.full_name, stored.phone, stored.email, stored.city, stored.registered_by) == (
            "Li Wei",
            "+8613800138000",
            "li.wei@example.com",
            "Wuhan",
            "D1001",
        )
        assert stored.registered_at is not None


def test_registration_records_customer_registered_v1_without_personal_data(db: Database) -> None:
    result = register(db, DEALER_A, LI_WEI)

    [row] = outbox_rows(db)
    assert row["event_type"] == "customer.registered"
    assert row["version"] == 1
    assert row["exchange"] == "customer.events"
    payload = row["payload"]
    assert isinstance(payload, dict)
    assert payload["type"] == "customer.registered"
    assert payload["version"] == 1
    assert payload["data"] == {"customer_id": str(result.customer.id), "registered_by": "D1001", "city": "Wuhan"}
    as_text = json.dumps(payload)
    for personal in ("Li Wei", "8613800138000", "li.wei@example.com"):
        assert personal not in as_text


def test_same_phone_typed_differently_returns_the_known_customer_and_no_second_event(db: Database) -> None:
    first = register(db, DEALER_A, LI_WEI)
    again = register(db, DEALER_A, RegistrationForm(full_name="Wei Li", phone="0086-138-0013-8000"))

    assert again.already_known is True
    assert again.customer.id == first.customer.id
    assert again.customer.full_name == "Li Wei"
    assert count(db, "customers") == 1
    assert len(outbox_rows(db)) == 1


def test_same_email_returns_the_known_customer(db: Database) -> None:
    first = register(db, DEALER_A, LI_WEI)
    again = register(db, DEALER_A, RegistrationForm(full_name="Li Wei", email="LI.WEI@example.com"))

    assert again.already_known is True
    assert again.customer.id == first.customer.id
    assert count(db, "customers") == 1
    assert len(outbox_rows(db)) == 1


def test_headquarters_is_told_of_a_customer_any_dealer_registered(db: Database) -> None:
    first = register(db, DEALER_A, LI_WEI)
    again = register(db, HQ, RegistrationForm(full_name="Li Wei", phone="+8613800138000"))

    assert again.already_known is True
    assert again.customer.id == first.customer.id


def test_another_dealers_customer_is_refused_not_disclosed(db: Database) -> None:
    register(db, DEALER_A, LI_WEI)

    with pytest.raises(Refused, match="already in the customer master") as exc:
        register(db, DEALER_B, RegistrationForm(full_name="Somebody", phone="+86 138 0013 8000"))
    assert "Li Wei" not in str(exc.value)
    assert count(db, "customers") == 1
    assert len(outbox_rows(db)) == 1


def test_database_refuses_a_second_customer_with_the_same_phone_or_email(db: Database) -> None:
    register(db, DEALER_A, LI_WEI)

    for duplicate in ({"phone": "+8613800138000", "email": None}, {"phone": None, "email": "li.wei@example.com"}):
        with db.engine.connect() as conn, pytest.raises(IntegrityError, match="uq_customers_"):
            conn.execute(CustomerRow.__table__.insert().values(full_name="Copy", **duplicate))


def test_customers_without_email_or_without_phone_do_not_collide(db: Database) -> None:
    register(db, DEALER_A, RegistrationForm(full_name="Phone Only", phone="+49 30 1234567"))
    register(db, DEALER_A, RegistrationForm(full_name="Phone Too", phone="+49 30 7654321"))
    register(db, DEALER_A, RegistrationForm(full_name="Mail Only", email="mail.only@example.com"))
    register(db, DEALER_A, RegistrationForm(full_name="Mail Too", email="mail.too@example.com"))

    assert count(db, "customers") == 4
    assert len(outbox_rows(db)) == 4


def _wait_until_a_registration_waits_on_a_lock(db: Database) -> None:
    deadline = time.monotonic() + 10
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO customers%'"
                )
            ).scalar_one()
            if waiting:
                return
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError("the second registration never waited for the first")


def test_two_registrations_of_one_person_at_the_same_moment_make_one_customer(db: Database) -> None:
    """The second registration has already looked and found nothing when the first commits."""
    with db.unit_of_work() as first_uow, futures.ThreadPoolExecutor(max_workers=1) as pool:
        first = customers.register_customer(first_uow, DEALER_A, LI_WEI)
        second_typed_differently = RegistrationForm(full_name="Li Wei", phone="0086 138 0013 8000")

        def register_second() -> customers.RegisterResult:
            with db.unit_of_work() as uow:
                result = customers.register_customer(uow, DEALER_A, second_typed_differently)
                uow.commit()
                return result

        pending = pool.submit(register_second)
        _wait_until_a_registration_waits_on_a_lock(db)
        first_uow.commit()
        second = pending.result(timeout=10)

    assert first.already_known is False
    assert second.already_known is True
    assert second.customer.id == first.customer.id
    assert count(db, "customers") == 1
    assert len(outbox_rows(db)) == 1


def test_dealer_b_cannot_get_dealer_a_customer(db: Database) -> None:
    registered = register(db, DEALER_A, LI_WEI).customer
    customer_id = str(registered.id)

    with db.unit_of_work() as uow:
        assert customers.get_customer(uow, DEALER_A, customer_id).id == registered.id
        assert customers.get_customer(uow, HQ, customer_id).id == registered.id
        assert customers.get_customer(uow, OPS, customer_id).id == registered.id
        for outsider in (DEALER_B, STATION_A):
            with pytest.raises(NotFound):
                customers.get_customer(uow, outsider, customer_id)


def test_unknown_customer_is_not_found_and_a_malformed_id_names_the_field(db: Database) -> None:
    with db.unit_of_work() as uow:
        with pytest.raises(NotFound):
            customers.get_customer(uow, HQ, "6f1c1a52-52c4-4a53-9a7b-3cb0f0c6a7a1")
        with pytest.raises(ValidationFailed) as exc:
            customers.get_customer(uow, HQ, "CUST-42")
    assert [v.field for v in exc.value.violations] == ["id"]


def test_list_is_scoped_newest_first_and_paged(db: Database) -> None:
    names = ["First Buyer", "Second Buyer", "Third Buyer"]
    for number, name in enumerate(names):
        register(db, DEALER_A, RegistrationForm(full_name=name, phone=f"+49 30 100000{number}"))
    register(db, STATION_A, RegistrationForm(full_name="Station Walk-in", email="walk.in@example.com"))

    def listed(principal: Principal, offset: int = 0, limit: int = 10) -> list[str]:
        with db.unit_of_work() as uow:
            return [row.full_name for row in customers.list_customers(uow, principal, offset=offset, limit=limit)]

    assert listed(DEALER_A) == list(reversed(names))
    assert listed(DEALER_A, offset=1, limit=1) == ["Second Buyer"]
    assert listed(STATION_A) == ["Station Walk-in"]
    assert listed(HQ) == ["Station Walk-in", *reversed(names)]
    assert listed(OPS) == listed(HQ)
    assert listed(DEALER_B) == []


def test_only_dealers_stations_and_headquarters_register(db: Database) -> None:
    with pytest.raises(ValidationFailed) as exc:
        register(db, OPS, LI_WEI)
    assert [v.field for v in exc.value.violations] == ["principal"]

    by_station = register(db, STATION_A, LI_WEI)
    by_hq = register(db, HQ, RegistrationForm(full_name="Fleet Buyer", email="fleet@example.com"))
    assert by_station.customer.registered_by == "S3003"
    assert by_hq.customer.registered_by is None
    assert count(db, "customers") == 2


@pytest.fixture
def stub(db: Database) -> Iterator[customer_pb2_grpc.CustomerServiceStub]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), interceptors=[DomainErrorInterceptor()])
    customer_pb2_grpc.add_CustomerServiceServicer_to_server(CustomerServicer(db), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield customer_pb2_grpc.CustomerServiceStub(channel)
    finally:
        channel.close()
        server.stop(grace=None)


def as_caller(principal: Principal) -> tuple[tuple[str, str], ...]:
    return ((GRPC_METADATA_KEY, principal.to_json()),)


def test_grpc_register_get_and_list(stub: customer_pb2_grpc.CustomerServiceStub) -> None:
    request = customer_pb2.RegisterCustomerRequest(
        full_name="Li Wei", phone="0086 138 0013 8000", email="Li.Wei@example.com", city="Wuhan"
    )
    registered = stub.RegisterCustomer(request, metadata=as_caller(DEALER_A), timeout=10)
    again = stub.RegisterCustomer(request, metadata=as_caller(DEALER_A), timeout=10)
    fetched = stub.GetCustomer(
        customer_pb2.GetCustomerRequest(id=registered.customer.id), metadata=as_caller(DEALER_A), timeout=10
    )
    listed = stub.ListCustomers(
        customer_pb2.ListCustomersRequest(page_size=1), metadata=as_caller(DEALER_A), timeout=10
    )

    assert registered.already_known is False
    assert registered.customer.phone == "+8613800138000"
    assert registered.customer.email == "li.wei@example.com"
    assert registered.customer.registered_by == "D1001"
    assert again.already_known is True
    assert again.customer.id == registered.customer.id
    assert fetched == registered.customer
    assert [c.id for c in listed.customers] == [registered.customer.id]
    assert listed.next_page_token == ""


def test_grpc_invalid_registration_is_invalid_argument_naming_the_fields(
    stub: customer_pb2_grpc.CustomerServiceStub,
) -> None:
    request = customer_pb2.RegisterCustomerRequest(full_name="Li Wei", phone="030 1234567", email="li.wei@")
    with pytest.raises(grpc.RpcError) as exc:
        stub.RegisterCustomer(request, metadata=as_caller(DEALER_A), timeout=10)

    error = exc.value
    assert isinstance(error, grpc.Call)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    trailing = dict(error.trailing_metadata() or ())
    violations = json.loads(trailing[FIELD_VIOLATIONS_KEY])
    assert sorted(v["field"] for v in violations) == ["email", "phone"]
    assert any("country code" in v["message"] for v in violations if v["field"] == "phone")


def test_grpc_foreign_customer_is_not_found(stub: customer_pb2_grpc.CustomerServiceStub) -> None:
    registered = stub.RegisterCustomer(
        customer_pb2.RegisterCustomerRequest(full_name="Li Wei", phone="+8613800138000"),
        metadata=as_caller(DEALER_A),
        timeout=10,
    )
    with pytest.raises(grpc.RpcError) as exc:
        stub.GetCustomer(
            customer_pb2.GetCustomerRequest(id=registered.customer.id), metadata=as_caller(DEALER_B), timeout=10
        )

    error = exc.value
    assert isinstance(error, grpc.Call)
    assert error.code() is grpc.StatusCode.NOT_FOUND


def test_grpc_call_without_principal_is_unauthenticated(stub: customer_pb2_grpc.CustomerServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as exc:
        stub.ListCustomers(customer_pb2.ListCustomersRequest(), timeout=10)

    error = exc.value
    assert isinstance(error, grpc.Call)
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
