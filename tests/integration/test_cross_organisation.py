"""Another organisation's record is 404, on every route that takes an id.

The routes come from the gateway's OpenAPI: each route with a path parameter must be listed
below, either with the kind of record it names (then a record is made by its owner, and a
caller of the same role from another organisation must get 404, through the gateway and the
real services) or with the reason no organisation owns what it names. Each body sent is built
from the examples the OpenAPI gives, so a route must document a valid example to be tested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from customer_service import customers
from customer_service.domain import Handover
from customer_service.grpc_api import CustomerServicer
from customer_service.models import tables as customer_tables
from dealernet.v1 import customer_pb2_grpc, inventory_pb2_grpc, support_pb2_grpc
from gateway import API_PREFIX, tokens
from inventory_service.grpc_api import InventoryServicer
from inventory_service.models import tables as inventory_tables
from order_service import dealer_accounts
from order_service.grpc_api import register_servicers
from order_service.models import tables as order_tables
from plumbing import settings
from plumbing.db import Database, make_engine
from plumbing.principal import AccountRole, Principal
from scripts.seed_demo import seed_customers, seed_gateway, seed_inventory, seed_order, seed_station
from station_service.grpc_api import SupportServicer
from station_service.models import tables as station_tables
from tests import gateway_openapi
from tests.gateway_openapi import api_operations, resolve, route_key
from tests.processes import serve_in_process

pytestmark = pytest.mark.integration

D001_SALES = Principal.for_account("d001.sales", AccountRole.DEALER_USER, "D001", "EAST")
D001_ADMIN = Principal.for_account("d001.admin", AccountRole.DEALER_ADMIN, "D001", "EAST")
D002_SALES = Principal.for_account("d002.sales", AccountRole.DEALER_USER, "D002", "EAST")
D002_ADMIN = Principal.for_account("d002.admin", AccountRole.DEALER_ADMIN, "D002", "EAST")
D003_ADMIN = Principal.for_account("d003.admin", AccountRole.DEALER_ADMIN, "D003", "NORTH")
S001_TECH = Principal.for_account("s001.tech", AccountRole.STATION_USER, "S001", "EAST")
S002_TECH = Principal.for_account("s002.tech", AccountRole.STATION_USER, "S002", "EAST")

ORDER, STOCK_CAR, TRANSFER, CUSTOMER, OWNED_CAR, SUPPORT_REQUEST, ACCOUNT, DEALER_ACCOUNT, INVOICE = (
    "order",
    "stock car",
    "transfer",
    "customer",
    "owned car",
    "support request",
    "account",
    "dealer account",
    "invoice",
)

NETWORK_CAR = (
    "a car on sale at any dealer is in the network search: acting on another dealer's is refused (409) "
    "naming no holder (tests/unit/test_inventory_ledger.py)"
)
# Each route with a path parameter: the record it names, or why no organisation owns it.
ROUTES_WITH_IDS: dict[str, str] = {
    "GET /accounts/{username}": ACCOUNT,
    "PATCH /accounts/{username}": ACCOUNT,
    "GET /orders/{order_number}": ORDER,
    "PATCH /orders/{order_number}": ORDER,
    "POST /orders/{order_number}/cancel": ORDER,
    "POST /orders/{order_number}/arrival": ORDER,
    "POST /orders/{order_number}/delivery": ORDER,
    "GET /tracking/{order_number_or_vin}": ORDER,
    "POST /orders/{order_number}/approve": "only HQ admins decide, for the whole channel",
    "POST /orders/{order_number}/reject": "only HQ admins decide, for the whole channel",
    "POST /orders/{order_number}/schedule": "only HQ admins decide, for the whole channel",
    "GET /stock/vehicles/{vin}": STOCK_CAR,
    "POST /stock/vehicles/{vin}/reservation": NETWORK_CAR,
    "DELETE /stock/vehicles/{vin}/reservation": NETWORK_CAR,
    "POST /stock/vehicles/{vin}/sale": NETWORK_CAR,
    "GET /stock/transfers/{transfer_number}": TRANSFER,
    "POST /stock/transfers/{transfer_number}/approve": TRANSFER,
    "POST /stock/transfers/{transfer_number}/decline": TRANSFER,
    "POST /stock/transfers/{transfer_number}/cancel": TRANSFER,
    "POST /stock/transfers/{transfer_number}/ship": TRANSFER,
    "POST /stock/transfers/{transfer_number}/receive": TRANSFER,
    "GET /stock/parts/{part_number}/availability": "a part's availability is the channel's, shown by location",
    "GET /customers/{customer_id}": CUSTOMER,
    "GET /customers/{customer_id}/view": CUSTOMER,
    "PUT /customers/{customer_id}/consents/{channel}": CUSTOMER,
    "POST /customers/{customer_id}/interactions": CUSTOMER,
    "POST /customers/reviews/{review_id}": "only HQ admins decide reviews, for the whole channel",
    "GET /vehicles/{vin}/owner": OWNED_CAR,
    "GET /support-requests/{request_id}": SUPPORT_REQUEST,
    "GET /support-requests/{request_id}/messages": SUPPORT_REQUEST,
    "POST /support-requests/{request_id}/messages": SUPPORT_REQUEST,
    "POST /support-requests/{request_id}/close": SUPPORT_REQUEST,
    "POST /support-requests/{request_id}/reopen": SUPPORT_REQUEST,
    "POST /support-requests/{request_id}/take": "HQ's desk works every station's requests",
    "POST /support-requests/{request_id}/resolve": "HQ's desk works every station's requests",
    "POST /knowledge/articles/from-request/{request_id}": "HQ's desk writes articles from any request",
    "POST /vehicles/{vin}/repairs": "records a repair at the caller's own station",
    "GET /vehicles/{vin}/service-history": "lists only what the caller's own organisation did to the car",
    "GET /vehicles/{vin}/bulletins": "the maker's bulletins are for the whole channel",
    "GET /knowledge/articles/{article_id}": "published articles are the whole channel's; drafts HQ's alone",
    "POST /knowledge/articles/{article_id}/publish": "only HQ's desk publishes",
    "POST /knowledge/articles/{article_id}/feedback": "published articles are the whole channel's",
    "GET /orders/{order_number}/credit": "HQ reviews every dealer's credit, for the whole channel",
    "GET /dealer-accounts/{dealer_code}": DEALER_ACCOUNT,
    "GET /dealer-accounts/{dealer_code}/statement": DEALER_ACCOUNT,
    "PUT /dealer-accounts/{dealer_code}/credit-terms": "only HQ finance sets credit terms, for the whole channel",
    "GET /invoices/{invoice_number}": INVOICE,
    "POST /disputes/{dispute_id}/resolve": "only HQ finance answers disputes, for the whole channel",
}


OWNED_KINDS = {ORDER, STOCK_CAR, TRANSFER, CUSTOMER, OWNED_CAR, SUPPORT_REQUEST, ACCOUNT, DEALER_ACCOUNT, INVOICE}
# Where the owner reads each kind of record, to see that a refused change left it as it was.
RECORD_PATHS = {
    ORDER: "/orders/{order_number}",
    STOCK_CAR: "/stock/vehicles/{vin}",
    TRANSFER: "/stock/transfers/{transfer_number}",
    CUSTOMER: "/customers/{customer_id}/view",
    OWNED_CAR: "/vehicles/{vin}/owner",
    SUPPORT_REQUEST: "/support-requests/{request_id}/messages",
    ACCOUNT: "/accounts/{username}",
    DEALER_ACCOUNT: "/dealer-accounts/{dealer_code}",
    INVOICE: "/invoices/{invoice_number}",
}


@dataclass(frozen=True)
class Ownership:
    owner: Principal
    intruder: Principal
    parameters: dict[str, str]


def _operations_with_ids() -> list[tuple[str, str]]:
    return [(method, path) for method, path in api_operations() if "{" in path]


def example_body(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    """A body built from the examples the OpenAPI documents for each field."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = resolve(spec, content["application/json"]["schema"])
    body: dict[str, Any] = {}
    for name, field in schema.get("properties", {}).items():
        if "examples" in field:
            body[name] = field["examples"][0]
        else:
            assert name not in schema.get("required", []), f"{operation['operationId']}: no example for {name}"
    return body


