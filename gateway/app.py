"""The gateway: the platform's only public door, for the API (/v1) and the web portal (/portal).

uvicorn gateway.app:app --port 8000
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker
from starlette.responses import Response as StarletteResponse
from starlette.types import Scope

from gateway import API_PREFIX, problems, tokens
from gateway.backends import Backends, Services
from gateway.limits import BodySizeLimit, ConfiguredCORS, RateLimiter
from gateway.routes import accounts as account_routes
from gateway.routes import auth, customers, dealer_accounts, orders, stock, support
from gateway.routes import monitor as monitor_routes
from gateway.routes import stream as stream_routes
from gateway.security import declare_roles
from gateway.stream import LiveFeed
from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.db import make_engine


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = settings_module.load()
    app.state.settings = settings
    app.state.verifier = await tokens.verifier_for(settings)
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
    # A dealer's customer list and a bank's payments file are the large uploads; their routes
    # cap them with a clearer message.
    limits={
        f"{API_PREFIX}/customers/imports": customers.MAX_IMPORT_BYTES + 1,
        f"{API_PREFIX}/payments/imports": dealer_accounts.MAX_PAYMENT_IMPORT_BYTES + 1,
    },
)
# Outermost, so every answer (a 413 too) carries the headers a browser needs to read it.
app.add_middleware(ConfiguredCORS)
api = APIRouter(prefix=API_PREFIX)
# The live stream comes first: /tracking/stream must not be taken for /tracking/{order_number_or_vin}.
for router in (
    auth.router,
    account_routes.router,
    stream_routes.router,
    orders.router,
    stock.router,
    customers.router,
    support.router,
    monitor_routes.router,
    dealer_accounts.router,
):
    declare_roles(router)
    api.include_router(router)
# A live stream would otherwise be one span as long as the connection, plus one per write.
# The request's span is kept; its per-message receive and send spans tell nothing a
# dealer's call needs and cost a fifth of the gateway's time per call.
FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,tracking/stream", exclude_spans=["receive", "send"])
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


PORTAL = Path(__file__).parent / "portal"


class PortalFiles(StaticFiles):
    """The web portal's files. The pages load only this origin's scripts and call only its API."""

    async def get_response(self, path: str, scope: Scope) -> StarletteResponse:
        response = await super().get_response(path, scope)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        # A new release's scripts are fetched again, not mixed with the last one's.
        response.headers["Cache-Control"] = "no-cache"
        return response


@app.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    return RedirectResponse("/portal/")


app.mount("/portal", PortalFiles(directory=PORTAL, html=True), name="portal")
