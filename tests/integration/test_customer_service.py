"""The customer service against its real PostgreSQL database, and its gRPC servicer in-process."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest
from sqlalchemy import select, text

from customer_service import customers
from customer_service.domain import RegistrationForm
from customer_service.grpc_api import CustomerServicer
from customer_service.models import CustomerRow, tables
from dealernet.v1 import customer_pb2, customer_pb2_grpc
from plumbing.db import Database
from plumbing.errors import NotFound, Refused, ValidationFailed
from plumbing.grpc_support import FIELD_VIOLATIONS_KEY, DomainErrorInterceptor
from plumbing.principal import GRPC_METADATA_KEY, AccountRole, Principal, Role

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
        conn.execute(
            text("TRUNCATE customers, customer_imports, vehicle_service_events, outbox, processed_messages CASCADE")
        )
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
    assert payload["data"] == {
        "customer_id": str(result.customer.id),
        "kind": "person",
        "registered_by": "D1001",
        "source_channel": "dealer",
        "city": "Wuhan",
        "region": "R01",
    }
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


def test_another_dealer_registering_the_same_person_is_linked_to_the_one_record(db: Database) -> None:
    first = register(db, DEALER_A, LI_WEI)

    again = register(db, DEALER_B, RegistrationForm(full_name="LI WEI", phone="+86 138 0013 8000"))

    assert again.already_known is True and again.customer.id == first.customer.id
    assert count(db, "customers") == 1
    with db.unit_of_work() as uow:
        assert customers.get_customer(uow, DEALER_B, str(first.customer.id)).id == first.customer.id
        mine = customers.relationships_shown(uow, DEALER_B, first.customer.id)
        everyone = customers.relationships_shown(uow, HQ, first.customer.id)
    assert [(r.org_code, r.kind) for r in mine] == [("D2002", "prospect")]
    assert sorted(r.org_code for r in everyone) == ["D1001", "D2002"]


def test_a_shared_phone_under_another_name_is_a_new_customer_queued_for_review(db: Database) -> None:
    first = register(db, DEALER_A, LI_WEI)

    other = register(db, DEALER_B, RegistrationForm(full_name="Zhang Min", phone="+86 138 0013 8000"))

    assert other.already_known is False and other.queued_for_review == 1
    assert other.customer.id != first.customer.id
    with db.unit_of_work() as uow:
        [review] = customers.list_reviews(uow, HQ, offset=0, limit=10)
        with pytest.raises(NotFound):
            customers.get_customer(uow, DEALER_B, str(first.customer.id))
    assert (review.customer_id, review.candidate_id) == (other.customer.id, first.customer.id)
    assert "phone" in review.reasons


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
                    "AND wait_event_type = 'Lock' AND query ILIKE '%pg_advisory_xact_lock%'"
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


# --- Duplicates checked, reviewed and merged ---------------------------------------------------------


def test_a_duplicate_check_says_a_match_exists_masked_and_not_whose(db: Database) -> None:
    first = register(db, DEALER_A, LI_WEI)
    probe = RegistrationForm(full_name="Li Wei", phone="+86 138 0013 8000")

    with db.unit_of_work() as uow:
        [for_b] = customers.check_duplicates(uow, DEALER_B, probe)
        [for_a] = customers.check_duplicates(uow, DEALER_A, probe)
        nothing = customers.check_duplicates(
            uow, DEALER_B, RegistrationForm(full_name="Wang Fang", phone="+8613912345678")
        )

    assert (for_b.decision, for_b.masked_phone, for_b.masked_email, for_b.customer_id) == (
        "clear",
        "+86*******8000",
        "l*****@example.com",
        "",
    )
    assert for_a.customer_id == str(first.customer.id)
    assert nothing == []
    assert count(db, "customers") == 1


def _merged_pair(db: Database) -> tuple[CustomerRow, CustomerRow]:
    older = register(db, DEALER_A, LI_WEI).customer
    newer = register(
        db, DEALER_B, RegistrationForm(full_name="Wei Lee", phone="+86 139 0000 0001", email="wei.lee@example.com")
    ).customer
    with db.unit_of_work() as uow:
        customers.add_interaction(uow, DEALER_B, str(newer.id), "call", "asked for a test drive")
        customers.record_consent(uow, DEALER_B, str(newer.id), "sms", True)
        uow.commit()
    with db.unit_of_work() as uow:
        survivor = customers.merge_customers(uow, HQ, str(older.id), str(newer.id), reason="same person, new phone")
        uow.commit()
    return survivor, newer


def test_a_merge_keeps_everything_on_the_survivor_and_the_old_id_resolves_to_it(db: Database) -> None:
    survivor, merged = _merged_pair(db)

    with db.unit_of_work() as uow:
        via_old_id = customers.get_customer(uow, DEALER_B, str(merged.id))
        view = customers.customer_view(uow, HQ, str(merged.id))
        listed = customers.list_customers(uow, HQ, offset=0, limit=10)

    assert via_old_id.id == survivor.id
    assert sorted((c.kind, c.value) for c in view.contacts) == [
        ("email", "wei.lee@example.com"),
        ("phone", "+8613900000001"),
    ]
    assert sorted(r.org_code for r in view.relationships) == ["D1001", "D2002"]
    assert [i.summary for i in view.interactions] == ["asked for a test drive"]
    assert [c.channel for c in view.consents] == ["sms"]
    assert view.merged_ids == [merged.id]
    assert [row.id for row in listed] == [survivor.id]
    [event] = [row["payload"]["data"] for row in outbox_rows(db) if row["event_type"] == "customer.merged"]
    assert event == {"survivor_id": str(survivor.id), "merged_id": str(merged.id), "merged_by": HQ.subject}


def test_only_an_hq_admin_merges_and_a_merged_record_cannot_be_merged_again(db: Database) -> None:
    survivor, merged = _merged_pair(db)
    other = register(db, DEALER_A, RegistrationForm(full_name="Zhou Lan", phone="+8613700000009")).customer
    analyst = Principal.for_account("reader@hq", AccountRole.HQ_ANALYST)

    with db.unit_of_work() as uow:
        for not_deciding in (DEALER_A, analyst):
            with pytest.raises(Refused, match="only an HQ admin"):
                customers.merge_customers(uow, not_deciding, str(survivor.id), str(other.id))
        with pytest.raises(Refused, match="already merged"):
            customers.merge_customers(uow, HQ, str(other.id), str(merged.id))


def test_headquarters_decides_a_doubtful_pair_and_the_older_record_survives(db: Database) -> None:
    first = register(db, DEALER_A, LI_WEI)
    register(db, DEALER_B, RegistrationForm(full_name="Zhang Min", phone="+86 138 0013 8000"))
    kept = register(db, DEALER_B, RegistrationForm(full_name="Li Wai", email="li.wei@example.com", city="Wuhan"))

    with db.unit_of_work() as uow:
        reviews = customers.list_reviews(uow, HQ, offset=0, limit=10)
        by_customer = {review.customer_id: review for review in reviews}
        apart = customers.decide_review(uow, HQ, str(by_customer[kept.customer.id].id), merge=False)
        merged = customers.decide_review(
            uow, HQ, str(next(r.id for r in reviews if r.customer_id != kept.customer.id)), merge=True
        )
        uow.commit()

    assert (apart.status, merged.status) == ("kept_apart", "merged")
    with db.unit_of_work() as uow:
        assert customers.list_reviews(uow, HQ, offset=0, limit=10) == []
        assert [row.id for row in customers.list_customers(uow, DEALER_B, offset=0, limit=10)] == [
            kept.customer.id,
            first.customer.id,
        ]
        with pytest.raises(Refused, match="already decided"):
            customers.decide_review(uow, HQ, str(apart.id), merge=True)


# --- Activity from other services, segments, sharing --------------------------------------------------


def _deliver(
    db: Database, customer_id: str, vin: str, dealer: str, *, days_ago: int = 10, price: int = 2_500_000
) -> None:
    from customer_service.domain import Handover

    data = {
        "order_number": f"{dealer}-{vin[-6:]}",
        "dealer_code": dealer,
        "vin": vin,
        "customer_id": customer_id,
        "delivered_at": (dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)).isoformat(),
        "list_price_minor": price,
    }
    with db.unit_of_work() as uow:
        customers.link_vehicle(uow, Handover.from_event(data))
        uow.commit()


VIN_A = "LDN2A4C19R0000001"


def test_a_delivery_makes_the_dealer_the_buyers_dealer_and_moves_the_segment(db: Database) -> None:
    customer = register(db, HQ, RegistrationForm(full_name="Li Wei", phone="+86 138 0013 8000")).customer

    with db.unit_of_work() as uow:
        assert customers.get_customer(uow, HQ, str(customer.id)).segment == "potential"
        with pytest.raises(NotFound):
            customers.get_customer(uow, DEALER_A, str(customer.id))
    _deliver(db, str(customer.id), VIN_A, "D1001")

    with db.unit_of_work() as uow:
        seen = customers.get_customer(uow, DEALER_A, str(customer.id))
        counts = customers.count_by_segment(uow, HQ)
        dealer_a = customers.list_customers(uow, HQ, offset=0, limit=10, dealer_code="D1001")
    assert (seen.segment, seen.value_tier, seen.purchases, seen.purchase_value_minor) == ("target", "B", 1, 2_500_000)
    assert [(c.segment, c.customers) for c in counts] == [("target", 1)]
    assert [row.id for row in dealer_a] == [customer.id]


def test_a_station_sees_the_owner_while_its_request_is_open_and_a_while_after(db: Database) -> None:
    from customer_service.domain import StationVisit

    customer = register(db, DEALER_A, LI_WEI).customer
    _deliver(db, str(customer.id), VIN_A, "D1001")
    opened = StationVisit("REQ-1", "S3003", VIN_A, dt.datetime.now(dt.UTC) - dt.timedelta(days=40), False, "P0301")
    closed = StationVisit("REQ-1", "S3003", VIN_A, dt.datetime.now(dt.UTC) - dt.timedelta(days=35), True, "coil")

    with db.unit_of_work() as uow:
        with pytest.raises(NotFound):
            customers.get_customer(uow, STATION_A, str(customer.id))
        customers.record_station_visit(uow, "evt-1", opened)
        uow.commit()
    with db.unit_of_work() as uow:
        view = customers.customer_view(uow, STATION_A, str(customer.id))
        assert [e.kind for e in view.service_history] == ["support_request_opened"]
        assert view.customer.services == 1
        customers.record_station_visit(uow, "evt-2", closed)
        uow.commit()
    with db.unit_of_work() as uow:
        # Closed 35 days ago, access lasts 30 days after: gone.
        with pytest.raises(NotFound):
            customers.get_customer(uow, STATION_A, str(customer.id))
        assert [e.kind for e in customers.customer_view(uow, HQ, str(customer.id)).service_history] == [
            "support_request_closed",
            "support_request_opened",
        ]


def test_a_dealer_sees_its_own_and_headquarters_notes_not_another_dealers(db: Database) -> None:
    customer = register(db, DEALER_A, LI_WEI).customer
    register(db, DEALER_B, LI_WEI)
    with db.unit_of_work() as uow:
        customers.add_interaction(uow, DEALER_A, str(customer.id), "visit", "test drive AUR")
        customers.add_interaction(uow, DEALER_B, str(customer.id), "note", "price sensitive")
        customers.add_interaction(uow, HQ, str(customer.id), "call", "call centre: brochure sent")
        uow.commit()

    with db.unit_of_work() as uow:
        seen_by_a = {i.summary for i in customers.customer_view(uow, DEALER_A, str(customer.id)).interactions}
        seen_by_hq = {i.summary for i in customers.customer_view(uow, HQ, str(customer.id)).interactions}
        with pytest.raises(ValidationFailed):
            customers.add_interaction(uow, DEALER_A, str(customer.id), "fax", "x")
    assert seen_by_a == {"test drive AUR", "call centre: brochure sent"}
    assert len(seen_by_hq) == 3


def test_a_company_a_dealer_registers_is_its_fleet_account_and_a_key_customer(db: Database) -> None:
    fleet = register(
        db,
        DEALER_A,
        RegistrationForm(
            full_name="Harbour Logistics Co., Ltd.",
            kind="company",
            national_id="91-310000-MA1FL",
            email="fleet@harbour-logistics.example",
            address_line="88 Dock Road",
            postal_code="200000",
            city="Shanghai",
            consents=("email", "post"),
        ),
    ).customer
    again = register(
        db, DEALER_B, RegistrationForm(full_name="Harbour Logistics GmbH", kind="company", national_id="91310000MA1FL")
    )

    assert again.already_known and again.customer.id == fleet.id
    with db.unit_of_work() as uow:
        view = customers.customer_view(uow, DEALER_A, str(fleet.id))
    assert (view.customer.segment, view.customer.kind) == ("key", "company")
    assert [(r.org_code, r.kind) for r in view.relationships] == [("D1001", "fleet")]
    assert [(a.kind, a.line, a.postal_code) for a in view.addresses] == [("registered", "88 Dock Road", "200000")]
    assert [(c.channel, c.granted) for c in view.consents] == [("email", True), ("post", True)]


def test_a_repair_adds_to_the_cars_history_and_lets_the_station_see_the_owner_for_a_while(db: Database) -> None:
    from customer_service.domain import StationVisit

    customer = register(db, DEALER_A, LI_WEI).customer
    _deliver(db, str(customer.id), VIN_A, "D1001")
    recent = StationVisit.from_event(
        "station.repair_recorded",
        {"repair_id": "R-1", "station_code": "S3003", "vin": VIN_A, "work_done": "replaced coil pack 1"},
        (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat(),
    )

    with db.unit_of_work() as uow:
        customers.record_station_visit(uow, "evt-r1", recent)
        uow.commit()
    with db.unit_of_work() as uow:
        view = customers.customer_view(uow, STATION_A, str(customer.id))
    assert [(e.kind, e.summary) for e in view.service_history] == [("repair", "replaced coil pack 1")]
    [servicing] = view.relationships
    assert servicing.kind == "servicing" and servicing.expires_at is not None
    assert view.customer.services == 1


def test_a_station_finds_a_cars_owner_by_vin_while_it_works_on_the_car(db: Database) -> None:
    from customer_service.domain import StationVisit

    customer = register(db, DEALER_A, LI_WEI).customer
    _deliver(db, str(customer.id), VIN_A, "D1001")

    with db.unit_of_work() as uow:
        with pytest.raises(NotFound, match="no owner known"):
            customers.owner_view(uow, STATION_A, VIN_A)
        assert customers.owner_view(uow, DEALER_A, VIN_A.lower()).customer.id == customer.id
        opened = StationVisit("REQ-9", "S3003", VIN_A, dt.datetime.now(dt.UTC), False, "P0301")
        customers.record_station_visit(uow, "evt-9", opened)
        uow.commit()
    with db.unit_of_work() as uow:
        view = customers.owner_view(uow, STATION_A, VIN_A)
        with pytest.raises(NotFound, match="no owner known"):
            customers.owner_view(uow, DEALER_B, VIN_A)
        with pytest.raises(NotFound, match="no owner known"):
            customers.owner_view(uow, HQ, "LDN2A4C10R0000002")
    assert view.customer.id == customer.id
    assert [v.vin for v in view.vehicles] == [VIN_A]
    assert [e.kind for e in view.service_history] == ["support_request_opened"]
