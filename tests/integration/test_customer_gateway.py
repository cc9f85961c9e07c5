"""The customer routes of the gateway, in front of the real customer servicer and database: who
sees which customer through each view, bodies refused naming the field, and one walk per family
of routes (registering to interactions, review to merge, import)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from customer_service import imports
from customer_service.grpc_api import CustomerServicer
from customer_service.models import RelationshipRow, metadata, tables
from dealernet.v1 import customer_pb2_grpc
from gateway.routes.customers import MAX_IMPORT_BYTES
from plumbing.db import Database
from plumbing.principal import Principal, Role
from tests import processes
from tests.gateway_client import bearer, gateway_calling

pytestmark = pytest.mark.integration

DEALER_A = Principal(subject="sales@D1001", role=Role.DEALER, org_code="D1001", region="R01")
DEALER_B = Principal(subject="sales@D2002", role=Role.DEALER, org_code="D2002", region="R01")
STATION = Principal(subject="advisor@S3003", role=Role.STATION, org_code="S3003", region="R01")
HQ = Principal(subject="master-data@hq", role=Role.HQ)
OPS = Principal(subject="oncall@ops", role=Role.OPS)

LI_WEI = {
    "full_name": "Li Wei",
    "phone": "+86 138 0013 8000",
    "email": "li.wei@example.com",
    "city": "Wuhan",
    "address_line": "88 Zhongshan Road",
    "postal_code": "430010",
    "consents": ["email", "sms"],
}
WANG_FANG = {"full_name": "Wang Fang", "phone": "+86 139 0000 1111", "city": "Wuhan"}
CHEN_JIE = {"full_name": "Chen Jie", "email": "chen.jie@example.com", "city": "Nanjing"}
UNKNOWN_ID = "0b0f7c1e-8a2b-4a59-9a9e-2f1d3c7b5e10"


@pytest.fixture(scope="module")
def database(fresh_database: Callable[[str], str]) -> Iterator[Database]:
    db = Database("customer", fresh_database("customer"), tables, pool_size=4)
    yield db
    db.engine.dispose()


@pytest.fixture
def db(database: Database) -> Database:
    emptied = ", ".join(table.name for table in metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {emptied} CASCADE"))
    return database


def serve_in_process(servicer: CustomerServicer) -> tuple[grpc.Server, int]:
    return processes.serve_in_process(customer_pb2_grpc.add_CustomerServiceServicer_to_server, servicer)


@pytest.fixture
def gateway(db: Database, amqp_uri: str) -> Iterator[TestClient]:
    # amqp_uri: the gateway's live feed subscribes on start; its vhost must exist.
    server, port = serve_in_process(CustomerServicer(db))
    try:
        with gateway_calling({"customer": port}) as client:
            yield client
    finally:
        server.stop(grace=None)


def register(client: TestClient, principal: Principal, body: dict[str, Any]) -> str:
    reply = client.post("/customers", headers=bearer(client, principal), json=body)
    assert reply.status_code in (200, 201), reply.text
    return str(reply.json()["customer"]["id"])


def names(reply: Any) -> list[str]:
    assert reply.status_code == 200, reply.text
    return sorted(c["full_name"] for c in reply.json()["customers"])


def fields(reply: Any) -> list[str]:
    assert reply.status_code == 422, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in reply.json()["errors"]]


def count(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def start_servicing(db: Database, customer_id: str, station_code: str = "S3003") -> None:
    """What a support request opened on one of the customer's cars leaves behind."""
    with db.unit_of_work() as uow:
        uow.session.add(
            RelationshipRow(
                customer_id=customer_id, org_code=station_code, kind="servicing", source="support request SR-1"
            )
        )
        uow.commit()


