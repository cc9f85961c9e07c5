"""Dealer vehicle orders, their lifecycle, tracking and the catalogue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from dealernet.v1 import dealer_account_pb2, order_pb2
from gateway import roles
from gateway.backends import Services, as_dict, call
from gateway.problems import REFUSED, SERVICE_UNAVAILABLE
from gateway.routes import PageSize
from gateway.security import require
from plumbing.principal import Principal

router = APIRouter(responses=SERVICE_UNAVAILABLE)

_ISO_WEEK_OR_EMPTY = r"^(\d{4}-W\d{2})?$"


class OrderRequest(BaseModel):
    # Prices and anything else not listed here are the catalogue's: a body carrying them is refused.
    model_config = ConfigDict(extra="forbid")

    model_code: str = Field(min_length=1, max_length=20, examples=["AUR"])
    trim_code: str = Field(min_length=1, max_length=20, examples=["EX"])
    colour_code: str = Field(min_length=1, max_length=20, examples=["WHT"])
    option_codes: list[str] = Field(default_factory=list, max_length=20, examples=[["SUNROOF", "TOWBAR"]])
    quantity: int = Field(default=1, ge=1, le=50, examples=[1])
    wanted_week: str = Field(default="", pattern=_ISO_WEEK_OR_EMPTY, examples=["2027-W05"])


class AmendmentRequest(BaseModel):
    """Only the fields sent change; option_codes replaces the whole set of options."""

    model_config = ConfigDict(extra="forbid")

    colour_code: str | None = Field(default=None, min_length=1, max_length=20, examples=["BLK"])
    option_codes: list[str] | None = Field(default=None, max_length=20, examples=[["TOWBAR"]])
    wanted_week: str | None = Field(default=None, pattern=_ISO_WEEK_OR_EMPTY, examples=["2027-W07"])


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, examples=["Customer withdrew"])


class ApprovalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_override_reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="Why the order is approved although the dealer's credit holds it (over its limit, "
        "or invoices overdue past the hold level); kept with the approval. Needed only then.",
        examples=["Dealer paid by wire today; bank confirmation attached to the case"],
    )


class ScheduleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plant_code: str = Field(min_length=1, max_length=10, examples=["SH1"])
    week: str = Field(pattern=r"^\d{4}-W\d{2}$", examples=["2027-W05"])


class DeliveryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=64, examples=["6f1c1a52-52c4-4a53-9a7b-3cb0f0c6a7a1"])


@router.get("/catalogue", tags=["orders"])
async def catalogue(services: Services, principal: Principal = Depends(require(*roles.EVERYONE))) -> dict[str, Any]:
    return as_dict(await call(services.orders.GetCatalogue, order_pb2.GetCatalogueRequest(), principal))


@router.post("/orders", status_code=201, tags=["orders"])
async def place_order(
    body: OrderRequest,
    services: Services,
    response: Response,
    principal: Principal = Depends(require(*roles.DEALERS)),
    idempotency_key: str = Header(
        default="",
        alias="Idempotency-Key",
        max_length=100,
        description="Any unique string per order; a retry with the same key returns the first result.",
    ),
) -> dict[str, Any]:
    request = order_pb2.PlaceOrderRequest(**body.model_dump(), idempotency_key=idempotency_key)
    reply = await call(services.orders.PlaceOrder, request, principal)
    if reply.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return {"orders": as_dict(reply)["orders"]}


@router.get("/orders", tags=["orders"])
async def list_orders(
    services: Services,
    principal: Principal = Depends(require(*roles.DEALER_VIEWS)),
    status: str = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    request = order_pb2.ListOrdersRequest(status=status, page_size=page_size, page_token=page_token)
    return as_dict(await call(services.orders.ListOrders, request, principal))


@router.get("/orders/{order_number}", tags=["orders"])
async def get_order(
    order_number: str, services: Services, principal: Principal = Depends(require(*roles.DEALER_VIEWS))
) -> dict[str, Any]:
    return as_dict(
        await call(services.orders.GetOrder, order_pb2.GetOrderRequest(order_number=order_number), principal)
    )


@router.patch("/orders/{order_number}", tags=["orders"], responses=REFUSED)
async def amend_order(
    order_number: str,
    body: AmendmentRequest,
    services: Services,
    principal: Principal = Depends(require(*roles.DEALERS)),
) -> dict[str, Any]:
    request = order_pb2.AmendOrderRequest(order_number=order_number)
    if body.colour_code is not None:
        request.colour_code = body.colour_code
    if body.wanted_week is not None:
        request.wanted_week = body.wanted_week
    if body.option_codes is not None:
        request.options.CopyFrom(order_pb2.OptionSelection(codes=body.option_codes))
    return as_dict(await call(services.orders.AmendOrder, request, principal))


@router.post("/orders/{order_number}/cancel", tags=["orders"], responses=REFUSED)
async def cancel_order(
    order_number: str, body: Reason, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    request = order_pb2.CancelOrderRequest(order_number=order_number, reason=body.reason)
    return as_dict(await call(services.orders.CancelOrder, request, principal))


@router.post("/orders/{order_number}/approve", tags=["orders"], responses=REFUSED)
async def approve_order(
    order_number: str,
    services: Services,
    principal: Principal = Depends(require(*roles.HQ_DECIDERS)),
    body: Annotated[ApprovalRequest | None, Body()] = None,
) -> dict[str, Any]:
    """Approves a submitted order against the dealer's quota for the month and its credit.
    The body is optional: when GET /orders/{order_number}/credit says the order is `held`,
    approving it needs `credit_override_reason` (else 409), which is kept with the approval."""
    reason = body.credit_override_reason if body is not None and body.credit_override_reason else ""
    request = order_pb2.ApproveOrderRequest(order_number=order_number, credit_override_reason=reason)
    return as_dict(await call(services.orders.ApproveOrder, request, principal))


@router.get("/orders/{order_number}/credit", tags=["orders"])
async def order_credit(
    order_number: str, services: Services, principal: Principal = Depends(require(*roles.WATCHERS))
) -> dict[str, Any]:
    """The dealer's credit figures the order is reviewed with: its limit, balance, approved orders
    not yet invoiced, this order's value and the credit used if it is approved, its reminder
    level, and whether approving it is `held` (with the `reasons`) and needs an override reason.
    Amounts are integers in minor units of the account's currency."""
    request = dealer_account_pb2.CheckCreditRequest(order_number=order_number)
    return as_dict(await call(services.dealer_accounts.CheckCredit, request, principal))


