"""The gateway: the platform's only public door.

uvicorn gateway.app:app --port 8000
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from gateway import API_PREFIX, accounts, problems, tokens
from gateway.backends import Backends, Services
from gateway.limits import BodySizeLimit, ConfiguredCORS, RateLimiter
from gateway.problems import Problem
from gateway.routes import customers, orders, stock, support
from gateway.routes import stream as stream_routes
from gateway.security import current_principal
from gateway.stream import LiveFeed
from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.db import make_engine
from plumbing.principal import Principal


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = settings_module.load()
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    engine = make_engine(settings.database_url("gateway"), pool_size=5)
    app.state.sessions = sessionmaker(bind=engine)
    app.state.backends = Backends.connect(settings)
    app.state.live_feed = LiveFeed(settings.amqp_uri)
    await app.state.live_feed.start()
    yield
    await app.state.live_feed.stop()
    await app.state.backends.close()
    engine.dispose()


tracing.setup("gateway")
app = FastAPI(
    title="dealernet",
    version="0.1.0",
    description="One platform for the maker's headquarters, dealers and repair stations. "
    "Log in with POST /v1/auth/login, then send the token as 'Authorization: Bearer <token>'.",
    lifespan=lifespan,
)
problems.install(app)
app.add_middleware(
    BodySizeLimit,
    # A dealer's customer list is the one large upload; its route caps it with a clearer message.
    limits={f"{API_PREFIX}/customers/imports": customers.MAX_IMPORT_BYTES + 1},
)
# Outermost, so every answer (a 413 too) carries the headers a browser needs to read it.
app.add_middleware(ConfiguredCORS)
api = APIRouter(prefix=API_PREFIX)
# The live stream comes first: /tracking/stream must not be taken for /tracking/{order_number_or_vin}.
for router in (stream_routes.router, orders.router, stock.router, customers.router, support.router):
    api.include_router(router)
# A live stream would otherwise be one span as long as the connection, plus one per write.
FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,tracking/stream")


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class TokenReply(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: str
    org_code: str | None
    region: str | None


@api.post(
    "/auth/login",
    tags=["auth"],
    responses={429: {"description": "Too many failed logins for this username or client; see Retry-After"}},
)
def login(credentials: Credentials, request: Request) -> TokenReply:
    settings = request.app.state.settings
    now = dt.datetime.now(dt.UTC)
    client = request.client.host if request.client else "unknown"
    throttle = accounts.Throttle(settings.login_attempts, dt.timedelta(seconds=settings.login_window_seconds))
    with request.app.state.sessions() as session:
        # Checked before the password, so a locked name costs a guesser nothing to learn.
        wait = accounts.throttled_for(session, credentials.username, client, now, throttle)
        if wait is not None:
            raise Problem(429, "Too many failed logins", f"try again in {wait} s", headers={"Retry-After": str(wait)})
        principal = accounts.authenticate(session, credentials.username, credentials.password)
        if principal is None:
            accounts.record_failure(session, credentials.username, client, now, throttle)
            session.commit()
            raise Problem(401, "Not authenticated", "unknown username or wrong password")
        accounts.clear_failures(session, credentials.username)
        session.commit()
    return TokenReply(
        access_token=tokens.issue(principal, settings.token_secret, settings.token_ttl_seconds),
        expires_in=settings.token_ttl_seconds,
        role=principal.role.value,
        org_code=principal.org_code,
        region=principal.region,
    )


@api.get("/me", tags=["auth"])
async def me(principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "role": principal.role.value,
        "org_code": principal.org_code,
        "region": principal.region,
    }


app.include_router(api)


@app.get("/healthz", tags=["ops"])
async def healthz(services: Services, request: Request) -> JSONResponse:
    statuses = await services.health()
    try:
        with request.app.state.sessions() as session:
            session.execute(text("SELECT 1"))
        statuses["gateway-database"] = "SERVING"
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        statuses["gateway-database"] = f"UNREACHABLE ({type(exc).__name__})"
    healthy = all(status == "SERVING" for status in statuses.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "checks": statuses}, status_code=200 if healthy else 503
    )
