"""Request bodies over their limit are refused with 413 before a route sees them; callers over
their rate wait."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from gateway import problems
from gateway.limits import BodySizeLimit, ConfiguredCORS, RateLimiter


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    problems.install(app)
    app.add_middleware(BodySizeLimit, default=1000, limits={"/uploads": 5000})

    @app.post("/orders")
    async def order(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.post("/uploads")
    async def upload(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return TestClient(app)


def chunks(total: int, size: int = 256) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_body_within_its_limit_reaches_the_route(client: TestClient) -> None:
    assert client.post("/orders", content=b"x" * 1000).json() == {"bytes": 1000}
    assert client.post("/uploads", content=b"x" * 5000).json() == {"bytes": 5000}


def test_a_declared_length_over_the_limit_is_refused_as_a_problem(client: TestClient) -> None:
    reply = client.post("/orders", content=b"x" * 1001)

    assert reply.status_code == 413
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["detail"] == "a request body may be at most 1000 bytes here"


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(client: TestClient) -> None:
    reply = client.post("/orders", content=chunks(4000))

    assert reply.status_code == 413
    assert client.post("/uploads", content=chunks(4000)).json() == {"bytes": 4000}
    assert client.post("/uploads", content=chunks(6000)).status_code == 413


def test_a_principal_may_burst_then_goes_at_the_sustained_rate() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)

    burst = [limiter.admit("d001.sales", 100.0) for _ in range(4)]
    other = limiter.admit("d002.sales", 100.0)
    half_a_second_later = limiter.admit("d001.sales", 100.5)
    a_second_later = limiter.admit("d001.sales", 101.0)

    assert burst[:3] == [0.0, 0.0, 0.0] and burst[3] == pytest.approx(1.0)
    assert other == 0.0
    assert half_a_second_later == pytest.approx(0.5)
    assert a_second_later == 0.0


@pytest.fixture
def cors_client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("DEALERNET_CORS_ORIGINS", "https://portal.example.com, https://hq.example.com")
    app = FastAPI()
    app.add_middleware(ConfiguredCORS)

    @app.get("/orders")
    def orders() -> dict[str, str]:
        return {}

    return TestClient(app)


def test_a_named_origin_may_call_from_a_browser_and_any_other_may_not(cors_client: TestClient) -> None:
    preflight = cors_client.options(
        "/orders",
        headers={
            "Origin": "https://portal.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    allowed = cors_client.get("/orders", headers={"Origin": "https://hq.example.com"})
    other = cors_client.get("/orders", headers={"Origin": "https://evil.example.net"})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://portal.example.com"
    assert allowed.headers["access-control-allow-origin"] == "https://hq.example.com"
    assert "retry-after" in allowed.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in other.headers


def test_without_named_origins_no_browser_origin_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEALERNET_CORS_ORIGINS", raising=False)
    app = FastAPI()
    app.add_middleware(ConfiguredCORS)

    @app.get("/orders")
    def orders() -> dict[str, str]:
        return {}

    reply = TestClient(app).get("/orders", headers={"Origin": "https://portal.example.com"})

    assert reply.status_code == 200 and "access-control-allow-origin" not in reply.headers
