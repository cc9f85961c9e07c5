"""A dealer's customer list imported through the customer service's gRPC servicer, in-process,
against its real PostgreSQL database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest
from sqlalchemy import text

from customer_service import customers, imports
from customer_service.domain import RegistrationForm
from customer_service.grpc_api import CustomerServicer
from customer_service.models import tables
from dealernet.v1 import customer_pb2, customer_pb2_grpc
from plumbing.db import Database
from plumbing.errors import Refused
from plumbing.grpc_support import FIELD_VIOLATIONS_KEY, DomainErrorInterceptor
from plumbing.principal import GRPC_METADATA_KEY, AccountRole, Principal, Role

pytestmark = pytest.mark.integration

DEALER_A = Principal(subject="sales@D1001", role=Role.DEALER, org_code="D1001", region="R01")
DEALER_B = Principal(subject="sales@D2002", role=Role.DEALER, org_code="D2002", region="R01")
STATION = Principal(subject="advisor@S3003", role=Role.STATION, org_code="S3003", region="R01")
HQ = Principal(subject="master-data@hq", role=Role.HQ)

CUSTOMER_TABLES = (
    "customers, customer_contacts, customer_addresses, customer_consents, customer_relationships, match_reviews, "
    "customer_merges, customer_interactions, customer_vehicles, vehicle_service_events, customer_imports, outbox, "
    "processed_messages"
)

GOOD_LIST = (
    "full_name,phone,email,city,kind,national_id,address_line,postal_code,consents\n"
    "Zhang San,+86 139 0000 0001,zhang.san@example.com,Wuhan,person,,1 Jiefang Road,430000,email;sms\n"
    "Acme Fleet GmbH,+49 30 1234567,fleet@acme.example,Berlin,company,HRB 12345,Alexanderplatz 1,10178,\n"
    "Maria Rossi,,maria.rossi@example.it,Milano,,,,,post\n"
)


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("customer", fresh_database("customer"), tables, pool_size=4)
    yield db
    db.engine.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {CUSTOMER_TABLES} CASCADE"))
    return database


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


def upload(
    stub: customer_pb2_grpc.CustomerServiceStub, principal: Principal, content: str | bytes, filename: str = "list.csv"
) -> customer_pb2.ImportReport:
    request = customer_pb2.ImportCustomersRequest(
        filename=filename, content=content.encode() if isinstance(content, str) else content
    )
    report: customer_pb2.ImportReport = stub.ImportCustomers(
        request, metadata=((GRPC_METADATA_KEY, principal.to_json()),), timeout=30
    )
    return report


def refused(
    stub: customer_pb2_grpc.CustomerServiceStub, principal: Principal, content: str | bytes
) -> tuple[grpc.StatusCode, list[dict[str, str]]]:
    with pytest.raises(grpc.RpcError) as exc:
        upload(stub, principal, content)
    error = exc.value
    assert isinstance(error, grpc.Call)
    trailing = dict(error.trailing_metadata() or ())
    return error.code(), json.loads(trailing.get(FIELD_VIOLATIONS_KEY, "[]"))


def rejected(report: customer_pb2.ImportReport) -> list[tuple[int, str]]:
    return [(row.line, row.field) for row in report.rejected_rows]


def count(db: Database, sql: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def visible_to(stub: customer_pb2_grpc.CustomerServiceStub, principal: Principal) -> list[str]:
    listed = stub.ListCustomers(
        customer_pb2.ListCustomersRequest(page_size=500),
        metadata=((GRPC_METADATA_KEY, principal.to_json()),),
        timeout=10,
    )
    return sorted(customer.full_name for customer in listed.customers)


def test_good_rows_are_loaded_for_the_dealer(db: Database, stub: customer_pb2_grpc.CustomerServiceStub) -> None:
    report = upload(stub, DEALER_A, GOOD_LIST)

    assert (report.rows, report.created, report.linked, report.queued_for_review, report.rejected) == (3, 3, 0, 0, 0)
    assert report.filename == "list.csv"
    assert report.replayed is False
    assert report.import_id and report.imported_at
    assert visible_to(stub, DEALER_A) == ["Acme Fleet GmbH", "Maria Rossi", "Zhang San"]
    assert visible_to(stub, DEALER_B) == []
    with db.engine.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT c.full_name, c.phone, c.email, c.kind, c.national_id, c.source_channel, c.registered_by, "
                "r.kind, r.source FROM customers c JOIN customer_relationships r ON r.customer_id = c.id "
                "ORDER BY c.full_name"
            )
        ).all()
        consents = conn.execute(
            text(
                "SELECT c.full_name, s.channel FROM customer_consents s JOIN customers c ON c.id = s.customer_id "
                "ORDER BY 1, 2"
            )
        ).all()
        addresses = conn.execute(text("SELECT line, postal_code, city, kind FROM customer_addresses ORDER BY 1")).all()
    assert [tuple(row) for row in stored] == [
        ("Acme Fleet GmbH", "+49301234567", "fleet@acme.example", "company", "HRB12345", "import", "D1001",
         "fleet", "import list.csv"),
        ("Maria Rossi", None, "maria.rossi@example.it", "person", None, "import", "D1001", "prospect",
         "import list.csv"),
        ("Zhang San", "+8613900000001", "zhang.san@example.com", "person", None, "import", "D1001", "prospect",
         "import list.csv"),
    ]  # fmt: skip
    assert [tuple(row) for row in consents] == [("Maria Rossi", "post"), ("Zhang San", "email"), ("Zhang San", "sms")]
    assert [tuple(row) for row in addresses] == [
        ("1 Jiefang Road", "430000", "Wuhan", "home"),
        ("Alexanderplatz 1", "10178", "Berlin", "registered"),
    ]
    assert count(db, "SELECT count(*) FROM outbox WHERE event_type = 'customer.registered'") == 3


def test_a_bad_row_comes_back_with_its_line_and_field_and_the_others_load(
    db: Database, stub: customer_pb2_grpc.CustomerServiceStub
) -> None:
    content = (
        "full_name,phone,email\n"
        "Zhang San,+86 139 0000 0001,\n"
        "Li Si,139 0000 0002,\n"
        "Wang Wu,+86 139 0000 0003,wang.wu@\n"
        "Zhao Liu,+86 139 0000 0004,\n"
    )

    report = upload(stub, DEALER_A, content)

    assert (report.rows, report.created, report.linked) == (4, 2, 0)
    assert rejected(report) == [(3, "phone"), (4, "email")]
    assert "country code" in report.rejected_rows[0].reason
    assert visible_to(stub, DEALER_A) == ["Zhang San", "Zhao Liu"]


def test_a_whole_list_is_imported_by_an_admin_only(db: Database) -> None:
    salesperson = Principal.for_account("sales@D1001", AccountRole.DEALER_USER, "D1001", "R01")
    with db.unit_of_work() as uow, pytest.raises(Refused, match="only a dealer's admin"):
        imports.import_customers(uow, salesperson, "list.csv", b"full_name,phone\nZhang San,+8613900000001\n")


def test_a_row_with_several_bad_fields_is_one_rejected_row(db: Database) -> None:
    content = b"full_name,phone,email\nX,139,@\nZhang San,+8613900000001,\n"
    with db.unit_of_work() as uow:
        report = imports.import_customers(uow, DEALER_A, "list.csv", content)
        uow.commit()

    assert sorted(rejected.field for rejected in report.rejected_rows) == ["email", "full_name", "phone"]
    assert (report.rows, report.created, report.rejected) == (2, 1, 1)
    assert report.rows == report.created + report.linked + report.rejected


def test_a_customer_the_master_holds_is_linked_not_duplicated(
    db: Database, stub: customer_pb2_grpc.CustomerServiceStub
) -> None:
    with db.unit_of_work() as uow:
        known = customers.register_customer(
            uow, DEALER_B, RegistrationForm(full_name="Li Wei", phone="+86 138 0013 8000", city="Wuhan")
        ).customer
        uow.commit()

    report = upload(stub, DEALER_A, "full_name,phone,email,city\nLI WEI,0086 138 0013 8000,li.wei@example.com,Wuhan\n")

    assert (report.rows, report.created, report.linked) == (1, 0, 1)
    assert count(db, "SELECT count(*) FROM customers") == 1
    assert visible_to(stub, DEALER_A) == ["Li Wei"]
    # What the list adds to the record is kept.
    assert count(db, f"SELECT count(*) FROM customers WHERE id = '{known.id}' AND email = 'li.wei@example.com'") == 1


def test_the_same_phone_under_another_name_is_created_and_queued_for_headquarters(
    db: Database, stub: customer_pb2_grpc.CustomerServiceStub
) -> None:
    with db.unit_of_work() as uow:
        customers.register_customer(uow, DEALER_B, RegistrationForm(full_name="Li Wei", phone="+8613800138000"))
        uow.commit()

    report = upload(stub, DEALER_A, "full_name,phone\nChen Jing,+8613800138000\n")

    assert (report.rows, report.created, report.linked, report.queued_for_review) == (1, 1, 0, 1)
    assert count(db, "SELECT count(*) FROM match_reviews WHERE status = 'pending'") == 1


def test_rows_of_one_file_that_are_one_customer_are_loaded_once(
    db: Database, stub: customer_pb2_grpc.CustomerServiceStub
) -> None:
    report = upload(stub, DEALER_A, "full_name,phone\nZhang San,+8613900000001\nZhang  San,0086 139 0000 0001\n")

    assert (report.rows, report.created, report.linked) == (2, 1, 1)
    assert count(db, "SELECT count(*) FROM customers") == 1


def test_the_same_file_twice_creates_nothing_and_says_so(
    db: Database, stub: customer_pb2_grpc.CustomerServiceStub
) -> None:
    content = GOOD_LIST + "Bad Phone,12345,,,,,,,\n"
    first = upload(stub, DEALER_A, content)
    customers_after_first = count(db, "SELECT count(*) FROM customers")
    events_after_first = count(db, "SELECT count(*) FROM outbox")

    again = upload(stub, DEALER_A, content, filename="list (1).csv")

    assert first.replayed is False
    assert again.replayed is True
    assert again.import_id == first.import_id
    assert again.filename == "list.csv"
    assert again.imported_at == first.imported_at
    assert (again.rows, again.created, again.linked, again.rejected) == (4, 3, 0, 1)
    assert (
        list(again.rejected_rows)
        == list(first.rejected_rows)
        == [customer_pb2.RejectedRow(line=5, field="phone", reason=first.rejected_rows[0].reason)]
    )
    assert count(db, "SELECT count(*) FROM customers") == customers_after_first == 3
    assert count(db, "SELECT count(*) FROM outbox") == events_after_first
    assert count(db, "SELECT count(*) FROM customer_imports") == 1

    # Another dealer's copy of the same file is that dealer's import: its rows link to the records.
    other = upload(stub, DEALER_B, content)
    assert (other.replayed, other.created, other.linked) == (False, 0, 3)
    assert count(db, "SELECT count(*) FROM customers") == 3


def test_a_station_may_not_import(db: Database, stub: customer_pb2_grpc.CustomerServiceStub) -> None:
    code, _ = refused(stub, STATION, GOOD_LIST)

    assert code is grpc.StatusCode.FAILED_PRECONDITION
    assert count(db, "SELECT count(*) FROM customers") == 0


def test_headquarters_imports_for_the_channel(db: Database, stub: customer_pb2_grpc.CustomerServiceStub) -> None:
    report = upload(stub, HQ, GOOD_LIST)

    assert (report.rows, report.created) == (3, 3)
    assert count(db, "SELECT count(*) FROM customer_imports WHERE org_code = 'HQ'") == 1
    assert count(db, "SELECT count(*) FROM customer_relationships") == 0
    assert visible_to(stub, DEALER_A) == []


def test_an_unknown_column_refuses_the_whole_file(db: Database, stub: customer_pb2_grpc.CustomerServiceStub) -> None:
    code, violations = refused(stub, DEALER_A, "full_name,phone,vip\nZhang San,+8613900000001,yes\n")

    assert code is grpc.StatusCode.INVALID_ARGUMENT
    [violation] = violations
    assert violation["field"] == "content"
    assert "unknown column 'vip'" in violation["message"]
    assert count(db, "SELECT count(*) FROM customers") == 0
    assert count(db, "SELECT count(*) FROM customer_imports") == 0


def test_an_empty_file_is_refused(db: Database, stub: customer_pb2_grpc.CustomerServiceStub) -> None:
    for content in ("", "full_name,phone\n"):
        code, [violation] = refused(stub, DEALER_A, content)
        assert code is grpc.StatusCode.INVALID_ARGUMENT
        assert violation["field"] == "content"


def test_a_byte_order_mark_is_handled(db: Database, stub: customer_pb2_grpc.CustomerServiceStub) -> None:
    report = upload(stub, DEALER_A, b"\xef\xbb\xbf" + GOOD_LIST.encode())

    assert (report.rows, report.created, report.rejected) == (3, 3, 0)
    assert visible_to(stub, DEALER_A) == ["Acme Fleet GmbH", "Maria Rossi", "Zhang San"]


def test_line_numbers_count_the_lines_of_quoted_fields(
    db: Database, stub: customer_pb2_grpc.CustomerServiceStub
) -> None:
    content = (
        "full_name,phone,address_line\r\n"
        'Zhang San,+8613900000001,"Building 4\r\nRoom 12"\r\n'
        'Li Si,+8613900000002,"Courtyard 3\r\n\r\nGate B"\r\n'
        "Wang Wu,not a phone,\r\n"
        'X,"+8613900000004",\r\n'
    )

    report = upload(stub, DEALER_A, content)

    assert rejected(report) == [(7, "phone"), (8, "full_name")]
    assert report.created == 2
    assert count(db, "SELECT count(*) FROM customer_addresses WHERE line = 'Building 4 Room 12'") == 1


def test_a_long_list_is_committed_in_parts_and_every_row_accounted_for(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "ROWS_PER_TRANSACTION", 3)
    lines = [f"Customer {number:02d},+86139000000{number:02d}" for number in range(1, 11)]
    lines[4] = "Customer 05,not a phone"
    lines[8] = "Customer 01,+8613900000001"
    content = ("full_name,phone\n" + "\n".join(lines) + "\n").encode()

    with db.unit_of_work() as uow:
        report = imports.import_customers(uow, DEALER_A, "long.csv", content)
        uow.commit()

    assert (report.rows, report.created, report.linked, report.rejected) == (10, 8, 1, 1)
    assert [(r.line, r.field) for r in report.rejected_rows] == [(6, "phone")]
    assert count(db, "SELECT count(*) FROM customers") == 8
    assert count(db, "SELECT rows FROM customer_imports") == 10