def end_servicing(db: Database, customer_id: str, station_code: str = "S3003") -> None:
    with db.unit_of_work() as uow:
        uow.session.execute(
            update(RelationshipRow)
            .where(RelationshipRow.customer_id == customer_id, RelationshipRow.org_code == station_code)
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
        uow.commit()


# --- Who sees whom ------------------------------------------------------------------------------


def test_another_dealer_gets_not_found_for_a_customer_on_every_view_and_change(
    db: Database, gateway: TestClient
) -> None:
    customer_id = register(gateway, DEALER_A, LI_WEI)
    other = bearer(gateway, DEALER_B)

    replies = [
        gateway.get(f"/customers/{customer_id}", headers=other),
        gateway.get(f"/customers/{customer_id}/view", headers=other),
        gateway.put(f"/customers/{customer_id}/consents/email", headers=other, json={"granted": False}),
        gateway.post(f"/customers/{customer_id}/interactions", headers=other, json={"kind": "call", "summary": "Hi"}),
    ]

    assert [r.status_code for r in replies] == [404] * 4
    for reply in replies:
        assert "Li Wei" not in reply.text and "D1001" not in reply.text
    assert count(db, "customer_interactions") == 0
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT bool_and(granted) FROM customer_consents")).scalar_one() is True
    for insider in (DEALER_A, HQ, OPS):
        assert gateway.get(f"/customers/{customer_id}", headers=bearer(gateway, insider)).status_code == 200
        assert gateway.get(f"/customers/{customer_id}/view", headers=bearer(gateway, insider)).status_code == 200


def test_lists_and_counts_show_each_dealer_only_its_own(db: Database, gateway: TestClient) -> None:
    register(gateway, DEALER_A, LI_WEI)
    register(gateway, DEALER_A, WANG_FANG)
    register(gateway, DEALER_B, CHEN_JIE)
    hq = bearer(gateway, HQ)

    assert names(gateway.get("/customers", headers=bearer(gateway, DEALER_A))) == ["Li Wei", "Wang Fang"]
    assert names(gateway.get("/customers", headers=bearer(gateway, DEALER_B))) == ["Chen Jie"]
    assert names(gateway.get("/customers", headers=bearer(gateway, STATION))) == []
    assert names(gateway.get("/customers", headers=hq)) == ["Chen Jie", "Li Wei", "Wang Fang"]
    assert names(gateway.get("/customers", headers=hq, params={"dealer_code": "D2002"})) == ["Chen Jie"]
    assert names(gateway.get("/customers", headers=bearer(gateway, OPS), params={"dealer_code": "D1001"})) == [
        "Li Wei",
        "Wang Fang",
    ]

    counts = {
        code: gateway.get("/customers/counts", headers=hq, params={"dealer_code": code}).json()
        for code in ("D1001", "D2002", "D9999")
    }
    assert {code: c["total"] for code, c in counts.items()} == {"D1001": 2, "D2002": 1, "D9999": 0}
    assert {c["region"] for c in counts["D1001"]["counts"]} == {"R01"}
    assert sum(c["customers"] for c in counts["D1001"]["counts"]) == 2
    assert gateway.get("/customers/counts", headers=hq).json()["total"] == 3

    # A dealer asking for another dealer's list is refused, not answered with its own.
    peek = gateway.get("/customers", headers=bearer(gateway, DEALER_B), params={"dealer_code": "D1001"})
    assert peek.status_code == 403 and "dealer_code" in peek.json()["detail"]
    assert (
        gateway.get("/customers", headers=bearer(gateway, STATION), params={"dealer_code": "D1001"}).status_code == 403
    )
    for outsider in (DEALER_A, DEALER_B, STATION):
        assert gateway.get("/customers/counts", headers=bearer(gateway, outsider)).status_code == 403


def test_a_list_pages_through_only_what_the_dealer_sees(db: Database, gateway: TestClient) -> None:
    register(gateway, DEALER_A, LI_WEI)
    register(gateway, DEALER_A, WANG_FANG)
    register(gateway, DEALER_B, CHEN_JIE)
    dealer = bearer(gateway, DEALER_A)

    first = gateway.get("/customers", headers=dealer, params={"page_size": 1}).json()
    second = gateway.get(
        "/customers", headers=dealer, params={"page_size": 1, "page_token": first["next_page_token"]}
    ).json()

    assert len(first["customers"]) == len(second["customers"]) == 1
    assert second["next_page_token"] == ""
    assert {first["customers"][0]["full_name"], second["customers"][0]["full_name"]} == {"Li Wei", "Wang Fang"}


def test_a_station_sees_a_customer_only_while_it_services_them(db: Database, gateway: TestClient) -> None:
    customer_id = register(gateway, DEALER_A, LI_WEI)
    station = bearer(gateway, STATION)

    before = [
        gateway.get(f"/customers/{customer_id}", headers=station).status_code,
        gateway.get(f"/customers/{customer_id}/view", headers=station).status_code,
        gateway.put(f"/customers/{customer_id}/consents/sms", headers=station, json={"granted": False}).status_code,
        names(gateway.get("/customers", headers=station)),
    ]
    start_servicing(db, customer_id)
    view = gateway.get(f"/customers/{customer_id}/view", headers=station)
    noted = gateway.post(
        f"/customers/{customer_id}/interactions", headers=station, json={"kind": "visit", "summary": "Oil change"}
    )
    listed = names(gateway.get("/customers", headers=station))
    end_servicing(db, customer_id)
    after = gateway.get(f"/customers/{customer_id}", headers=station).status_code

    assert before == [404, 404, 404, []]
    assert view.status_code == 200
    # The station sees its own relationship, never which dealer has the customer.
    assert [(r["org_code"], r["kind"]) for r in view.json()["relationships"]] == [("S3003", "servicing")]
    assert "D1001" not in json.dumps(view.json()["relationships"])
    assert noted.status_code == 201 and noted.json()["org_code"] == "S3003"
    assert listed == ["Li Wei"]
    assert after == 404
    assert names(gateway.get("/customers", headers=station)) == []


def test_a_duplicate_check_by_another_dealer_says_a_match_exists_masked_and_not_whose(
    db: Database, gateway: TestClient
) -> None:
    customer_id = register(gateway, DEALER_A, LI_WEI)
    probe = {"full_name": "Li Wei", "phone": "0086 138 0013 8000", "city": "Wuhan"}

    theirs = gateway.post("/customers/duplicate-check", headers=bearer(gateway, DEALER_B), json=probe)
    ours = gateway.post("/customers/duplicate-check", headers=bearer(gateway, DEALER_A), json=probe)
    nobody = gateway.post(
        "/customers/duplicate-check",
        headers=bearer(gateway, DEALER_B),
        json={"full_name": "Zhou Lan", "phone": "+86 137 5555 0000", "city": "Xi'an"},
    )

    assert theirs.status_code == 200
    [hint] = theirs.json()["matches"]
    assert theirs.json()["exists"] is True
    assert hint["decision"] == "clear" and hint["customer_id"] == ""
    assert "*" in hint["masked_phone"] and hint["masked_phone"].endswith("8000")
    assert hint["masked_email"].startswith("l*") and hint["masked_email"].endswith("@example.com")
    for secret in (customer_id, "Li Wei", "8613800138000", "li.wei@example.com", "D1001"):
        assert secret not in theirs.text
    assert ours.json()["matches"][0]["customer_id"] == customer_id
    assert nobody.json() == {"exists": False, "matches": []}
    assert count(db, "customers") == 1


def test_headquarters_routes_are_refused_to_dealers_and_stations(db: Database, gateway: TestClient) -> None:
    merge = {"survivor_id": UNKNOWN_ID, "merged_id": UNKNOWN_ID.replace("0b", "1c", 1), "reason": "same person"}

    for outsider in (DEALER_A, STATION):
        who = bearer(gateway, outsider)
        assert gateway.get("/customers/reviews", headers=who).status_code == 403
        assert (
            gateway.post(f"/customers/reviews/{UNKNOWN_ID}", headers=who, json={"decision": "merge"}).status_code == 403
        )
        assert gateway.post("/customers/merges", headers=who, json=merge).status_code == 403
        assert gateway.get("/customers/counts", headers=who).status_code == 403
    # Operations watch the master; they do not change it.
    ops = bearer(gateway, OPS)
    assert gateway.post(f"/customers/reviews/{UNKNOWN_ID}", headers=ops, json={"decision": "merge"}).status_code == 403
    assert gateway.post("/customers/merges", headers=ops, json=merge).status_code == 403
    assert gateway.post("/customers", headers=ops, json=LI_WEI).status_code == 403
    assert gateway.get("/customers/reviews", headers=ops).status_code == 200
    csv = {"Content-Type": "text/csv"}
    assert (
        gateway.post(
            "/customers/imports?filename=a.csv", headers=bearer(gateway, STATION) | csv, content=b"full_name\nLi Wei\n"
        ).status_code
        == 403
    )
    assert gateway.get("/customers").status_code == 401
    assert count(db, "customers") == 0


# --- Bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"full_name": 42}, "full_name"),
        ({"full_name": ""}, "full_name"),
        ({"phone": 8613800138000}, "phone"),
        ({"city": None}, "city"),
        ({"kind": "fleet"}, "kind"),
        ({"consents": ["email", "fax"]}, "consents"),
        ({"consents": "email"}, "consents"),
        ({"registered_by": "D2002"}, "registered_by"),
        ({"phone": "call me maybe"}, "phone"),
        ({"email": "li.wei at example.com"}, "email"),
    ],
)
def test_a_bad_registration_is_refused_naming_the_field(
    db: Database, gateway: TestClient, change: dict[str, Any], field: str
) -> None:
    for path in ("/customers", "/customers/duplicate-check"):
        reply = gateway.post(path, headers=bearer(gateway, DEALER_A), json=LI_WEI | change)
        assert fields(reply) == [field], path
    assert count(db, "customers") == 0


