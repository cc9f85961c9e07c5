"""The station service's support requests against the real PostgreSQL, and its gRPC edge."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures

import grpc
import pytest
from sqlalchemy import select

from dealernet.v1 import support_pb2, support_pb2_grpc
from plumbing.db import Database
from plumbing.errors import NotFound, ValidationFailed
from plumbing.grpc_support import FIELD_VIOLATIONS_KEY, DomainErrorInterceptor
from plumbing.principal import GRPC_METADATA_KEY, Principal, Role
from station_service import support
from station_service.domain import RequestDraft
from station_service.grpc_api import SupportServicer
from station_service.models import SupportRequestRow, tables

pytestmark = pytest.mark.integration

HQ = Principal(subject="engineer@hq", role=Role.HQ)
OPENED_AT = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("station", fresh_database("station"), tables, pool_size=2)
    yield db
    db.engine.dispose()


def station() -> Principal:
    """A station of its own, so that tests sharing the database never see each other's requests."""
    code = f"ST{uuid.uuid4().hex[:8].upper()}"
    return Principal(subject=f"advisor@{code}", role=Role.STATION, org_code=code, region="EAST")


def misfire(priority: str = "critical") -> RequestDraft:
    return RequestDraft(
        vin="1m8gdm9axkp042788",
        subject="Misfire on cylinder 1 after injector swap",
        description="Rough idle persists after replacing injector 1; compression is in spec.",
        dtc_codes=["p0301", "U0100"],
        priority=priority,
    )


def open_committed(
    database: Database, principal: Principal, draft: RequestDraft, opened_at: dt.datetime = OPENED_AT
) -> str:
    with database.unit_of_work() as uow:
        row = support.open_request(uow, principal, draft, opened_at)
        uow.commit()
        return str(row.id)


def test_opening_a_request_stores_its_deadlines_and_records_the_event(database: Database) -> None:
    mechanic = station()
    request_id = open_committed(database, mechanic, misfire("critical"))

    with database.unit_of_work() as uow:
        row = support.get_request(uow, mechanic, request_id)
        assert row.station_code == mechanic.org_code
        assert row.opened_by == mechanic.subject
        assert row.vin == "1M8GDM9AXKP042788"
        assert row.dtc_codes == ["P0301", "U0100"]
        assert row.priority == "critical"
        assert row.status == "open"
        assert row.opened_at == OPENED_AT
        assert row.first_response_due == OPENED_AT + dt.timedelta(hours=1)
        assert row.resolution_due == OPENED_AT + dt.timedelta(hours=8)

        outbox = tables.outbox
        events = uow.session.execute(
            select(outbox).where(outbox.c.payload["data"]["request_id"].astext == request_id)
        ).all()
    assert len(events) == 1
    event = events[0]
    assert event.event_type == "support_request.opened"
    assert event.version == 1
    assert event.exchange == "station.events"
    assert event.published_at is None
    assert event.payload["type"] == "support_request.opened"
    assert event.payload["version"] == 1
    assert event.payload["id"] == str(event.event_id)
    assert event.payload["data"] == {
        "request_id": request_id,
        "station_code": mechanic.org_code,
        "region": "EAST",
        "vin": "1M8GDM9AXKP042788",
        "priority": "critical",
        "status": "open",
        "engineer": None,
        "model_code": None,
        "model_year": None,
        "subject": "Misfire on cylinder 1 after injector swap",
        "opened_at": OPENED_AT.isoformat(),
        "dtc_codes": ["P0301", "U0100"],
        "first_response_due": (OPENED_AT + dt.timedelta(hours=1)).isoformat(),
        "resolution_due": (OPENED_AT + dt.timedelta(hours=8)).isoformat(),
    }


def test_an_invalid_request_stores_nothing(database: Database) -> None:
    mechanic = station()
    bad = RequestDraft(vin="1M8GDM9A1KP042788", subject="Misfire", description="Rough idle", dtc_codes=["Z0301"])
    with database.unit_of_work() as uow, pytest.raises(ValidationFailed):
        support.open_request(uow, mechanic, bad, OPENED_AT)
    with database.unit_of_work() as uow:
        assert support.list_requests(uow, mechanic, offset=0, limit=10) == []


@pytest.mark.parametrize("role", [Role.HQ, Role.DEALER])
def test_only_a_station_opens_a_request(database: Database, role: Role) -> None:
    caller = Principal(subject="someone", role=role, org_code="DL0001")
    with database.unit_of_work() as uow, pytest.raises(ValidationFailed) as caught:
        support.open_request(uow, caller, misfire(), OPENED_AT)
    assert [v.field for v in caught.value.violations] == ["principal"]


