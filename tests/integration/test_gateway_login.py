"""Logging in through the real gateway app and its own database: guessing is throttled."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gateway import API_PREFIX
from plumbing.db import make_engine
from scripts.seed_demo import DEMO_PASSWORD, seed_gateway

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def gateway_url(fresh_database: Callable[[str], str]) -> str:
    url = fresh_database("gateway")
    engine = make_engine(url, pool_size=1, instrument=False)
    with Session(engine) as session:
        seed_gateway(session)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture
def client(gateway_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from gateway.app import app

    engine = make_engine(gateway_url, pool_size=1, instrument=False)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE login_failures"))
    engine.dispose()
    monkeypatch.setenv("DEALERNET_LOGIN_ATTEMPTS", "3")
    with TestClient(app, base_url=f"http://testserver{API_PREFIX}") as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str) -> int:
    return client.post("/auth/login", json={"username": username, "password": password}).status_code


def test_after_too_many_wrong_passwords_even_the_right_one_waits_and_says_how_long(
    client: TestClient, gateway_url: str
) -> None:
    wrong = [login(client, "d001.sales", f"guess-{n}") for n in range(3)]
    locked = client.post("/auth/login", json={"username": "D001.Sales ", "password": DEMO_PASSWORD})

    assert wrong == [401, 401, 401]
    assert locked.status_code == 429
    assert locked.headers["content-type"] == "application/problem+json"
    assert 1 <= int(locked.headers["retry-after"]) <= 900
    assert login(client, "d002.sales", DEMO_PASSWORD) == 200  # another user is not locked out

    engine = make_engine(gateway_url, pool_size=1, instrument=False)
    with engine.begin() as conn:  # the window passes
        conn.execute(text("UPDATE login_failures SET failed_at = failed_at - interval '16 minutes'"))
    engine.dispose()
    assert login(client, "d001.sales", DEMO_PASSWORD) == 200


def test_a_right_password_clears_the_failures_before_the_limit(client: TestClient) -> None:
    for _ in range(2):
        assert login(client, "s001.tech", "nope") == 401
    assert login(client, "s001.tech", DEMO_PASSWORD) == 200

    assert [login(client, "s001.tech", "nope") for _ in range(2)] == [401, 401]
    assert login(client, "s001.tech", DEMO_PASSWORD) == 200


def test_one_client_guessing_many_names_is_throttled_too(client: TestClient) -> None:
    # The client limit is four times the per-name limit (12 here).
    replies = [login(client, f"nobody{n}", "x") for n in range(13)]

    assert replies[:12] == [401] * 12 and replies[12] == 429


def test_a_principal_calling_too_fast_is_told_to_wait(gateway_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.app import app

    monkeypatch.setenv("DEALERNET_RATE_LIMIT_PER_MINUTE", "60")
    monkeypatch.setenv("DEALERNET_RATE_LIMIT_BURST", "5")
    with TestClient(app, base_url=f"http://testserver{API_PREFIX}") as client:
        reply = client.post("/auth/login", json={"username": "d001.sales", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        answers = [client.get("/me", headers=headers) for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[5].headers["retry-after"] == "1"
    assert answers[5].headers["content-type"] == "application/problem+json"


def test_a_name_with_a_nul_character_is_refused_naming_it(client: TestClient) -> None:
    # PostgreSQL cannot compare it with a stored name: the login failed with a 500.
    reply = client.post("/auth/login", json={"username": "d001\x00.sales", "password": DEMO_PASSWORD})

    assert reply.status_code == 422
    assert [e["field"] for e in reply.json()["errors"]] == ["username"]