def test_an_unknown_consent_channel_or_kind_is_named_in_the_answer(db: Database, gateway: TestClient) -> None:
    dealer = bearer(gateway, DEALER_A)
    customer_id = register(gateway, DEALER_A, LI_WEI)

    channel = gateway.post("/customers", headers=dealer, json=LI_WEI | {"consents": ["fax"]})
    kind = gateway.post("/customers", headers=dealer, json=LI_WEI | {"kind": "fleet"})
    path_channel = gateway.put(f"/customers/{customer_id}/consents/fax", headers=dealer, json={"granted": True})

    assert "'fax'" in channel.json()["errors"][0]["message"]
    assert "'person'" in kind.json()["errors"][0]["message"]
    assert fields(path_channel) == ["channel"]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("put", "/customers/{id}/consents/email", {"granted": "no"}, "granted"),
        ("put", "/customers/{id}/consents/email", {"granted": 0}, "granted"),
        ("put", "/customers/{id}/consents/email", {}, "granted"),
        ("post", "/customers/{id}/interactions", {"kind": "letter", "summary": "x"}, "kind"),
        ("post", "/customers/{id}/interactions", {"kind": "call", "summary": "   "}, "summary"),
        ("post", "/customers/{id}/interactions", {"kind": "call", "summary": 7}, "summary"),
        (
            "post",
            "/customers/{id}/interactions",
            {"kind": "call", "summary": "x", "occurred_at": "2026-11-20T10:30:00"},
            "occurred_at",
        ),
        (
            "post",
            "/customers/{id}/interactions",
            {"kind": "call", "summary": "x", "occurred_at": "Monday"},
            "occurred_at",
        ),
        ("post", "/customers/reviews/{id}", {"decision": "maybe"}, "decision"),
        ("post", "/customers/merges", {"survivor_id": "{id}", "merged_id": "nope", "reason": "x"}, "merged_id"),
        ("post", "/customers/merges", {"survivor_id": "{id}", "merged_id": "{id}"}, "reason"),
        ("get", "/customers?segment=vip", None, "segment"),
        ("get", "/customers?page_size=0", None, "page_size"),
        ("get", "/customers?page_token=garbage", None, "page_token"),
        ("get", "/customers/not-a-customer", None, "id"),
    ],
)
def test_bad_input_to_the_other_routes_is_refused_naming_the_field(
    db: Database, gateway: TestClient, method: str, path: str, body: dict[str, Any] | None, field: str
) -> None:
    customer_id = register(gateway, DEALER_A, LI_WEI)
    who = bearer(gateway, HQ)
    filled = json.loads(json.dumps(body).replace("{id}", customer_id)) if body is not None else None

    reply = gateway.request(method.upper(), path.replace("{id}", customer_id), headers=who, json=filled)

    assert fields(reply) == [field]


