"""The whole network, started as `make run` starts it, driven over HTTP through the gateway."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pika
import pytest

from gateway import API_PREFIX
from plumbing.settings import SERVICE_NAMES
from tests.processes import BIN, ROOT, forget_plant_queues, running, wait_for

pytestmark = pytest.mark.e2e

GATEWAY_PORT = 18000
TRACE_FILE = ROOT / "var" / "e2e-traces.jsonl"
NETWORK_ENV = {
    "DEALERNET_GATEWAY_PORT": str(GATEWAY_PORT),
    "DEALERNET_ORDER_GRPC_PORT": "15051",
    "DEALERNET_INVENTORY_GRPC_PORT": "15052",
    "DEALERNET_CUSTOMER_GRPC_PORT": "15053",
    "DEALERNET_STATION_GRPC_PORT": "15054",
    "DEALERNET_MONITOR_GRPC_PORT": "15055",
    "DEALERNET_TRACE_EXPORTER": "file",
    "DEALERNET_TRACE_FILE": str(TRACE_FILE),
}
PASSWORD = "demo-pass"


@pytest.fixture(scope="module")
def gateway(
    demo_channel: Callable[[Iterable[str]], None], amqp_uri: str, monkeypatch_module: Any
) -> Iterator[httpx.Client]:
    demo_channel(("gateway", *SERVICE_NAMES))
    TRACE_FILE.unlink(missing_ok=True)
    forget_plant_queues(amqp_uri)
    for key, value in NETWORK_ENV.items():
        monkeypatch_module.setenv(key, value)
    with running([str(BIN / "honcho"), "start", "-f", "Procfile"], env=NETWORK_ENV, log_name="network"):
        client = httpx.Client(base_url=f"http://127.0.0.1:{GATEWAY_PORT}{API_PREFIX}", timeout=10)
        wait_for(
            "every service healthy",
            lambda: client.get(f"http://127.0.0.1:{GATEWAY_PORT}/healthz").status_code == 200,
            timeout=120,
            interval=0.5,
        )
        yield client
        client.close()


def login(client: httpx.Client, username: str) -> dict[str, str]:
    reply = client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def spans_by_trace() -> dict[str, list[dict[str, Any]]]:
    traces: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in Path(TRACE_FILE).read_text().splitlines():
        span = json.loads(line)
        traces[span["trace_id"]].append(span)
    return traces


def test_a_dealer_order_is_stored_reserved_and_scoped_in_one_trace(gateway: httpx.Client) -> None:
    dealer = login(gateway, "d001.sales")
    catalogue = gateway.get("/catalogue", headers=dealer).json()
    aurora = next(m for m in catalogue["models"] if m["code"] == "AUR")
    assert {t["code"] for t in aurora["trims"]} >= {"LX"}

    placed = gateway.post(
        "/orders", headers=dealer, json={"model_code": "AUR", "trim_code": "LX", "colour_code": "WHT", "quantity": 1}
    )
    assert placed.status_code == 201, placed.text
    [order] = placed.json()["orders"]
    number = order["order_number"]
    assert order["status"] == "submitted" and order["dealer_code"] == "D001"

    reserved = wait_for(
        "the inventory's reservation reaching the order",
        lambda: (o := gateway.get(f"/orders/{number}", headers=dealer).json())["supply"] != "pending" and o,
        timeout=30,
    )
    assert reserved["supply"] == "reserved_from_stock" and len(reserved["vin"]) == 17
    assert number in [o["order_number"] for o in gateway.get("/orders", headers=dealer).json()["orders"]]

    hq = login(gateway, "hq.analyst")
    assert gateway.get(f"/orders/{number}", headers=hq).json()["vin"] == reserved["vin"]
    assert number in [o["order_number"] for o in gateway.get("/orders", headers=hq).json()["orders"]]

    other_dealer = login(gateway, "d002.sales")
    hidden = gateway.get(f"/orders/{number}", headers=other_dealer)
    assert hidden.status_code == 404 and hidden.headers["content-type"] == "application/problem+json"
    assert number not in [o["order_number"] for o in gateway.get("/orders", headers=other_dealer).json()["orders"]]

    # The reserved car is now the dealer's to see in stock, and nobody else's.
    assert gateway.get(f"/stock/vehicles/{reserved['vin']}", headers=dealer).json()["reserved_for_order"] == number
    assert gateway.get(f"/stock/vehicles/{reserved['vin']}", headers=other_dealer).status_code == 404

    def placing_trace() -> list[dict[str, Any]] | None:
        for spans in spans_by_trace().values():
            names = {s["name"] for s in spans}
            if f"POST {API_PREFIX}/orders" in names and "order.on_vehicle_reserved" in names:
                return spans
        return None

    spans = wait_for("the order's trace", placing_trace, timeout=15)
    services = {s["service"] for s in spans}
    assert {"gateway", "order", "inventory"} <= services
    names = {s["name"] for s in spans}
    assert {"/dealernet.v1.OrderService/PlaceOrder", "inventory.on_order_placed", "publish order.placed"} <= names
    assert any(s["name"].startswith("INSERT") and s["service"] == "inventory" for s in spans)


def test_bad_input_and_wrong_roles_get_clear_problems(gateway: httpx.Client) -> None:
    dealer = login(gateway, "d001.sales")
    refused = gateway.post(
        "/orders", headers=dealer, json={"model_code": "AUR", "trim_code": "LTD", "colour_code": "WHT", "quantity": 1}
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["trim_code"]

    # A sales user orders; approving an order is HQ's admins' decision, not its analysts'.
    analyst = login(gateway, "hq.analyst")
    number = gateway.post(
        "/orders", headers=dealer, json={"model_code": "AUR", "trim_code": "LX", "colour_code": "WHT"}
    ).json()["orders"][0]["order_number"]
    denied = gateway.post(f"/orders/{number}/approve", headers=analyst)
    assert denied.status_code == 403
    assert "hq_admin" in denied.json()["detail"]

    station = login(gateway, "s001.tech")
    assert (
        gateway.post(
            "/orders", headers=station, json={"model_code": "AUR", "trim_code": "LX", "colour_code": "WHT"}
        ).status_code
        == 403
    )
    assert gateway.get("/orders").status_code == 401
    assert gateway.post("/auth/login", json={"username": "d001.sales", "password": "wrong"}).status_code == 401


def test_customer_and_support_services_answer_through_the_gateway(gateway: httpx.Client) -> None:
    dealer = login(gateway, "d001.sales")
    registered = gateway.post(
        "/customers", headers=dealer, json={"full_name": "Li Wei", "phone": "+86 21 5555 0101", "city": "Shanghai"}
    )
    assert registered.status_code == 201, registered.text
    customer_id = registered.json()["customer"]["id"]
    assert gateway.get(f"/customers/{customer_id}", headers=dealer).status_code == 200
    assert gateway.get(f"/customers/{customer_id}", headers=login(gateway, "d002.sales")).status_code == 404

    station = login(gateway, "s001.tech")
    opened = gateway.post(
        "/support-requests",
        headers=station,
        json={
            "vin": "LDN2A4C19R0000001",
            "subject": "Misfire on cylinder 1 under load",
            "description": "P0301 returns after plug and coil swap.",
            "dtc_codes": ["P0301"],
            "priority": "high",
        },
    )
    assert opened.status_code == 201, opened.text
    request_id = opened.json()["request"]["id"]
    assert gateway.get(f"/support-requests/{request_id}", headers=login(gateway, "hq.analyst")).status_code == 200
    assert gateway.get(f"/support-requests/{request_id}", headers=login(gateway, "s002.tech")).status_code == 404


def read_sse_until(stream: Iterator[str], wanted: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
    """The first event on a server-sent-events stream whose data satisfies `wanted`."""
    deadline = time.monotonic() + timeout
    event: dict[str, Any] = {}
    for line in stream:
        if line.startswith("event:"):
            event = {"event": line.split(":", 1)[1].strip()}
        elif line.startswith("data:"):
            event["data"] = json.loads(line.split(":", 1)[1])
            if wanted(event):
                return event
        if time.monotonic() > deadline:
            break
    raise TimeoutError("the awaited event did not arrive on the stream")


def test_a_plant_event_reaches_the_dealer_through_the_gateway_and_the_live_stream(
    gateway: httpx.Client, amqp_uri: str
) -> None:
    dealer, hq = login(gateway, "d003.sales"), login(gateway, "hq.admin")
    placed = gateway.post(
        "/orders",
        headers=dealer,
        json={"model_code": "TER", "trim_code": "LTD", "colour_code": "BLK", "option_codes": []},
    )
    assert placed.status_code == 201, placed.text
    number = placed.json()["orders"][0]["order_number"]
    wait_for(
        "the inventory's answer",
        lambda: gateway.get(f"/orders/{number}", headers=dealer).json()["supply"] != "pending",
        timeout=30,
    )
    assert gateway.post(f"/orders/{number}/approve", headers=hq).status_code == 200
    week = dt.date.today().strftime("%G-W%V")
    scheduled = gateway.post(f"/orders/{number}/schedule", headers=hq, json={"plant_code": "CQ3", "week": week})
    assert scheduled.status_code == 200, scheduled.text
    vin = scheduled.json()["vin"]

    other_dealer = login(gateway, "d004.sales")
    with (
        gateway.stream("GET", "/tracking/stream", headers=dealer, timeout=30) as mine,
        gateway.stream("GET", "/tracking/stream", headers=other_dealer, timeout=30) as theirs,
    ):
        connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        channel = connection.channel()
        channel.exchange_declare("plant.events", exchange_type="topic", durable=True)
        passed_at = dt.datetime.now(dt.UTC)
        channel.basic_publish(
            "plant.events",
            "CQ3.GA_IN",
            json.dumps(
                {
                    "schema": 1,
                    "event_id": str(uuid.uuid4()),
                    "vin": vin,
                    "plant": "CQ3",
                    "line": "L1",
                    "station": "GA-010",
                    "stage": "GA_IN",
                    "occurred_at": passed_at.isoformat(),
                }
            ).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )
        connection.close()

        pushed = read_sse_until(
            mine.iter_lines(),
            lambda e: e["event"] == "order.stage_reached" and e["data"]["stage"] == "assembly",
            timeout=20,
        )
        assert pushed["data"]["order_number"] == number and pushed["data"]["stage_label"] == "Assembly"

        tracking = gateway.get(f"/tracking/{vin}", headers=dealer).json()
        assert tracking["order_number"] == number
        assert tracking["stage"] == "assembly" and tracking["stage_label"] == "Assembly"
        assert tracking["expected_arrival"]
        assert [item["stage"] for item in tracking["timeline"]][-1] == "assembly"
        assert gateway.get(f"/tracking/{vin}", headers=other_dealer).status_code == 404

        with pytest.raises(TimeoutError):
            read_sse_until(theirs.iter_lines(), lambda e: e["data"].get("vin") == vin, timeout=3)
