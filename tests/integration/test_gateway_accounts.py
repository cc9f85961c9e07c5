"""Sessions and accounts through the real gateway app and its own database: refresh tokens
are good once, a replayed one ends the session, and account keepers stay in their organisation."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gateway import API_PREFIX
from plumbing.db import make_engine
from scripts.seed_demo import DEMO_PASSWORD, seed_gateway

pytestmark = pytest.mark.integration

STRONG = "a-long-enough-passphrase"


@pytest.fixture(scope="module")
def gateway_url(fresh_database: Callable[[str], str]) -> str:
    url = fresh_database("gateway")
    engine = make_engine(url, pool_size=1, instrument=False)
    with Session(engine) as session:
        seed_gateway(session)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def client(gateway_url: str) -> Iterator[TestClient]:
    from gateway.app import app

    with TestClient(app, base_url=f"http://testserver{API_PREFIX}") as test_client:
        yield test_client


def log_in(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    reply = client.post("/auth/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def new_name(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


def test_a_login_answers_a_short_access_token_and_a_refresh_token_for_the_working_day(client: TestClient) -> None:
    tokens = log_in(client, "d001.sales")

    assert tokens["role"] == "dealer_user"
    assert tokens["expires_in"] == 900
    assert 43100 <= int(tokens["refresh_expires_in"]) <= 43200
    me = client.get("/me", headers=bearer(tokens)).json()
    assert me == {
        "subject": "d001.sales",
        "role": "dealer_user",
        "side": "dealer",
        "org_code": "D001",
        "region": "EAST",
    }


def test_a_refresh_token_is_good_once_and_a_replay_ends_the_session(client: TestClient) -> None:
    first = log_in(client, "d002.sales")

    second = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert client.get("/me", headers=bearer(second.json())).status_code == 200

    replayed = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replayed.status_code == 401
    assert "already used" in replayed.json()["detail"]
    # The copy that was still good dies with the session.
    after = client.post("/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert after.status_code == 401
    assert "session has ended" in after.json()["detail"]


def test_logging_out_ends_the_session(client: TestClient) -> None:
    tokens = log_in(client, "d003.sales")

    assert client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    refused = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401
    assert "logged out" in refused.json()["detail"]
    assert client.post("/auth/refresh", json={"refresh_token": "made-up"}).status_code == 401


def test_an_expired_session_cannot_be_refreshed(client: TestClient, gateway_url: str) -> None:
    tokens = log_in(client, "d004.sales")
    engine = make_engine(gateway_url, pool_size=1, instrument=False)
    with engine.begin() as conn:
        conn.execute(text("UPDATE sign_in_sessions SET expires_at = now() WHERE username = 'd004.sales'"))
    engine.dispose()

    refused = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]


def test_a_dealer_admin_keeps_its_own_dealer_s_accounts_only(client: TestClient) -> None:
    admin = bearer(log_in(client, "d001.admin"))
    name = new_name("d001.parts")

    created = client.post(
        "/accounts",
        headers=admin,
        json={
            "username": name,
            "display_name": "Parts desk",
            "role": "dealer_user",
            "org_code": "D001",
            "password": STRONG,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json() == {
        "username": name,
        "display_name": "Parts desk",
        "role": "dealer_user",
        "org_code": "D001",
        "disabled": False,
    }
    assert log_in(client, name, STRONG)["org_code"] == "D001"
    listed = client.get("/accounts", headers=admin).json()["accounts"]
    assert {account["org_code"] for account in listed} == {"D001"}
    first = client.get("/accounts", headers=admin, params={"page_size": 1}).json()
    second = client.get("/accounts", headers=admin, params={"page_size": 1, "page_token": first["next_page_token"]})
    assert [a["username"] for a in first["accounts"] + second.json()["accounts"]] == [a["username"] for a in listed[:2]]
    assert client.get("/accounts", headers=admin, params={"page_token": "forged"}).status_code == 422

    elsewhere = client.post(
        "/accounts",
        headers=admin,
        json={
            "username": new_name("x"),
            "display_name": "X",
            "role": "dealer_user",
            "org_code": "D002",
            "password": STRONG,
        },
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"][0]["field"] == "org_code"
    assert client.get("/accounts/d002.sales", headers=admin).status_code == 404
    assert client.patch("/accounts/d002.sales", headers=admin, json={"disabled": True}).status_code == 404
    assert client.get("/accounts", headers=bearer(log_in(client, "d001.sales"))).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"role": "hq_admin"}, "role"),
        ({"password": "short"}, "password"),
        ({"org_code": "NOPE"}, "org_code"),
        ({"username": "has spaces"}, "username"),
        ({"username": "d001.sales"}, "username"),
    ],
)
def test_an_account_that_cannot_be_right_is_refused_naming_the_field(
    client: TestClient, change: dict[str, str], field: str
) -> None:
    hq_admin = bearer(log_in(client, "hq.admin"))
    body = {"username": new_name("d001.x"), "display_name": "X", "role": "dealer_user", "org_code": "D001"}
    body |= {"password": STRONG} | change

    refused = client.post("/accounts", headers=hq_admin, json=body)

    assert refused.status_code == 422
    assert field in [error["field"] for error in refused.json()["errors"]]


def test_disabling_an_account_stops_its_logins_and_its_sessions(client: TestClient) -> None:
    hq_admin = bearer(log_in(client, "hq.admin"))
    name = new_name("hq.eng")
    assert (
        client.post(
            "/accounts",
            headers=hq_admin,
            json={"username": name, "display_name": "Eng", "role": "hq_engineer", "org_code": "HQ", "password": STRONG},
        ).status_code
        == 201
    )
    session = log_in(client, name, STRONG)
    assert session["role"] == "hq_engineer"

    disabled = client.patch(f"/accounts/{name}", headers=hq_admin, json={"disabled": True})
    assert disabled.status_code == 200
    assert disabled.json()["disabled"] is True
    assert client.post("/auth/login", json={"username": name, "password": STRONG}).status_code == 401
    assert client.post("/auth/refresh", json={"refresh_token": session["refresh_token"]}).status_code == 401

    assert client.patch(f"/accounts/{name}", headers=hq_admin, json={"disabled": False}).status_code == 200
    assert log_in(client, name, STRONG)["role"] == "hq_engineer"


def test_an_admin_cannot_demote_or_disable_itself(client: TestClient) -> None:
    admin = bearer(log_in(client, "d005.admin"))

    refused = client.patch("/accounts/d005.admin", headers=admin, json={"role": "dealer_user"})

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "role"
