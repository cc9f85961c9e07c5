"""The monitor's gRPC shell, serving the gateway: `python -m monitor_service.grpc_api`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from dealernet.v1 import monitor_pb2, monitor_pb2_grpc
from monitor_service import monitor
from monitor_service.dashboard import FunnelStep, StockTally, SupportFigures, Tally
from monitor_service.models import CustomerRow, OrderRow, StockRow, SupportRow, tables
from plumbing.db import UnitOfWork
from plumbing.grpc_support import Page, UnitOfWorkServicer, principal_from, serve_database_service
from plumbing.principal import Principal, Role

SERVICE = "monitor"
# The whole channel's figures are headquarters' view; operations watch it too.
WATCHERS = (Role.HQ, Role.OPS)

T = TypeVar("T")


def _time(moment: dt.datetime | dt.date | None) -> str:
    return moment.isoformat() if moment else ""


def _tallies(tallies: list[Tally]) -> list[monitor_pb2.Tally]:
    return [monitor_pb2.Tally(key=t.key, count=t.count) for t in tallies]


def _funnel(steps: list[FunnelStep]) -> list[monitor_pb2.FunnelStep]:
    return [monitor_pb2.FunnelStep(step=s.step, count=s.count, conversion=s.conversion) for s in steps]


def _stock(tallies: list[StockTally]) -> list[monitor_pb2.StockTally]:
    return [monitor_pb2.StockTally(region=t.region, age_band=t.age_band, count=t.count) for t in tallies]


def _support(figures: SupportFigures) -> monitor_pb2.SupportFigures:
    return monitor_pb2.SupportFigures(
        open=figures.open,
        open_by_priority=_tallies(figures.open_by_priority),
        open_by_region=_tallies(figures.open_by_region),
        breached=figures.breached,
        resolution_late=figures.resolution_late,
        ratings=figures.ratings,
        average_rating=figures.average_rating,
        rating_by_region=[
            monitor_pb2.RegionRating(region=region, ratings=n, average=average)
            for region, n, average in figures.rating_by_region
        ],
        by_status=_tallies(figures.by_status),
    )


def dashboard_message(board: monitor.Dashboard) -> monitor_pb2.Dashboard:
    return monitor_pb2.Dashboard(
        as_of=board.as_of.isoformat(),
        orders_total=board.orders_total,
        orders_by_stage=_tallies(board.orders_by_stage),
        orders_by_region=_tallies(board.orders_by_region),
        orders_by_model=_tallies(board.orders_by_model),
        orders_by_dealer=_tallies(board.orders_by_dealer),
        late_vehicles=board.late_vehicles,
        late_by_region=_tallies(board.late_by_region),
        funnel=_funnel(board.funnel),
        stock=_stock(board.stock),
        stock_total=board.stock_total,
        support=_support(board.support),
        customers_by_segment=_tallies(board.customers_by_segment),
    )


def order_message(row: OrderRow) -> monitor_pb2.MonitoredOrder:
    return monitor_pb2.MonitoredOrder(
        order_number=row.order_number,
        dealer_code=row.dealer_code,
        region=row.region or "",
        model_code=row.model_code or "",
        trim_code=row.trim_code or "",
        colour_code=row.colour_code or "",
        status=row.status or "",
        stage=row.stage or "",
        vin=row.vin or "",
        placed_at=_time(row.placed_at),
        planned_arrival=_time(row.planned_arrival),
        expected_arrival=_time(row.expected_arrival),
        late=row.late,
        approved_at=_time(row.approved_at),
        scheduled_at=_time(row.scheduled_at),
        shipped_at=_time(row.shipped_at),
        arrived_at=_time(row.arrived_at),
        delivered_at=_time(row.delivered_at),
    )


def car_message(row: StockRow, today: dt.date) -> monitor_pb2.MonitoredCar:
    since = row.in_stock_since
    return monitor_pb2.MonitoredCar(
        vin=row.vin,
        location_code=row.location_code or "",
        region=row.region or "",
        model_code=row.model_code or "",
        status=row.status or "",
        in_stock_since=_time(since),
        age_days=max(0, (today - since.astimezone(dt.UTC).date()).days) if since else 0,
    )


def request_message(row: SupportRow, now: dt.datetime) -> monitor_pb2.MonitoredRequest:
    is_open = row.status in ("open", "in_progress", "waiting_on_station")
    return monitor_pb2.MonitoredRequest(
        request_id=row.request_id,
        station_code=row.station_code,
        region=row.region or "",
        priority=row.priority or "",
        status=row.status or "",
        engineer=row.engineer or "",
        opened_at=_time(row.opened_at),
        resolution_due=_time(row.resolution_due),
        breached=bool(is_open and row.resolution_due is not None and row.resolution_due < now),
        resolution_late=row.resolution_late,
        rating=row.rating or 0,
        escalation_level=row.escalation_level,
    )


def customer_message(row: CustomerRow) -> monitor_pb2.MonitoredCustomer:
    return monitor_pb2.MonitoredCustomer(
        customer_id=row.customer_id, segment=row.segment or "", region=row.region or "", kind=row.kind or ""
    )


class MonitorServicer(UnitOfWorkServicer, monitor_pb2_grpc.MonitorServiceServicer):
    def _watch(self, context: grpc.ServicerContext, work: Callable[[UnitOfWork, dt.datetime], T]) -> T:
        """A read for headquarters or operations; anyone else is refused, whatever let them through."""
        principal: Principal = principal_from(context)
        if principal.role not in WATCHERS:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "the channel monitor is headquarters' view")
        now = dt.datetime.now(dt.UTC)
        return self._read(context, lambda uow, _principal: work(uow, now))

    def GetDashboard(self, request: Any, context: grpc.ServicerContext) -> monitor_pb2.Dashboard:  # noqa: N802
        return self._watch(context, lambda uow, now: dashboard_message(monitor.read_dashboard(uow, now)))

    def ListOrders(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> monitor_pb2.ListMonitoredOrdersResponse:
        where = monitor.OrderFilter(
            stage=request.stage,
            region=request.region,
            model_code=request.model_code,
            dealer_code=request.dealer_code,
            late=request.late,
            reached=request.reached,
        )

        def work(uow: UnitOfWork, now: dt.datetime) -> monitor_pb2.ListMonitoredOrdersResponse:
            page = Page.of(request)
            rows = monitor.list_orders(uow, where, offset=page.offset, limit=page.fetch)
            return monitor_pb2.ListMonitoredOrdersResponse(
                orders=[order_message(row) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._watch(context, work)

    def ListStock(self, request: Any, context: grpc.ServicerContext) -> monitor_pb2.ListMonitoredStockResponse:  # noqa: N802

        def work(uow: UnitOfWork, now: dt.datetime) -> monitor_pb2.ListMonitoredStockResponse:
            page = Page.of(request)
            today = now.date()
            rows = monitor.list_stock(
                uow,
                today,
                region=request.region,
                age_band=request.age_band,
                model_code=request.model_code,
                offset=page.offset,
                limit=page.fetch,
            )
            return monitor_pb2.ListMonitoredStockResponse(
                cars=[car_message(row, today) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._watch(context, work)

    def ListSupportRequests(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> monitor_pb2.ListMonitoredSupportRequestsResponse:

        def work(uow: UnitOfWork, now: dt.datetime) -> monitor_pb2.ListMonitoredSupportRequestsResponse:
            page = Page.of(request)
            rows = monitor.list_support(
                uow,
                now,
                view=request.view,
                region=request.region,
                priority=request.priority,
                offset=page.offset,
                limit=page.fetch,
            )
            return monitor_pb2.ListMonitoredSupportRequestsResponse(
                requests=[request_message(row, now) for row in page.shown(rows)],
                next_page_token=page.next_token(rows),
            )

        return self._watch(context, work)

    def ListCustomers(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> monitor_pb2.ListMonitoredCustomersResponse:

        def work(uow: UnitOfWork, now: dt.datetime) -> monitor_pb2.ListMonitoredCustomersResponse:
            page = Page.of(request)
            rows = monitor.list_customers(
                uow, segment=request.segment, region=request.region, offset=page.offset, limit=page.fetch
            )
            return monitor_pb2.ListMonitoredCustomersResponse(
                customers=[customer_message(row) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._watch(context, work)


def main() -> None:
    serve_database_service(
        SERVICE,
        tables,
        lambda database, server: monitor_pb2_grpc.add_MonitorServiceServicer_to_server(
            MonitorServicer(database), server
        ),
    )


if __name__ == "__main__":
    main()
