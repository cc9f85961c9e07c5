"""The support desk's gateway routes, in front of the real station servicer and database: who
may see and do what, bodies refused naming the field, and a request walked from the station's
question to a published article that the next station finds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from dealernet.v1 import support_pb2_grpc
from plumbing.db import Database
from plumbing.principal import Principal, Role
from plumbing.vin import vin_check_digit
from station_service.grpc_api import SupportServicer
from station_service.models import StationOperatorRow, metadata, tables
from tests import processes
from tests.gateway_client import bearer, gateway_calling

pytestmark = pytest.mark.integration

STATION_A = Principal(subject="tech@S001", role=Role.STATION, org_code="S001", region="EAST")
STATION_B = Principal(subject="tech@S002", role=Role.STATION, org_code="S002", region="NORTH")
DEALER = Principal(subject="sales@D001", role=Role.DEALER, org_code="D001", region="EAST")
OTHER_DEALER = Principal(subject="sales@D002", role=Role.DEALER, org_code="D002", region="EAST")
ENGINEER = Principal(subject="li.engineer@hq", role=Role.HQ)
REVIEWER = Principal(subject="wang.reviewer@hq", role=Role.HQ)
OPS = Principal(subject="ops", role=Role.OPS)

MISSING_ID = "00000000-0000-4000-8000-000000000000"


def make_vin(serial: int, prefix: str = "LDN2A4C10R0") -> str:
    draft = f"{prefix}{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


VIN = make_vin(1)

MISFIRE = {
    "vin": VIN,
    "subject": "Misfire on cylinder 1 under load",
    "description": "P0301 returns after plug and coil swap; compression is in spec, injector 1 clicks.",
    "dtc_codes": ["P0301"],
    "priority": "high",
    "model_code": "AUR",
    "model_year": 2024,
    "mileage_km": 48_200,
}

ARTICLE = {
    "kind": "article",
    "title": "Hesitation when cold: throttle body carbon",
    "symptoms": "Engine hesitates on cold start, idle hunts until warm.",
    "solution": "Clean the throttle body and run the idle relearn.",
    "dtc_codes": ["P0507"],
    "model_codes": ["AUR"],
}


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("station", fresh_database("station"), tables, pool_size=8)
    yield db
    db.engine.dispose()


@pytest.fixture(autouse=True)
def db(database: Database) -> Database:
    emptied = ", ".join(table.name for table in metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {emptied} CASCADE"))
    return database


def serve_in_process(servicer: SupportServicer) -> tuple[grpc.Server, int]:
    return processes.serve_in_process(support_pb2_grpc.add_SupportServiceServicer_to_server, servicer)


@pytest.fixture(scope="module")
def gateway(database: Database, amqp_uri: str) -> Iterator[TestClient]:
    # One gateway for the whole module, the rows emptied per test: its live feed subscribes to
    # the broker on start (amqp_uri makes the vhost), and a feed stopped while still connecting
    # has been seen to hang in aio-pika's reconnect loop.
    server, port = serve_in_process(SupportServicer(database))
    try:
        with gateway_calling({"station": port}) as client:
            yield client
    finally:
        server.stop(grace=None)


def open_request(client: TestClient, principal: Principal = STATION_A, **changes: Any) -> dict[str, Any]:
    reply = client.post("/support-requests", headers=bearer(client, principal), json=MISFIRE | changes)
    assert reply.status_code == 201, reply.text
    opened: dict[str, Any] = reply.json()["request"]
    return opened


def publish(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    drafted = client.post("/knowledge/articles", headers=bearer(client, ENGINEER), json=body)
    assert drafted.status_code == 201, drafted.text
    published = client.post(f"/knowledge/articles/{drafted.json()['id']}/publish", headers=bearer(client, REVIEWER))
    assert published.status_code == 200, published.text
    article: dict[str, Any] = published.json()
    return article


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


# --- Who sees what --------------------------------------------------------------------------------


def test_a_station_sees_its_own_requests_and_another_station_gets_404_for_them(gateway: TestClient) -> None:
    a, b, hq = bearer(gateway, STATION_A), bearer(gateway, STATION_B), bearer(gateway, ENGINEER)
    mine = open_request(gateway)
    theirs = open_request(gateway, STATION_B, vin=make_vin(2))
    gateway.post(f"/support-requests/{mine['id']}/resolve", headers=hq, json={"resolution": "Replace coil pack 1."})
    path = f"/support-requests/{mine['id']}"

    assert gateway.get(path, headers=a).status_code == 200
    assert gateway.get(path, headers=b).status_code == 404
    assert gateway.get(f"{path}/messages", headers=b).status_code == 404
    assert gateway.post(f"{path}/messages", headers=b, json={"body": "Same here"}).status_code == 404
    assert gateway.post(f"{path}/close", headers=b, json={"rating": 1}).status_code == 404
    assert gateway.post(f"{path}/reopen", headers=b).status_code == 404
    assert ids(gateway.get("/support-requests", headers=a).json()["requests"]) == [mine["id"]]
    assert ids(gateway.get("/support-requests", headers=b).json()["requests"]) == [theirs["id"]]
    assert sorted(ids(gateway.get("/support-requests", headers=hq).json()["requests"])) == sorted(
        [mine["id"], theirs["id"]]
    )
    assert gateway.get(path, headers=bearer(gateway, OPS)).status_code == 200
    # Untouched by the other station's attempts.
    assert gateway.get(path, headers=a).json()["status"] == "resolved"


def test_a_dealer_reads_only_the_requests_of_the_station_it_runs_and_writes_none(
    gateway: TestClient, db: Database
) -> None:
    with db.unit_of_work() as uow:
        uow.session.add(StationOperatorRow(station_code="S001", dealer_code="D001"))
        uow.commit()
    runs_s001, other_dealer = bearer(gateway, DEALER), bearer(gateway, OTHER_DEALER)
    request_id = open_request(gateway)["id"]
    path = f"/support-requests/{request_id}"

    refused = [
        gateway.post("/support-requests", headers=runs_s001, json=MISFIRE),
        gateway.post(f"{path}/messages", headers=runs_s001, json={"body": "Any news?"}),
        gateway.post(f"{path}/close", headers=runs_s001, json={}),
        gateway.post(f"{path}/reopen", headers=runs_s001),
        gateway.post(f"/vehicles/{VIN}/repairs", headers=runs_s001, json={"mileage_km": 1000, "work_done": "Oil"}),
    ]

    assert [reply.status_code for reply in refused] == [403] * len(refused)
    assert refused[0].headers["content-type"] == "application/problem+json"
    assert gateway.get(path, headers=runs_s001).json()["id"] == request_id
    assert [r["id"] for r in gateway.get("/support-requests", headers=runs_s001).json()["requests"]] == [request_id]
    assert gateway.get(f"{path}/messages", headers=runs_s001).status_code == 200
    assert [r["id"] for r in gateway.get(f"/vehicles/{VIN}/service-history", headers=runs_s001).json()["requests"]] == [
        request_id
    ]
    assert gateway.get(path, headers=other_dealer).status_code == 404
    assert gateway.get("/support-requests", headers=other_dealer).json()["requests"] == []
    assert gateway.get("/knowledge/articles", headers=other_dealer).status_code == 200
    assert gateway.get(f"/vehicles/{VIN}/bulletins", headers=other_dealer).status_code == 200


def test_the_desk_s_routes_refuse_stations_and_dealers_and_station_steps_refuse_the_desk(
    gateway: TestClient,
) -> None:
    request_id = open_request(gateway)["id"]
    path = f"/support-requests/{request_id}"
    desk_only: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", f"{path}/take", None),
        ("POST", f"{path}/resolve", {"resolution": "Replace the coil."}),
        ("GET", "/support/breaches", None),
        ("GET", "/support/performance", None),
        ("POST", "/knowledge/articles", ARTICLE),
        ("POST", f"/knowledge/articles/from-request/{request_id}", None),
        ("POST", f"/knowledge/articles/{MISSING_ID}/publish", None),
    ]
    station_only: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/support-requests", MISFIRE),
        ("POST", f"{path}/reopen", None),
        ("POST", f"/vehicles/{VIN}/repairs", {"mileage_km": 1000, "work_done": "Oil change"}),
        ("POST", f"/knowledge/articles/{MISSING_ID}/feedback", {"solved": True}),
    ]

    def status(principal: Principal, method: str, url: str, body: dict[str, Any] | None) -> int:
        return int(gateway.request(method, url, headers=bearer(gateway, principal), json=body).status_code)

    for method, url, body in desk_only:
        assert (status(STATION_A, method, url, body), status(DEALER, method, url, body)) == (403, 403), url
    for method, url, body in station_only:
        assert (status(ENGINEER, method, url, body), status(OPS, method, url, body)) == (403, 403), url
    # Operations watch the desk but neither take, answer nor resolve.
    assert status(OPS, "POST", f"{path}/take", None) == 403
    assert status(OPS, "POST", f"{path}/messages", {"body": "Looking"}) == 403
    assert status(OPS, "GET", "/support/breaches", None) == 200
    assert status(OPS, "GET", "/support/performance", None) == 200
    assert gateway.get(path, headers=bearer(gateway, STATION_A)).json()["status"] == "open"


def test_drafts_are_the_desk_s_alone(gateway: TestClient) -> None:
    station, hq = bearer(gateway, STATION_A), bearer(gateway, ENGINEER)
    draft = gateway.post("/knowledge/articles", headers=hq, json=ARTICLE).json()
    search = {"query": "throttle body"}

    assert draft["status"] == "draft"
    assert gateway.get("/knowledge/articles", headers=station, params=search).json()["articles"] == []
    assert gateway.get(f"/knowledge/articles/{draft['id']}", headers=station).status_code == 404
    assert gateway.get(f"/knowledge/articles/{draft['id']}", headers=bearer(gateway, DEALER)).status_code == 404
    for principal in (STATION_A, DEALER, OPS):
        asked = gateway.get("/knowledge/articles", headers=bearer(gateway, principal), params={"include_drafts": True})
        assert asked.status_code == 403, principal.role
    assert (
        gateway.post(f"/knowledge/articles/{draft['id']}/feedback", headers=station, json={"solved": True}).status_code
        == 404
    )
    assert gateway.get("/knowledge/articles", headers=hq, params=search).json()["articles"] == []
    with_drafts = gateway.get("/knowledge/articles", headers=hq, params=search | {"include_drafts": True})
    assert ids(with_drafts.json()["articles"]) == [draft["id"]]
    assert gateway.get(f"/knowledge/articles/{draft['id']}", headers=hq).json()["status"] == "draft"


def test_service_history_and_bulletins_by_vin(gateway: TestClient) -> None:
    a, b, hq = bearer(gateway, STATION_A), bearer(gateway, STATION_B), bearer(gateway, ENGINEER)
    request_id = open_request(gateway)["id"]
    repaired = gateway.post(
        f"/vehicles/{VIN}/repairs",
        headers=a,
        json={"mileage_km": 48_350, "work_done": "Replaced coil pack 1", "request_id": request_id},
    )
    bulletin = publish(
        gateway,
        {
            "kind": "bulletin",
            "title": "Ignition coil connector corrosion, early Aurora batch",
            "symptoms": "Intermittent misfire in wet weather.",
            "solution": "Replace connector C104 with the sealed part.",
            "model_codes": ["AUR"],
            "vin_prefix": VIN[:11],
            "serial_from": 1,
            "serial_to": 500,
            "bulletin_number": "TSB-26-014",
        },
    )

    assert repaired.status_code == 201, repaired.text
    assert repaired.json()["request_id"] == request_id and repaired.json()["station_code"] == "S001"
    own = gateway.get(f"/vehicles/{VIN}/service-history", headers=a).json()
    assert (ids(own["requests"]), ids(own["repairs"])) == ([request_id], [repaired.json()["id"]])
    assert gateway.get(f"/vehicles/{VIN}/service-history", headers=b).json() | {"vin": VIN} == {
        "vin": VIN,
        "requests": [],
        "repairs": [],
    }
    everything = gateway.get(f"/vehicles/{VIN}/service-history", headers=hq).json()
    assert (len(everything["requests"]), len(everything["repairs"])) == (1, 1)
    for principal in (STATION_B, DEALER, ENGINEER, OPS):
        found = gateway.get(f"/vehicles/{VIN}/bulletins", headers=bearer(gateway, principal)).json()["articles"]
        assert ids(found) == [bulletin["id"]], principal.role
    later_car = gateway.get(f"/vehicles/{make_vin(900)}/bulletins", headers=b).json()
    assert later_car["articles"] == []


def test_the_desk_s_queue_filters_and_its_deadline_watch(gateway: TestClient) -> None:
    hq = bearer(gateway, ENGINEER)
    critical = open_request(gateway, priority="critical")
    low = open_request(gateway, priority="low", vin=make_vin(3))
    north = open_request(gateway, STATION_B, vin=make_vin(4), model_code="BOR")
    gateway.post(f"/support-requests/{critical['id']}/take", headers=hq)

    def queue(**params: Any) -> list[str]:
        reply = gateway.get("/support-requests", headers=hq, params=params)
        assert reply.status_code == 200, reply.text
        return ids(reply.json()["requests"])

    assert queue(priority="critical") == [critical["id"]]
    assert sorted(queue(unassigned=True)) == sorted([low["id"], north["id"]])
    assert queue(engineer=ENGINEER.subject) == [critical["id"]]
    assert queue(region="NORTH") == [north["id"]]
    assert queue(model_code="bor") == [north["id"]]
    assert queue(status="in_progress") == [critical["id"]]
    assert queue(older_than_hours=1) == []
    assert len(queue(page_size=2)) == 2

    soon = gateway.get("/support/breaches", headers=hq, params={"horizon_hours": 9}).json()
    assert (soon["breached"], soon["predicted"]) == (0, 1)
    assert [(b["request"]["id"], b["state"]) for b in soon["breaches"]] == [(critical["id"], "predicted")]
    assert gateway.get("/support/breaches", headers=hq).json()["breaches"] == []

    by_region = gateway.get("/support/performance", headers=hq, params={"group_by": "region"}).json()
    assert by_region["group_by"] == "region"
    assert {row["key"]: row["requests"] for row in by_region["rows"]} == {"EAST": 2, "NORTH": 1}


# --- Bodies refused naming the field -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mileage_km": "48200"}, "mileage_km"),
        ({"mileage_km": 0}, "mileage_km"),
        ({"model_year": 2024.5}, "model_year"),
        ({"subject": 5}, "subject"),
        ({"dtc_codes": "P0301"}, "dtc_codes"),
        ({"station_code": "S002"}, "station_code"),
        # The service's own checks name their field just the same.
        ({"vin": "LDN2A4C10R000000I"}, "vin"),
        ({"dtc_codes": ["X1"]}, "dtc_codes"),
        ({"priority": "urgent"}, "priority"),
    ],
)
def test_opening_refuses_a_bad_body_naming_the_field(
    gateway: TestClient, db: Database, change: dict[str, Any], field: str
) -> None:
    reply = gateway.post("/support-requests", headers=bearer(gateway, STATION_A), json=MISFIRE | change)

    assert reply.status_code == 422, reply.text
    assert [error["field"] for error in reply.json()["errors"]] == [field]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM support_requests")).scalar_one() == 0


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, True])
def test_closing_refuses_a_rating_outside_one_to_five(gateway: TestClient, rating: Any) -> None:
    request_id = open_request(gateway)["id"]

    reply = gateway.post(
        f"/support-requests/{request_id}/close", headers=bearer(gateway, STATION_A), json={"rating": rating}
    )

    assert reply.status_code == 422, reply.text
    assert [error["field"] for error in reply.json()["errors"]] == ["rating"]
    assert gateway.get(f"/support-requests/{request_id}", headers=bearer(gateway, STATION_A)).json()["status"] == "open"


@pytest.mark.parametrize(
    ("who", "path", "body", "field"),
    [
        (STATION_A, "/messages", {"body": "Checked", "asks_station": "yes"}, "asks_station"),
        (STATION_A, "/messages", {"body": 42}, "body"),
        (STATION_A, "/messages", {"body": "Is it fixed?", "asks_station": True}, "asks_station"),
        (ENGINEER, "/take", {"engineer": 7}, "engineer"),
        (ENGINEER, "/resolve", {"resolution": ""}, "resolution"),
        (ENGINEER, "/close", {"rating": 5}, "rating"),
        (STATION_A, "/close", {"comment": ["fine"]}, "comment"),
    ],
)
def test_working_a_request_refuses_a_bad_body_naming_the_field(
    gateway: TestClient, who: Principal, path: str, body: dict[str, Any], field: str
) -> None:
    request_id = open_request(gateway)["id"]

    reply = gateway.post(f"/support-requests/{request_id}{path}", headers=bearer(gateway, who), json=body)

    assert reply.status_code == 422, reply.text
    assert [error["field"] for error in reply.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("who", "method", "url", "body", "field"),
    [
        (STATION_A, "POST", f"/vehicles/{VIN}/repairs", {"mileage_km": "1000", "work_done": "Oil"}, "mileage_km"),
        (STATION_A, "POST", f"/vehicles/{VIN}/repairs", {"mileage_km": 1000}, "work_done"),
        (STATION_A, "POST", "/vehicles/LDN2A4C10R000000I/repairs", {"mileage_km": 1000, "work_done": "Oil"}, "vin"),
        (STATION_A, "POST", f"/knowledge/articles/{MISSING_ID}/feedback", {"solved": "true"}, "solved"),
        (STATION_A, "POST", f"/knowledge/articles/{MISSING_ID}/feedback", {"solved": 1}, "solved"),
        (ENGINEER, "POST", "/knowledge/articles", ARTICLE | {"kind": "memo"}, "kind"),
        (ENGINEER, "POST", "/knowledge/articles", ARTICLE | {"year_from": "2024"}, "year_from"),
        (ENGINEER, "POST", "/knowledge/articles", ARTICLE | {"model_codes": ["AUR X"]}, "model_codes"),
        (ENGINEER, "POST", "/knowledge/articles", ARTICLE | {"kind": "bulletin"}, "bulletin_number"),
        (ENGINEER, "GET", "/support-requests?older_than_hours=-1", None, "older_than_hours"),
        (ENGINEER, "GET", "/support-requests?status=lost", None, "status"),
        (ENGINEER, "GET", "/support/performance?group_by=dealer", None, "group_by"),
        (ENGINEER, "GET", "/support/performance?since=yesterday", None, "since"),
        (ENGINEER, "GET", "/support/breaches?horizon_hours=0", None, "horizon_hours"),
        (STATION_A, "GET", "/knowledge/articles?kind=memo", None, "kind"),
        (STATION_A, "GET", "/knowledge/articles?dtc_code=X1", None, "dtc_code"),
    ],
)
def test_other_routes_refuse_bad_input_naming_the_field(
    gateway: TestClient, who: Principal, method: str, url: str, body: dict[str, Any] | None, field: str
) -> None:
    reply = gateway.request(method, url, headers=bearer(gateway, who), json=body)

    assert reply.status_code == 422, reply.text
    assert field in [error["field"] for error in reply.json()["errors"]]


# --- From a station's question to an article the next station finds ------------------------------


def test_a_request_walks_from_question_to_a_published_article_the_next_station_finds(
    gateway: TestClient,
) -> None:
    station, other_station = bearer(gateway, STATION_A), bearer(gateway, STATION_B)
    engineer, reviewer = bearer(gateway, ENGINEER), bearer(gateway, REVIEWER)

    opened = gateway.post("/support-requests", headers=station, json=MISFIRE)
    assert opened.status_code == 201, opened.text
    assert set(opened.json()) == {"request", "suggestions"}
    request = opened.json()["request"]
    path = f"/support-requests/{request['id']}"
    assert (request["status"], request["station_code"], request["model_code"], request["mileage_km"]) == (
        "open",
        "S001",
        "AUR",
        48_200,
    )

    taken = gateway.post(f"{path}/take", headers=engineer)
    assert (taken.status_code, taken.json()["status"], taken.json()["engineer"]) == (
        200,
        "in_progress",
        ENGINEER.subject,
    )

    asked = gateway.post(
        f"{path}/messages",
        headers=engineer,
        json={"body": "Please send the fuel trims at idle and check connector C104.", "asks_station": True},
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "waiting_on_station" and asked.json()["first_response_at"]

    replied = gateway.post(
        f"{path}/messages", headers=station, json={"body": "Trims +2%. C104 is green with corrosion."}
    )
    assert replied.json()["status"] == "in_progress"
    thread = gateway.get(f"{path}/messages", headers=station).json()["messages"]
    assert [(m["author_role"], m["asks_station"]) for m in thread] == [("engineer", True), ("station", False)]
    assert len(gateway.get(f"{path}/messages", headers=bearer(gateway, OPS)).json()["messages"]) == 2

    resolved = gateway.post(
        f"{path}/resolve",
        headers=engineer,
        json={"resolution": "Replace connector C104 with the sealed part and clear the codes."},
    )
    assert resolved.json()["status"] == "resolved"

    closed = gateway.post(f"{path}/close", headers=station, json={"rating": 5, "comment": "Fixed first time."})
    assert (closed.status_code, closed.json()["status"], closed.json()["rating"]) == (200, "closed", 5)

    drafted = gateway.post(f"/knowledge/articles/from-request/{request['id']}", headers=engineer)
    assert drafted.status_code == 201, drafted.text
    article = drafted.json()
    assert (article["status"], article["source_request_id"], article["dtc_codes"]) == (
        "draft",
        request["id"],
        ["P0301"],
    )
    by_author = gateway.post(f"/knowledge/articles/{article['id']}/publish", headers=engineer)
    assert by_author.status_code == 409 and "review" in by_author.json()["detail"]
    published = gateway.post(f"/knowledge/articles/{article['id']}/publish", headers=reviewer)
    assert (published.status_code, published.json()["status"]) == (200, "published")

    found = gateway.get(
        "/knowledge/articles", headers=other_station, params={"query": "misfire cylinder load", "model_code": "AUR"}
    )
    assert found.status_code == 200, found.text
    assert ids(found.json()["articles"]) == [article["id"]]
    assert found.json()["articles"][0]["rank"] > 0
    assert ids(
        gateway.get("/knowledge/articles", headers=other_station, params={"dtc_code": "p0301"}).json()["articles"]
    ) == [article["id"]]

    feedback = gateway.post(
        f"/knowledge/articles/{article['id']}/feedback",
        headers=station,
        json={"solved": True, "request_id": request["id"]},
    )
    assert feedback.status_code == 200, feedback.text
    assert (feedback.json()["solved_count"], feedback.json()["not_solved_count"]) == (1, 0)
    # Another station's request is not one this station may cite.
    not_its_own = gateway.post(
        f"/knowledge/articles/{article['id']}/feedback",
        headers=other_station,
        json={"solved": False, "request_id": request["id"]},
    )
    assert not_its_own.status_code == 422 and [e["field"] for e in not_its_own.json()["errors"]] == ["request_id"]

    # The next station with the same trouble is pointed at the article; the solved request
    # itself stays the first station's.
    suggested = gateway.post("/support-requests", headers=other_station, json=MISFIRE | {"vin": make_vin(7)})
    kinds = {(s["kind"], s["id"]) for s in suggested.json()["suggestions"]}
    assert ("article", article["id"]) in kinds
    assert not any(kind == "request" for kind, _ in kinds)

    reopened = gateway.post(f"{path}/reopen", headers=station)
    assert (reopened.status_code, reopened.json()["status"], reopened.json()["rating"]) == (200, "in_progress", 0)
    rated = gateway.get("/support/performance", headers=engineer, params={"group_by": "engineer"}).json()
    assert ENGINEER.subject in {row["key"] for row in rated["rows"]}