# --- Walks --------------------------------------------------------------------------------------


def test_register_view_consent_and_interaction(db: Database, gateway: TestClient) -> None:
    dealer = bearer(gateway, DEALER_A)

    created = gateway.post("/customers", headers=dealer, json=LI_WEI)
    customer_id = created.json()["customer"]["id"]
    again = gateway.post("/customers", headers=dealer, json={"full_name": "Li Wei", "phone": "0086-138-0013-8000"})
    withdrawn = gateway.put(f"/customers/{customer_id}/consents/sms", headers=dealer, json={"granted": False})
    posted = gateway.put(f"/customers/{customer_id}/consents/post", headers=dealer, json={"granted": True})
    noted = gateway.post(
        f"/customers/{customer_id}/interactions",
        headers=dealer,
        json={"kind": "call", "summary": "  Wants a test drive  ", "occurred_at": "2026-11-20T10:30:00+08:00"},
    )
    view = gateway.get(f"/customers/{customer_id}/view", headers=dealer)
    fetched = gateway.get(f"/customers/{customer_id}", headers=dealer)

    assert created.status_code == 201
    assert created.json()["already_known"] is False and created.json()["queued_for_review"] == 0
    customer = created.json()["customer"]
    assert (customer["phone"], customer["email"], customer["registered_by"], customer["source_channel"]) == (
        "+8613800138000",
        "li.wei@example.com",
        "D1001",
        "dealer",
    )
    assert again.status_code == 200
    assert again.json()["already_known"] is True and again.json()["customer"]["id"] == customer_id
    assert withdrawn.status_code == 200
    assert {c["channel"]: c["granted"] for c in withdrawn.json()["consents"]} == {"email": True, "sms": False}
    assert {c["channel"]: c["granted"] for c in posted.json()["consents"]} == {
        "email": True,
        "post": True,
        "sms": False,
    }
    assert noted.status_code == 201
    assert (noted.json()["kind"], noted.json()["summary"], noted.json()["recorded_by"]) == (
        "call",
        "Wants a test drive",
        "sales@D1001",
    )
    assert dt.datetime.fromisoformat(noted.json()["occurred_at"]) == dt.datetime(2026, 11, 20, 2, 30, tzinfo=dt.UTC)

    assert view.status_code == 200
    body = view.json()
    assert body["customer"]["id"] == customer_id
    assert [(a["line"], a["postal_code"], a["city"]) for a in body["addresses"]] == [
        ("88 Zhongshan Road", "430010", "Wuhan")
    ]
    assert {c["channel"]: c["granted"] for c in body["consents"]} == {"email": True, "post": True, "sms": False}
    assert [(r["org_code"], r["kind"]) for r in body["relationships"]] == [("D1001", "prospect")]
    assert [i["id"] for i in body["interactions"]] == [noted.json()["id"]]
    assert body["merged_ids"] == [] and body["service_history"] == []
    assert fetched.json()["full_name"] == "Li Wei" and fetched.json()["vehicles"] == []
    assert count(db, "customers") == 1