@router.post("/orders/{order_number}/reject", tags=["orders"], responses=REFUSED)
async def reject_order(
    order_number: str, body: Reason, services: Services, principal: Principal = Depends(require(*roles.HQ_DECIDERS))
) -> dict[str, Any]:
    request = order_pb2.RejectOrderRequest(order_number=order_number, reason=body.reason)
    return as_dict(await call(services.orders.RejectOrder, request, principal))


@router.post("/orders/{order_number}/schedule", tags=["orders"], responses=REFUSED)
async def schedule_order(
    order_number: str,
    body: ScheduleRequest,
    services: Services,
    principal: Principal = Depends(require(*roles.HQ_DECIDERS)),
) -> dict[str, Any]:
    request = order_pb2.ScheduleOrderRequest(order_number=order_number, plant_code=body.plant_code, week=body.week)
    return as_dict(await call(services.orders.ScheduleOrder, request, principal))


@router.post("/orders/{order_number}/arrival", tags=["orders"], responses=REFUSED)
async def confirm_arrival(
    order_number: str, services: Services, principal: Principal = Depends(require(*roles.DEALERS))
) -> dict[str, Any]:
    request = order_pb2.ConfirmArrivalRequest(order_number=order_number)
    return as_dict(await call(services.orders.ConfirmArrival, request, principal))


@router.post("/orders/{order_number}/delivery", tags=["orders"], responses=REFUSED)
async def deliver_vehicle(
    order_number: str,
    body: DeliveryRequest,
    services: Services,
    principal: Principal = Depends(require(*roles.DEALERS)),
) -> dict[str, Any]:
    request = order_pb2.DeliverVehicleRequest(order_number=order_number, customer_id=body.customer_id)
    return as_dict(await call(services.orders.DeliverVehicle, request, principal))


@router.get("/tracking/{order_number_or_vin}", tags=["orders"])
async def tracking(
    order_number_or_vin: str, services: Services, principal: Principal = Depends(require(*roles.DEALER_VIEWS))
) -> dict[str, Any]:
    request = order_pb2.GetTrackingRequest(key=order_number_or_vin)
    return as_dict(await call(services.orders.GetTracking, request, principal))


@router.get("/alerts", tags=["orders"])
async def alerts(
    services: Services,
    principal: Principal = Depends(require(*roles.WATCHERS)),
    kind: str = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    request = order_pb2.ListAlertsRequest(kind=kind, page_size=page_size, page_token=page_token)
    return as_dict(await call(services.orders.ListAlerts, request, principal))