@pytest.fixture(scope="module")
def databases(fresh_database: Callable[[str], str]) -> Iterator[dict[str, Database]]:
    seeds = {
        "gateway": seed_gateway,
        "order": seed_order,
        "inventory": seed_inventory,
        "customer": seed_customers,
        "station": seed_station,
    }
    for component, seed in seeds.items():
        engine = make_engine(fresh_database(component), pool_size=1, instrument=False)
        with Session(engine) as session:
            seed(session)
            session.commit()
        engine.dispose()
    url = settings.load().database_url
    found = {
        "order": Database("order", url("order"), order_tables, pool_size=4),
        "inventory": Database("inventory", url("inventory"), inventory_tables, pool_size=4),
        "customer": Database("customer", url("customer"), customer_tables, pool_size=4),
        "station": Database("station", url("station"), station_tables, pool_size=4),
    }
    yield found
    for database in found.values():
        database.engine.dispose()


@pytest.fixture(scope="module")
def gateway(databases: dict[str, Database], amqp_uri: str) -> Iterator[TestClient]:
    from gateway.app import app

    servers = {
        "ORDER": serve_in_process(lambda _, server: register_servicers(databases["order"], server), None),
        "INVENTORY": serve_in_process(
            inventory_pb2_grpc.add_InventoryServiceServicer_to_server, InventoryServicer(databases["inventory"])
        ),
        "CUSTOMER": serve_in_process(
            customer_pb2_grpc.add_CustomerServiceServicer_to_server, CustomerServicer(databases["customer"])
        ),
        "STATION": serve_in_process(
            support_pb2_grpc.add_SupportServiceServicer_to_server, SupportServicer(databases["station"])
        ),
    }
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, (_, port) in servers.items():
                patch.setenv(f"DEALERNET_{name}_GRPC_PORT", str(port))
            with TestClient(app) as client:
                yield client
    finally:
        for server, _ in servers.values():
            server.stop(grace=None)


def bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.issue(principal, settings.load().token_secret, 300)}"}


def _made(reply: Any) -> dict[str, Any]:
    assert reply.status_code in (200, 201), reply.text
    return dict(reply.json())


def _invoiced(database: Database, order_number: str) -> str:
    """D001's account opened, and its order shipped and invoiced."""
    finance = Principal.for_account("hq.finance", AccountRole.HQ_FINANCE)
    today = dt.datetime.now(dt.UTC).date()
    with database.unit_of_work() as uow:
        dealer_accounts.set_credit_terms(
            uow,
            finance,
            "D001",
            currency="EUR",
            credit_limit_minor=100_000_000,
            payment_terms_days=30,
            discount_bp=0,
            region="EAST",
            today=today,
            policy=dealer_accounts.OverduePolicy(),
        )
        uow.session.execute(
            text("UPDATE vehicle_orders SET status = 'shipped' WHERE order_number = :n"), {"n": order_number}
        )
        invoice = dealer_accounts.invoice_shipped_vehicle(uow, order_number, today)
        uow.commit()
        return invoice.invoice_number


@pytest.fixture(scope="module")
def owned(gateway: TestClient, databases: dict[str, Database]) -> dict[str, Ownership]:
    """One record of each kind, made by its owner through the gateway."""
    api = API_PREFIX
    order = _made(
        gateway.post(
            f"{api}/orders",
            headers=bearer(D001_SALES),
            json={"model_code": "AUR", "trim_code": "LX", "colour_code": "WHT"},
        )
    )["orders"][0]["order_number"]
    cars = _made(gateway.get(f"{api}/stock/vehicles", headers=bearer(D001_SALES)))["vehicles"]
    held_car, given_car = (car["vin"] for car in cars[:2])
    transfer = _made(gateway.post(f"{api}/stock/transfers", headers=bearer(D002_SALES), json={"vin": given_car}))
    customer = _made(
        gateway.post(
            f"{api}/customers",
            headers=bearer(D001_SALES),
            json={"full_name": "Gao Min", "phone": "+86 135 0000 0099", "city": "Ningbo"},
        )
    )
    customer_id = customer["customer"]["id"]
    with databases["customer"].unit_of_work() as uow:
        customers.link_vehicle(
            uow,
            Handover.from_event(
                {
                    "order_number": order,
                    "dealer_code": "D001",
                    "vin": held_car,
                    "customer_id": customer_id,
                    "delivered_at": dt.datetime.now(dt.UTC).isoformat(),
                    "list_price_minor": 1_890_000,
                }
            ),
        )
        uow.commit()
    request = _made(
        gateway.post(
            f"{api}/support-requests",
            headers=bearer(S001_TECH),
            json={
                "vin": held_car,
                "subject": "Misfire under load",
                "description": "Cylinder 1 misfires above 3000 rpm",
            },
        )
    )
    invoice = _invoiced(databases["order"], order)
    return {
        ORDER: Ownership(D001_SALES, D002_ADMIN, {"order_number": order, "order_number_or_vin": order}),
        DEALER_ACCOUNT: Ownership(D001_SALES, D002_ADMIN, {"dealer_code": "D001"}),
        INVOICE: Ownership(D001_SALES, D002_ADMIN, {"invoice_number": invoice}),
        STOCK_CAR: Ownership(D001_SALES, D002_ADMIN, {"vin": held_car}),
        TRANSFER: Ownership(D002_SALES, D003_ADMIN, {"transfer_number": transfer["transfer_number"]}),
        CUSTOMER: Ownership(D001_SALES, D002_ADMIN, {"customer_id": customer_id, "channel": "email"}),
        OWNED_CAR: Ownership(D001_SALES, D002_ADMIN, {"vin": held_car}),
        SUPPORT_REQUEST: Ownership(S001_TECH, S002_TECH, {"request_id": request["request"]["id"]}),
        ACCOUNT: Ownership(D001_ADMIN, D002_ADMIN, {"username": "d001.sales"}),
    }


