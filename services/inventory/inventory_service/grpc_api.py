"""The inventory service's gRPC shell, serving the gateway: `python -m inventory_service.grpc_api`."""

from __future__ import annotations

from typing import Any

import grpc

from dealernet.v1 import inventory_pb2, inventory_pb2_grpc
from inventory_service import stock
from inventory_service.models import ReservationRow, StockVehicleRow, tables
from plumbing.db import Database
from plumbing.grpc_support import Page, principal_from, serve_database_service

SERVICE = "inventory"


def vehicle_message(row: StockVehicleRow) -> inventory_pb2.StockVehicle:
    return inventory_pb2.StockVehicle(
        vin=row.vin,
        model_code=row.model_code,
        trim_code=row.trim_code,
        colour_code=row.colour_code,
        location_code=row.location_code,
        status=row.status,
        reserved_for_order=row.reserved_for_order or "",
        reserved_for_dealer=row.reserved_for_dealer or "",
    )


def reservation_message(row: ReservationRow) -> inventory_pb2.Reservation:
    return inventory_pb2.Reservation(
        order_number=row.order_number,
        dealer_code=row.dealer_code,
        outcome=row.outcome,
        vin=row.vin or "",
        decided_at=row.decided_at.isoformat() if row.decided_at else "",
    )


class InventoryServicer(inventory_pb2_grpc.InventoryServiceServicer):
    def __init__(self, database: Database) -> None:
        self.db = database

    def ListVehicles(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.ListVehiclesResponse:  # noqa: N802
        principal = principal_from(context)
        page = Page.of(request)
        with self.db.unit_of_work() as uow:
            rows = stock.list_vehicles(
                uow,
                principal,
                offset=page.offset,
                limit=page.fetch,
                model_code=request.model_code,
                status=request.status,
            )
            return inventory_pb2.ListVehiclesResponse(
                vehicles=[vehicle_message(row) for row in page.shown(rows)],
                next_page_token=page.next_token(rows),
            )

    def GetVehicle(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.StockVehicle:  # noqa: N802
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            return vehicle_message(stock.get_vehicle(uow, principal, request.vin))

    def GetReservation(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Reservation:  # noqa: N802
        principal = principal_from(context)
        with self.db.unit_of_work() as uow:
            return reservation_message(stock.get_reservation(uow, principal, request.order_number))


def main() -> None:
    serve_database_service(
        SERVICE,
        tables,
        lambda database, server: inventory_pb2_grpc.add_InventoryServiceServicer_to_server(
            InventoryServicer(database), server
        ),
    )


if __name__ == "__main__":
    main()
