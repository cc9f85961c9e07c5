"""The gateway: the platform's only public door.

uvicorn gateway.app:app --port 8000
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from dealernet.v1 import customer_pb2, inventory_pb2, order_pb2, support_pb2
from gateway import accounts, problems, tokens
from gateway.backends import Backends, as_dict, call
from gateway.problems import Problem
from gateway.security import current_principal, require
from plumbing import settings as settings_module
from plumbing import tracing
from plumbing.db import make_engine
from plumbing.principal import Principal, Role

DEALER_HQ = (Role.DEALER, Role.HQ, Role.OPS)
STATION_HQ = (Role.STATION, Role.HQ, Role.OPS)
CHANNEL = (Role.DEALER, Role.STATION, Role.HQ, Role.OPS)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = settings_module.load()
    app.state.settings = settings
    engine = make_engine(settings.database_url("gateway"), pool_size=5)
    app.state.sessions = sessionmaker(bind=engine)
    app.state.backends = Backends.connect(settings)
    yield
    await app.state.backends.close()
    engine.dispose()


tracing.setup("gateway")
app = FastAPI(
    title="dealernet",
    version="0.1.0",
    description="One platform for the maker's headquarters, dealers and repair stations. "
    "Log in with POST /auth/login, then send the token as 'Authorization: Bearer <token>'.",
    lifespan=lifespan,
)
problems.install(app)
FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz")


def backends(request: Request) -> Backends:
    return request.app.state.backends  # type: ignore[no-any-return]


Services = Annotated[Backends, Depends(backends)]


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


@app.post("/auth/login", tags=["auth"])
def login(credentials: Credentials, request: Request) -> TokenReply:
    settings = request.app.state.settings
    with request.app.state.sessions() as session:
        principal = accounts.authenticate(session, credentials.username, credentials.password)
    if principal is None:
        raise Problem(401, "Not authenticated", "unknown username or wrong password")
    return TokenReply(
        access_token=tokens.issue(principal, settings.token_secret, settings.token_ttl_seconds),
        expires_in=settings.token_ttl_seconds,
        role=principal.role.value,
        org_code=principal.org_code,
        region=principal.region,
    )


@app.get("/me", tags=["auth"])
async def me(principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "role": principal.role.value,
        "org_code": principal.org_code,
        "region": principal.region,
    }


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


# Orders ------------------------------------------------------------------------------


class OrderRequest(BaseModel):
    model_code: str = Field(min_length=1, max_length=20, examples=["AUR"])
    trim_code: str = Field(min_length=1, max_length=20, examples=["LX"])
    colour_code: str = Field(min_length=1, max_length=20, examples=["WHT"])
    quantity: int = Field(default=1, ge=1, le=50)
    wanted_week: str = Field(default="", pattern=r"^(\d{4}-W\d{2})?$", examples=["2027-W05"])


@app.get("/catalogue", tags=["orders"])
async def catalogue(services: Services, principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    return as_dict(await call(services.orders.GetCatalogue, order_pb2.GetCatalogueRequest(), principal))


@app.post("/orders", status_code=201, tags=["orders"])
async def place_order(
    body: OrderRequest, services: Services, principal: Principal = Depends(require(Role.DEALER))
) -> dict[str, Any]:
    reply = await call(services.orders.PlaceOrder, order_pb2.PlaceOrderRequest(**body.model_dump()), principal)
    return as_dict(reply)


@app.get("/orders", tags=["orders"])
async def list_orders(
    services: Services,
    principal: Principal = Depends(require(*DEALER_HQ)),
    status: str = "",
    page_size: int = Query(50, ge=1, le=500),
    page_token: str = "",
) -> dict[str, Any]:
    request = order_pb2.ListOrdersRequest(status=status, page_size=page_size, page_token=page_token)
    return as_dict(await call(services.orders.ListOrders, request, principal))


@app.get("/orders/{order_number}", tags=["orders"])
async def get_order(
    order_number: str, services: Services, principal: Principal = Depends(require(*DEALER_HQ))
) -> dict[str, Any]:
    return as_dict(
        await call(services.orders.GetOrder, order_pb2.GetOrderRequest(order_number=order_number), principal)
    )


# Stock -------------------------------------------------------------------------------


@app.get("/stock/vehicles", tags=["stock"])
async def list_vehicles(
    services: Services,
    principal: Principal = Depends(require(*DEALER_HQ)),
    model_code: str = "",
    status: str = "",
    page_size: int = Query(50, ge=1, le=500),
    page_token: str = "",
) -> dict[str, Any]:
    request = inventory_pb2.ListVehiclesRequest(
        model_code=model_code, status=status, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.inventory.ListVehicles, request, principal))


@app.get("/stock/vehicles/{vin}", tags=["stock"])
async def get_vehicle(
    vin: str, services: Services, principal: Principal = Depends(require(*DEALER_HQ))
) -> dict[str, Any]:
    return as_dict(await call(services.inventory.GetVehicle, inventory_pb2.GetVehicleRequest(vin=vin), principal))


# Customers ---------------------------------------------------------------------------


class CustomerRequest(BaseModel):
    full_name: str = Field(min_length=1, max_length=200)
    phone: str = Field(default="", max_length=40, examples=["+86 21 5555 0101"])
    email: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)


@app.post("/customers", status_code=201, tags=["customers"])
async def register_customer(
    body: CustomerRequest, services: Services, principal: Principal = Depends(require(*CHANNEL))
) -> dict[str, Any]:
    request = customer_pb2.RegisterCustomerRequest(**body.model_dump())
    return as_dict(await call(services.customers.RegisterCustomer, request, principal))


@app.get("/customers", tags=["customers"])
async def list_customers(
    services: Services,
    principal: Principal = Depends(require(*CHANNEL)),
    page_size: int = Query(50, ge=1, le=500),
    page_token: str = "",
) -> dict[str, Any]:
    request = customer_pb2.ListCustomersRequest(page_size=page_size, page_token=page_token)
    return as_dict(await call(services.customers.ListCustomers, request, principal))


@app.get("/customers/{customer_id}", tags=["customers"])
async def get_customer(
    customer_id: str, services: Services, principal: Principal = Depends(require(*CHANNEL))
) -> dict[str, Any]:
    return as_dict(
        await call(services.customers.GetCustomer, customer_pb2.GetCustomerRequest(id=customer_id), principal)
    )


# Technical support -------------------------------------------------------------------


class SupportRequestBody(BaseModel):
    vin: str = Field(min_length=1, max_length=17)
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=10000)
    dtc_codes: list[str] = Field(default_factory=list, max_length=20, examples=[["P0301"]])
    priority: str = Field(default="normal", examples=["normal"])


@app.post("/support-requests", status_code=201, tags=["support"])
async def open_support_request(
    body: SupportRequestBody, services: Services, principal: Principal = Depends(require(Role.STATION))
) -> dict[str, Any]:
    return as_dict(
        await call(services.support.OpenRequest, support_pb2.OpenRequestRequest(**body.model_dump()), principal)
    )


@app.get("/support-requests", tags=["support"])
async def list_support_requests(
    services: Services,
    principal: Principal = Depends(require(*STATION_HQ)),
    status: str = "",
    page_size: int = Query(50, ge=1, le=500),
    page_token: str = "",
) -> dict[str, Any]:
    request = support_pb2.ListRequestsRequest(status=status, page_size=page_size, page_token=page_token)
    return as_dict(await call(services.support.ListRequests, request, principal))


@app.get("/support-requests/{request_id}", tags=["support"])
async def get_support_request(
    request_id: str, services: Services, principal: Principal = Depends(require(*STATION_HQ))
) -> dict[str, Any]:
    return as_dict(await call(services.support.GetRequest, support_pb2.GetRequestRequest(id=request_id), principal))