def test_every_route_with_an_id_says_whose_record_it_names() -> None:
    routes = {route_key(method, path) for method, path in _operations_with_ids()}

    assert sorted(routes - set(ROUTES_WITH_IDS)) == [], "routes nobody has said whose record they name"
    assert sorted(set(ROUTES_WITH_IDS) - routes) == [], "routes listed here that are gone"


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p) for m, p in _operations_with_ids() if ROUTES_WITH_IDS.get(route_key(m, p)) in OWNED_KINDS],
)
def test_another_organisation_s_record_is_404(
    gateway: TestClient, owned: dict[str, Ownership], method: str, path: str
) -> None:
    spec = gateway_openapi.spec()
    kind = ROUTES_WITH_IDS[route_key(method, path)]
    ownership = owned[kind]
    record = API_PREFIX + RECORD_PATHS[kind].format(**ownership.parameters)
    before = gateway.get(record, headers=bearer(ownership.owner))
    assert before.status_code == 200, before.text

    reply = gateway.request(
        method,
        path.format(**ownership.parameters),
        headers=bearer(ownership.intruder),
        json=example_body(spec, spec["paths"][path][method.lower()]),
    )

    assert reply.status_code == 404, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert gateway.get(record, headers=bearer(ownership.owner)).json() == before.json()
