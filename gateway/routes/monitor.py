"""Headquarters' channel monitor: the dashboard of the whole channel, and the list behind
each of its figures.

The figures come from the monitor service's read models, kept from the other services'
events, so the dashboard costs the same however many orders the channel has placed. Each
figure in the answer carries `list`: the route (with its filters) that lists what it
counts. Headquarters and operations only; the monitor service refuses anyone else again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from dealernet.v1 import monitor_pb2
from gateway import api_link, roles
from gateway.backends import Services, as_dict, call
from gateway.problems import SERVICE_UNAVAILABLE
from gateway.routes import PageSize
from gateway.security import require
from plumbing.principal import Principal

router = APIRouter(responses=SERVICE_UNAVAILABLE)

WATCHERS = roles.WATCHERS

Code = Annotated[str, Query(max_length=40)]


def _list(path: str, **filters: str) -> str:
    return api_link(f"dashboard/{path}", **filters)


def _with_lists(items: list[dict[str, Any]], path: str, filter_name: str, key: str = "key") -> list[dict[str, Any]]:
    # A figure whose key is not known yet ('') has no list to narrow to.
    return [{**item, "list": _list(path, **{filter_name: item[key]}) if item[key] else None} for item in items]


def dashboard_answer(board: dict[str, Any]) -> dict[str, Any]:
    support = board["support"]
    return {
        **board,
        "orders_by_stage": _with_lists(board["orders_by_stage"], "orders", "stage"),
        "orders_by_region": _with_lists(board["orders_by_region"], "orders", "region"),
        "orders_by_model": _with_lists(board["orders_by_model"], "orders", "model"),
        "orders_by_dealer": _with_lists(board["orders_by_dealer"], "orders", "dealer"),
        "late_by_region": _with_lists(board["late_by_region"], "late-vehicles", "region"),
        "funnel": _with_lists(board["funnel"], "orders", "reached", key="step"),
        "stock": [
            {**item, "list": _list("stock", region=item["region"], age_band=item["age_band"])}
            for item in board["stock"]
        ],
        "customers_by_segment": _with_lists(board["customers_by_segment"], "customers", "segment"),
        "support": {
            **support,
            "open_by_priority": _with_lists(support["open_by_priority"], "support", "priority"),
            "open_by_region": _with_lists(support["open_by_region"], "support", "region"),
        },
        "lists": {
            "orders": _list("orders"),
            "late_vehicles": _list("late-vehicles"),
            "stock": _list("stock"),
            "support_open": _list("support", view="open"),
            "support_breached": _list("support", view="breached"),
            "support_resolution_late": _list("support", view="resolution_late"),
            "support_rated": _list("support", view="rated"),
            "customers": _list("customers"),
        },
    }


@router.get("/dashboard", tags=["monitor"])
async def get_dashboard(services: Services, principal: Principal = Depends(require(*WATCHERS))) -> dict[str, Any]:
    """Every figure of the channel as of `as_of`: orders by stage, region, model and dealer; late
    cars; the funnel from order to delivery; stock by region and age; support requests open,
    breached and rated; customers by segment. Each figure names the list behind it."""
    board = as_dict(await call(services.monitor.GetDashboard, monitor_pb2.GetDashboardRequest(), principal))
    return dashboard_answer(board)


@router.get("/dashboard/orders", tags=["monitor"])
async def list_dashboard_orders(
    services: Services,
    principal: Principal = Depends(require(*WATCHERS)),
    stage: Code = "",
    region: Code = "",
    model: Code = "",
    dealer: Code = "",
    reached: str = Query(
        "", max_length=20, description="A funnel step: placed, approved, scheduled, shipped, arrived, delivered."
    ),
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """The orders behind an order figure, newest placed first."""
    request = monitor_pb2.ListMonitoredOrdersRequest(
        stage=stage,
        region=region,
        model_code=model,
        dealer_code=dealer,
        reached=reached,
        page_size=page_size,
        page_token=page_token,
    )
    return as_dict(await call(services.monitor.ListOrders, request, principal))


@router.get("/dashboard/late-vehicles", tags=["monitor"])
async def list_late_vehicles(
    services: Services,
    principal: Principal = Depends(require(*WATCHERS)),
    region: Code = "",
    model: Code = "",
    dealer: Code = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """Cars behind plan and not yet at their dealer, earliest planned arrival first."""
    request = monitor_pb2.ListMonitoredOrdersRequest(
        region=region, model_code=model, dealer_code=dealer, late=True, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.monitor.ListOrders, request, principal))


@router.get("/dashboard/stock", tags=["monitor"])
async def list_dashboard_stock(
    services: Services,
    principal: Principal = Depends(require(*WATCHERS)),
    region: Code = "",
    age_band: str = Query("", max_length=10, description="0-30, 31-60, 61-90, 91-180 or 181+ days in stock."),
    model: Code = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """Cars in dealers' stock behind a stock figure, longest in stock first."""
    request = monitor_pb2.ListMonitoredStockRequest(
        region=region, age_band=age_band, model_code=model, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.monitor.ListStock, request, principal))


@router.get("/dashboard/support", tags=["monitor"])
async def list_dashboard_support(
    services: Services,
    principal: Principal = Depends(require(*WATCHERS)),
    view: str = Query(
        "open", max_length=20, description="open, breached, resolution_late, rated or all support requests."
    ),
    region: Code = "",
    priority: str = Query("", max_length=20, description="critical, high, normal or low"),
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """Support requests behind a support figure: open and breached ones soonest deadline first."""
    request = monitor_pb2.ListMonitoredSupportRequestsRequest(
        view=view, region=region, priority=priority, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.monitor.ListSupportRequests, request, principal))


@router.get("/dashboard/customers", tags=["monitor"])
async def list_dashboard_customers(
    services: Services,
    principal: Principal = Depends(require(*WATCHERS)),
    segment: str = Query("", max_length=20, description="potential, target or key"),
    region: Code = "",
    page_size: PageSize = 50,
    page_token: str = "",
) -> dict[str, Any]:
    """Customers behind a segment figure (ids only: the customer master holds the rest)."""
    request = monitor_pb2.ListMonitoredCustomersRequest(
        segment=segment, region=region, page_size=page_size, page_token=page_token
    )
    return as_dict(await call(services.monitor.ListCustomers, request, principal))
