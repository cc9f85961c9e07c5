"""Dealer vehicle orders and the catalogue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from dealernet.v1 import order_pb2
from gateway.backends import Services, as_dict, call
from gateway.roles import DEALER_HQ
from gateway.security import current_principal, require
from plumbing.principal import Principal, Role

router = APIRouter()


class OrderRequest(BaseModel):
    model_code: str = Field(min_length=1, max_length=20, examples=["AUR"])
    trim_code: str = Field(min_length=1, max_length=20, examples=["LX"])
    colour_code: str = Field(min_length=1, max_length=20, examples=["WHT"])
    quantity: int = Field(default=1, ge=1, le=50)
    wanted_week: str = Field(default="", pattern=r"^(\d{4}-W\d{2})?$", examples=["2027-W05"])


@router.get("/catalogue", tags=["orders"])
async def catalogue(services: Services, principal: Principal = Depends(current_principal)) -> dict[str, Any]:
    return as_dict(await call(services.orders.GetCatalogue, order_pb2.GetCatalogueRequest(), principal))


@router.post("/orders", status_code=201, tags=["orders"])
async def place_order(
    body: OrderRequest, services: Services, principal: Principal = Depends(require(Role.DEALER))
) -> dict[str, Any]:
    reply = await call(services.orders.PlaceOrder, order_pb2.PlaceOrderRequest(**body.model_dump()), principal)
    return as_dict(reply)


@router.get("/orders", tags=["orders"])
async def list_orders(
    services: Services,
    principal: Principal = Depends(require(*DEALER_HQ)),
    status: str = "",
    page_size: int = Query(50, ge=1, le=500),
    page_token: str = "",
) -> dict[str, Any]:
    request = order_pb2.ListOrdersRequest(status=status, page_size=page_size, page_token=page_token)
    return as_dict(await call(services.orders.ListOrders, request, principal))


@router.get("/orders/{order_number}", tags=["orders"])
async def get_order(
    order_number: str, services: Services, principal: Principal = Depends(require(*DEALER_HQ))
) -> dict[str, Any]:
    return as_dict(
        await call(services.orders.GetOrder, order_pb2.GetOrderRequest(order_number=order_number), principal)
    )