def test_headquarters_decides_a_review_and_merges_two_records(db: Database, gateway: TestClient) -> None:
    hq = bearer(gateway, HQ)
    li_wei = register(gateway, DEALER_A, LI_WEI)
    # Another name on Li Wei's phone: maybe a relative, maybe a typing slip. Headquarters decides.
    doubtful = gateway.post(
        "/customers",
        headers=bearer(gateway, DEALER_B),
        json={"full_name": "Zhang Min", "phone": "+86 138 0013 8000", "city": "Wuhan"},
    )
    wang_a = register(gateway, DEALER_A, WANG_FANG)
    wang_b = register(gateway, DEALER_B, {"full_name": "Fang Wang", "email": "fang.w@example.com", "city": "Hankou"})

    reviews = gateway.get("/customers/reviews", headers=hq)
    [review] = reviews.json()["reviews"]
    decided = gateway.post(f"/customers/reviews/{review['id']}", headers=hq, json={"decision": "merge"})
    twice = gateway.post(f"/customers/reviews/{review['id']}", headers=hq, json={"decision": "keep_apart"})
    merged = gateway.post(
        "/customers/merges", headers=hq, json={"survivor_id": wang_a, "merged_id": wang_b, "reason": "Same person"}
    )
    through_old_id = gateway.get(f"/customers/{wang_b}", headers=bearer(gateway, DEALER_B))
    survivor_view = gateway.get(f"/customers/{wang_a}/view", headers=hq)

    assert doubtful.status_code == 201 and doubtful.json()["queued_for_review"] == 1
    zhang = doubtful.json()["customer"]["id"]
    assert reviews.status_code == 200
    assert {review["customer"]["id"], review["candidate"]["id"]} == {li_wei, zhang}
    assert "phone" in review["reasons"] and review["status"] == "pending"
    assert decided.status_code == 200 and decided.json()["status"] == "merged"
    assert twice.status_code == 409
    assert gateway.get(f"/customers/{zhang}", headers=hq).json()["id"] == li_wei
    assert gateway.get("/customers/reviews", headers=hq).json()["reviews"] == []

    assert merged.status_code == 200
    assert merged.json()["id"] == wang_a and merged.json()["full_name"] == "Wang Fang"
    # Dealer B's relationship moved with the record: its old id leads it to the survivor.
    assert through_old_id.status_code == 200 and through_old_id.json()["id"] == wang_a
    assert survivor_view.json()["merged_ids"] == [wang_b]
    # The survivor had no e-mail address; it takes the merged record's.
    assert survivor_view.json()["customer"]["email"] == "fang.w@example.com"
    again = gateway.post(
        "/customers/merges", headers=hq, json={"survivor_id": wang_a, "merged_id": wang_b, "reason": "Again"}
    )
    assert again.status_code == 409
    assert names(gateway.get("/customers", headers=hq)) == ["Li Wei", "Wang Fang"]


