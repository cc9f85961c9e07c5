"""The order service's gRPC shell, serving the gateway: `python -m order_service.grpc_api`."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import grpc

from dealernet.v1 import dealer_account_pb2_grpc, order_pb2, order_pb2_grpc
from order_service import domain, orders, tracking
from order_service.account_grpc import DealerAccountServicer
from order_service.catalogue import load_catalogue
from order_service.models import AlertRow, VehicleOrderRow, tables
from plumbing.db import Database, UnitOfWork
from plumbing.grpc_support import Page, commit_in_time, principal_from, serve_database_service
from plumbing.principal import Principal

SERVICE = "order"
# The catalogue changes a few times a year; every dealer screen asks for it. Orders are
# always checked and priced against the database, never against this copy.
CATALOGUE_TTL_SECONDS = 5.0


def _text(value: dt.date | dt.datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def order_message(row: VehicleOrderRow) -> order_pb2.VehicleOrder:
    return order_pb2.VehicleOrder(
        order_number=row.order_number,
        dealer_code=row.dealer_code,
        model_code=row.model_code,
        trim_code=row.trim_code,
        colour_code=row.colour_code,
        wanted_week=row.wanted_week,
        status=row.status,
        supply=row.supply,
        vin=row.vin or "",
        placed_at=_text(row.placed_at),
        list_price_minor=row.list_price_minor,
        currency=row.currency,
        option_codes=list(row.option_codes or ()),
        status_reason=row.status_reason or "",
        plant_code=row.plant_code or "",
        scheduled_week=row.scheduled_week or "",
        stage=row.stage or "",
        hold_reason=row.hold_reason or "",
        planned_arrival=_text(row.planned_arrival),
        expected_arrival=_text(row.expected_arrival),
        allocation_month=row.allocation_month or "",
        customer_id=row.delivered_to_customer or "",
    )


def catalogue_message(catalogue: dict[str, domain.CatalogueModel]) -> order_pb2.Catalogue:
    return order_pb2.Catalogue(
        models=[
            order_pb2.CatalogueModel(
                code=model.code,
                name=model.name,
                trims=[
                    order_pb2.Trim(code=t.code, name=t.name, list_price_minor=t.list_price_minor, currency=t.currency)
                    for t in model.trims.values()
                ],
                colours=[order_pb2.Colour(code=c.code, name=c.name) for c in model.colours.values()],
                options=[
                    order_pb2.CatalogueOption(
                        code=o.code,
                        name=o.name,
                        list_price_minor=o.list_price_minor,
                        trim_codes=[code for code in model.trims if code in o.trim_codes],
                    )
                    for o in model.options.values()
                ],
            )
            for model in catalogue.values()
        ]
    )


def tracking_message(view: tracking.TrackingView) -> order_pb2.Tracking:
    return order_pb2.Tracking(
        order_number=view.order_number,
        vin=view.vin or "",
        dealer_code=view.dealer_code,
        status=view.status,
        stage=view.stage or "",
        stage_label=view.stage_label or "",
        hold_reason=view.hold_reason or "",
        hold_label=view.hold_label or "",
        hold_since=_text(view.hold_since),
        planned_arrival=_text(view.planned_arrival),
        expected_arrival=_text(view.expected_arrival),
        behind_plan=view.behind_plan,
        timeline=[
            order_pb2.TimelineItem(
                kind=item.kind,
                stage=item.stage or "",
                label=item.label,
                hold_reason=item.hold_reason or "",
                plant_code=item.plant_code or "",
                line=item.line or "",
                station=item.station or "",
                occurred_at=_text(item.occurred_at),
            )
            for item in view.timeline
        ],
    )


def alert_message(row: AlertRow) -> order_pb2.Alert:
    return order_pb2.Alert(
        id=row.id,
        kind=row.kind,
        order_number=row.order_number or "",
        dealer_code=row.dealer_code or "",
        detail=row.detail,
        raised_at=_text(row.raised_at),
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class OrderServicer(order_pb2_grpc.OrderServiceServicer):
    def __init__(
        self,
        database: Database,
        *,
        catalogue_ttl_seconds: float = CATALOGUE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = database
        self.catalogue_ttl_seconds = catalogue_ttl_seconds
        self.clock = clock
        self._catalogue_lock = threading.Lock()
        self._catalogue: tuple[float, order_pb2.Catalogue] | None = None

    def _change(
        self, context: grpc.ServicerContext, change: Callable[[UnitOfWork, Principal], VehicleOrderRow]
    ) -> order_pb2.VehicleOrder:
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            row = change(uow, principal)
            commit_in_time(uow, context)
            return order_message(row)

    def GetCatalogue(self, request: Any, context: grpc.ServicerContext) -> order_pb2.Catalogue:  # noqa: N802
        principal_from(context)
        # One loader at a time: a burst of requests after expiry costs the database one read.
        with self._catalogue_lock:
            now = self.clock()
            if self._catalogue is not None and now < self._catalogue[0]:
                return self._catalogue[1]
            with self.db.unit_of_work() as uow:
                message = catalogue_message(load_catalogue(uow))
            self._catalogue = (now + self.catalogue_ttl_seconds, message)
            return message

    def PlaceOrder(self, request: Any, context: grpc.ServicerContext) -> order_pb2.PlaceOrderResponse:  # noqa: N802
        principal = principal_from(context)
        line = domain.OrderLine(
            model_code=request.model_code,
            trim_code=request.trim_code,
            colour_code=request.colour_code,
            quantity=request.quantity,
            wanted_week=request.wanted_week,
            option_codes=tuple(request.option_codes),
        )
        with self.db.unit_of_work() as uow:
            result = orders.place_order(uow, principal, line, _now().date(), idempotency_key=request.idempotency_key)
            commit_in_time(uow, context)
            return order_pb2.PlaceOrderResponse(
                orders=[order_message(row) for row in result.orders], replayed=result.replayed
            )

    def GetOrder(self, request: Any, context: grpc.ServicerContext) -> order_pb2.VehicleOrder:  # noqa: N802
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            return order_message(orders.get_order(uow, principal, request.order_number))

    def ListOrders(self, request: Any, context: grpc.ServicerContext) -> order_pb2.ListOrdersResponse:  # noqa: N802
        principal = principal_from(context)
        page = Page.of(request)
        with self.db.unit_of_work() as uow:
            rows = orders.list_orders(uow, principal, offset=page.offset, limit=page.fetch, status=request.status)
            return order_pb2.ListOrdersResponse(
                orders=[order_message(row) for row in page.shown(rows)],
                next_page_token=page.next_token(rows),
            )

    def AmendOrder(self, request: Any, context: grpc.ServicerContext) -> order_pb2.VehicleOrder:  # noqa: N802
        amendment = domain.Amendment(
            colour_code=request.colour_code if request.HasField("colour_code") else None,
            option_codes=tuple(request.options.codes) if request.HasField("options") else None,
            wanted_week=request.wanted_week if request.HasField("wanted_week") else None,
        )
        return self._change(
            context, lambda uow, who: orders.amend_order(uow, who, request.order_number, amendment, _now())
        )

    def CancelOrder(self, request: Any, context: grpc.ServicerContext) -> order_pb2.VehicleOrder:  # noqa: N802
        return self._change(
            context, lambda uow, who: orders.cancel_order(uow, who, request.order_number, request.reason, _now())
        )

    def ApproveOrder(self, request: Any, context: grpc.ServicerContext) -> order_pb2.VehicleOrder:  # noqa: N802
        return self._change(
            context,
            lambda uow, who: orders.approve_order(
                uow, who, request.order_number, _now(), credit_override_reason=request.credit_override_reason
            ),
        )

    def RejectOrder(self, request: Any, context: grpc.ServicerContext) -> order_pb2.VehicleOrder:  # noqa: N802
        return self._change(
            context, lambda uow, who: orders.reject_order(uow, who, request.order_number, request.reason, _now())
        )

    def ScheduleOrder(self, request: Any, context: grpc.ServicerContext) -> order_pb2.VehicleOrder:  # noqa: N802
        return self._change(
            context,
            lambda uow, who: orders.schedule_order(
                uow, who, request.order_number, request.plant_code, request.week, _now()
            ),
        )

    def ConfirmArrival(self, request: Any, context: grpc.ServicerContext) -> order_pb2.VehicleOrder:  # noqa: N802
        return self._change(context, lambda uow, who: orders.confirm_arrival(uow, who, request.order_number, _now()))

    def DeliverVehicle(self, request: Any, context: grpc.ServicerContext) -> order_pb2.VehicleOrder:  # noqa: N802
        return self._change(
            context,
            lambda uow, who: orders.deliver_vehicle(uow, who, request.order_number, request.customer_id, _now()),
        )

    def GetTracking(self, request: Any, context: grpc.ServicerContext) -> order_pb2.Tracking:  # noqa: N802
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            return tracking_message(orders.get_tracking(uow, principal, request.key.strip().upper()))

    def ListAlerts(self, request: Any, context: grpc.ServicerContext) -> order_pb2.ListAlertsResponse:  # noqa: N802
        principal = principal_from(context)
        page = Page.of(request)
        with self.db.unit_of_work() as uow:
            rows = orders.list_alerts(uow, principal, offset=page.offset, limit=page.fetch, kind=request.kind)
            return order_pb2.ListAlertsResponse(
                alerts=[alert_message(row) for row in page.shown(rows)],
                next_page_token=page.next_token(rows),
            )


def main() -> None:
    serve_database_service(
        SERVICE,
        tables,
        lambda database, server: register_servicers(database, server),
    )


def register_servicers(database: Database, server: grpc.Server) -> None:
    """The order service answers for vehicle orders and for the dealer accounts their cars raise."""
    order_pb2_grpc.add_OrderServiceServicer_to_server(OrderServicer(database), server)
    dealer_account_pb2_grpc.add_DealerAccountServiceServicer_to_server(DealerAccountServicer(database), server)


if __name__ == "__main__":
    main()
