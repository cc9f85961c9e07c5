"""The order service's gRPC shell, serving the gateway: `python -m order_service.grpc_api`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import grpc

from dealernet.v1 import order_pb2, order_pb2_grpc
from order_service import domain, orders
from order_service.models import VehicleOrderRow, tables
from plumbing import settings as settings_module
from plumbing.db import Database
from plumbing.grpc_support import decode_page_token, encode_page_token, page_size, principal_from, serve

SERVICE = "order"


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
        placed_at=row.placed_at.isoformat() if row.placed_at else "",
        list_price_minor=row.list_price_minor,
        currency=row.currency,
    )


class OrderServicer(order_pb2_grpc.OrderServiceServicer):
    def __init__(self, database: Database) -> None:
        self.db = database

    def GetCatalogue(self, request: Any, context: grpc.ServicerContext) -> order_pb2.Catalogue:  # noqa: N802
        principal_from(context)
        with self.db.unit_of_work() as uow:
            catalogue = orders.load_catalogue(uow)
        return order_pb2.Catalogue(
            models=[
                order_pb2.CatalogueModel(
                    code=model.code,
                    name=model.name,
                    trims=[
                        order_pb2.Trim(
                            code=t.code, name=t.name, list_price_minor=t.list_price_minor, currency=t.currency
                        )
                        for t in model.trims.values()
                    ],
                    colours=[order_pb2.Colour(code=c.code, name=c.name) for c in model.colours.values()],
                )
                for model in catalogue.values()
            ]
        )

    def PlaceOrder(self, request: Any, context: grpc.ServicerContext) -> order_pb2.PlaceOrderResponse:  # noqa: N802
        principal = principal_from(context)
        line = domain.OrderLine(
            model_code=request.model_code,
            trim_code=request.trim_code,
            colour_code=request.colour_code,
            quantity=request.quantity,
            wanted_week=request.wanted_week,
        )
        with self.db.unit_of_work() as uow:
            rows = orders.place_order(uow, principal, line, dt.datetime.now(dt.UTC).date())
            uow.commit()
            return order_pb2.PlaceOrderResponse(orders=[order_message(row) for row in rows])

    def GetOrder(self, request: Any, context: grpc.ServicerContext) -> order_pb2.VehicleOrder:  # noqa: N802
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            return order_message(orders.get_order(uow, principal, request.order_number))

    def ListOrders(self, request: Any, context: grpc.ServicerContext) -> order_pb2.ListOrdersResponse:  # noqa: N802
        principal = principal_from(context)
        offset = decode_page_token(request.page_token)
        limit = page_size(request.page_size)
        with self.db.unit_of_work() as uow:
            rows = orders.list_orders(uow, principal, offset=offset, limit=limit + 1, status=request.status)
            return order_pb2.ListOrdersResponse(
                orders=[order_message(row) for row in rows[:limit]],
                next_page_token=encode_page_token(offset + limit) if len(rows) > limit else "",
            )


def main() -> None:
    database = Database(SERVICE, settings_module.load().database_url(SERVICE), tables)
    serve(
        SERVICE,
        lambda server: order_pb2_grpc.add_OrderServiceServicer_to_server(OrderServicer(database), server),
        database.ping,
    )


if __name__ == "__main__":
    main()
