"""The inventory service's gRPC shell, serving the gateway: `python -m inventory_service.grpc_api`."""

from __future__ import annotations

from typing import Any

import grpc

from dealernet.v1 import inventory_pb2, inventory_pb2_grpc
from inventory_service import stock
from inventory_service.models import ReservationRow, StockVehicleRow, tables
from plumbing import settings as settings_module
from plumbing.db import Database
from plumbing.grpc_support import decode_page_token, encode_page_token, page_size, principal_from, serve

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
        offset = decode_page_token(request.page_token)
        limit = page_size(request.page_size)
        with self.db.unit_of_work() as uow:
            rows = stock.list_vehicles(
                uow, principal, offset=offset, limit=limit + 1, model_code=request.model_code, status=request.status
            )
            return inventory_pb2.ListVehiclesResponse(
                vehicles=[vehicle_message(row) for row in rows[:limit]],
                next_page_token=encode_page_token(offset + limit) if len(rows) > limit else "",
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
    database = Database(SERVICE, settings_module.load().database_url(SERVICE), tables)
    serve(
        SERVICE,
        lambda server: inventory_pb2_grpc.add_InventoryServiceServicer_to_server(InventoryServicer(database), server),
        database.ping,
    )


if __name__ == "__main__":
    main()