def test_a_station_sees_only_its_own_requests_and_hq_sees_all(database: Database) -> None:
    station_a, station_b = station(), station()
    request_a = open_committed(database, station_a, misfire())
    request_b = open_committed(database, station_b, misfire())
    dealer = Principal(subject="sales@dl", role=Role.DEALER, org_code=station_a.org_code)

    with database.unit_of_work() as uow:
        with pytest.raises(NotFound):
            support.get_request(uow, station_b, request_a)
        with pytest.raises(NotFound):
            support.get_request(uow, dealer, request_a)
        assert [str(r.id) for r in support.list_requests(uow, station_b, offset=0, limit=10)] == [request_b]
        assert support.list_requests(uow, dealer, offset=0, limit=10) == []
        assert str(support.get_request(uow, HQ, request_a).id) == request_a
        assert str(support.get_request(uow, HQ, request_b).id) == request_b
        everything = {str(r.id) for r in support.list_requests(uow, HQ, offset=0, limit=1000)}
    assert {request_a, request_b} <= everything


def test_an_id_that_is_not_a_uuid_is_not_found(database: Database) -> None:
    with database.unit_of_work() as uow, pytest.raises(NotFound):
        support.get_request(uow, HQ, "not-a-request")


def test_listing_filters_by_status_newest_first_in_pages(database: Database) -> None:
    mechanic = station()
    opened = [
        open_committed(database, mechanic, misfire("low"), OPENED_AT + dt.timedelta(minutes=minutes))
        for minutes in (0, 10, 20)
    ]
    with database.unit_of_work() as uow:
        uow.session.get_one(SupportRequestRow, uuid.UUID(opened[1])).status = "closed"
        uow.commit()

    with database.unit_of_work() as uow:
        open_ids = [str(r.id) for r in support.list_requests(uow, mechanic, offset=0, limit=10, status="open")]
        closed_ids = [str(r.id) for r in support.list_requests(uow, mechanic, offset=0, limit=10, status="closed")]
        first_page = [str(r.id) for r in support.list_requests(uow, mechanic, offset=0, limit=2)]
        second_page = [str(r.id) for r in support.list_requests(uow, mechanic, offset=2, limit=2)]
        with pytest.raises(ValidationFailed) as caught:
            support.list_requests(uow, mechanic, offset=0, limit=10, status="pending")
    assert open_ids == [opened[2], opened[0]]
    assert closed_ids == [opened[1]]
    assert first_page == [opened[2], opened[1]]
    assert second_page == [opened[0]]
    assert [v.field for v in caught.value.violations] == ["status"]


@pytest.fixture(scope="module")
def support_stub(database: Database) -> Iterator[support_pb2_grpc.SupportServiceStub]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), interceptors=[DomainErrorInterceptor()])
    support_pb2_grpc.add_SupportServiceServicer_to_server(SupportServicer(database), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield support_pb2_grpc.SupportServiceStub(channel)
    channel.close()
    server.stop(grace=None)


def as_caller(principal: Principal) -> list[tuple[str, str]]:
    return [(GRPC_METADATA_KEY, principal.to_json())]


def test_grpc_names_the_offending_fields(support_stub: support_pb2_grpc.SupportServiceStub) -> None:
    bad = support_pb2.OpenRequestRequest(
        vin="1M8GDM9AXKP04278",
        subject="Misfire on cylinder 1",
        description="Rough idle after injector swap.",
        dtc_codes=["P0301", "P03G1"],
    )
    with pytest.raises(grpc.RpcError) as caught:
        support_stub.OpenRequest(bad, metadata=as_caller(station()), timeout=10)
    error = caught.value
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    trailing = dict(error.trailing_metadata())
    violations = json.loads(trailing[FIELD_VIOLATIONS_KEY])
    assert {v["field"] for v in violations} == {"vin", "dtc_codes"}
    assert any("P03G1" in v["message"] for v in violations if v["field"] == "dtc_codes")


def test_grpc_opens_and_scopes_requests(support_stub: support_pb2_grpc.SupportServiceStub) -> None:
    mechanic, other = station(), station()
    answer = support_stub.OpenRequest(
        support_pb2.OpenRequestRequest(
            vin="1HGCM82633A004352",
            subject="No communication with ABS module",
            description="Scan tool cannot reach the ABS module; fuse and ground checked.",
            dtc_codes=["u0121"],
        ),
        metadata=as_caller(mechanic),
        timeout=10,
    )
    opened = answer.request
    assert opened.station_code == mechanic.org_code
    assert opened.priority == "normal"
    assert list(opened.dtc_codes) == ["U0121"]
    opened_at = dt.datetime.fromisoformat(opened.opened_at)
    assert dt.datetime.fromisoformat(opened.first_response_due) - opened_at == dt.timedelta(hours=8)
    assert dt.datetime.fromisoformat(opened.resolution_due) - opened_at == dt.timedelta(hours=72)

    fetched = support_stub.GetRequest(support_pb2.GetRequestRequest(id=opened.id), metadata=as_caller(mechanic))
    assert fetched.id == opened.id and fetched.resolution_due == opened.resolution_due
    with pytest.raises(grpc.RpcError) as caught:
        support_stub.GetRequest(support_pb2.GetRequestRequest(id=opened.id), metadata=as_caller(other), timeout=10)
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND
    listed = support_stub.ListRequests(support_pb2.ListRequestsRequest(status="open"), metadata=as_caller(mechanic))
    assert [r.id for r in listed.requests] == [opened.id]
    assert listed.next_page_token == ""