def _import_is_written(db: Database) -> bool:
    with db.unit_of_work() as uow:
        try:
            imports.import_customers(uow, DEALER_A, "probe.csv", b"full_name\n")
        except NotImplementedError:
            return False
        except Exception:  # noqa: BLE001 - anything but "not written yet" means the use case is there
            return True
    return True


def test_a_dealer_imports_its_list_and_the_same_file_again_creates_nothing(db: Database, gateway: TestClient) -> None:
    if not _import_is_written(db):
        pytest.skip("the CSV import use case (customer_service.imports.import_customers) is not written yet")
    dealer = bearer(gateway, DEALER_A) | {"Content-Type": "text/csv; charset=utf-8"}
    csv = (
        b"full_name,phone,email,city\n"
        b"Li Wei,+86 138 0013 8000,li.wei@example.com,Wuhan\n"
        b",+86 139 0000 2222,,Wuhan\n"
        b"Chen Jie,,chen.jie@example.com,Nanjing\n"
    )

    first = gateway.post("/customers/imports", params={"filename": "customers.csv"}, headers=dealer, content=csv)
    again = gateway.post("/customers/imports", params={"filename": "customers.csv"}, headers=dealer, content=csv)

    assert first.status_code == 201, first.text
    report = first.json()
    assert (report["filename"], report["rows"], report["created"], report["rejected"]) == ("customers.csv", 3, 2, 1)
    assert [(r["line"], r["field"]) for r in report["rejected_rows"]] == [(3, "full_name")]
    assert report["replayed"] is False
    assert again.status_code == 200
    assert again.json()["replayed"] is True and again.json()["import_id"] == report["import_id"]
    assert count(db, "customers") == 2
    assert names(gateway.get("/customers", headers=bearer(gateway, DEALER_A))) == ["Chen Jie", "Li Wei"]
    assert names(gateway.get("/customers", headers=bearer(gateway, DEALER_B))) == []


def test_an_import_must_be_a_csv_body_of_at_most_twenty_megabytes(db: Database, gateway: TestClient) -> None:
    dealer = bearer(gateway, DEALER_A)
    csv = dealer | {"Content-Type": "text/csv"}

    too_large = gateway.post(
        "/customers/imports", params={"filename": "big.csv"}, headers=csv, content=b"x" * (MAX_IMPORT_BYTES + 1)
    )
    as_json = gateway.post("/customers/imports", params={"filename": "a.csv"}, headers=dealer, json={"rows": []})
    empty = gateway.post("/customers/imports", params={"filename": "a.csv"}, headers=csv, content=b"")
    unnamed = gateway.post("/customers/imports", headers=csv, content=b"full_name\nLi Wei\n")

    assert too_large.status_code == 413
    assert too_large.headers["content-type"] == "application/problem+json"
    assert "20 MB" in too_large.json()["detail"]
    assert as_json.status_code == 415 and "text/csv" in as_json.json()["detail"]
    assert fields(empty) == ["body"]
    assert fields(unnamed) == ["filename"]
    assert count(db, "customers") == 0 and count(db, "customer_imports") == 0
