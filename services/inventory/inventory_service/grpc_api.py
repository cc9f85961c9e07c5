"""The inventory service's gRPC shell, serving the gateway: `python -m inventory_service.grpc_api`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from dealernet.v1 import inventory_pb2, inventory_pb2_grpc
from inventory_service import ledger, stock
from inventory_service.models import (
    LocationRow,
    MovementRow,
    PartBalanceRow,
    ReservationRow,
    StockVehicleRow,
    TransferRow,
    tables,
)
from plumbing.db import UnitOfWork
from plumbing.grpc_support import Page, UnitOfWorkServicer, serve_database_service
from plumbing.principal import Principal

SERVICE = "inventory"

T = TypeVar("T")


def _time(moment: dt.datetime | None) -> str:
    return moment.isoformat() if moment else ""


def vehicle_message(row: StockVehicleRow) -> inventory_pb2.StockVehicle:
    in_stock = row.status in stock.IN_STOCK
    return inventory_pb2.StockVehicle(
        vin=row.vin,
        model_code=row.model_code,
        trim_code=row.trim_code,
        colour_code=row.colour_code,
        location_code=row.location_code,
        status=row.status,
        reserved_for_order=row.reserved_for_order or "",
        reserved_for_dealer=row.reserved_for_dealer or "",
        reserved_for_customer=row.reserved_for_customer or "",
        transfer_number=row.transfer_number or "",
        sold_to_customer=row.sold_to_customer or "",
        in_stock_since=_time(row.arrived_at) if in_stock else "",
        age_days=ledger.age_days(row.arrived_at, dt.datetime.now(dt.UTC)) if in_stock and row.arrived_at else 0,
        held_until=_time(row.held_until),
    )


def network_message(car: stock.NetworkCar) -> inventory_pb2.NetworkVehicle:
    vehicle, location = car.vehicle, car.location
    return inventory_pb2.NetworkVehicle(
        vin=vehicle.vin,
        model_code=vehicle.model_code,
        trim_code=vehicle.trim_code,
        colour_code=vehicle.colour_code,
        location_code=location.code,
        location_name=location.name,
        location_kind=location.kind,
        region=location.region or "",
        age_days=ledger.age_days(vehicle.arrived_at, dt.datetime.now(dt.UTC)),
    )


def reservation_message(row: ReservationRow) -> inventory_pb2.Reservation:
    return inventory_pb2.Reservation(
        order_number=row.order_number,
        dealer_code=row.dealer_code,
        outcome=row.outcome,
        vin=row.vin or "",
        decided_at=_time(row.decided_at),
    )


def transfer_message(row: TransferRow) -> inventory_pb2.Transfer:
    return inventory_pb2.Transfer(
        transfer_number=row.transfer_number,
        vin=row.vin,
        from_dealer=row.from_dealer,
        to_dealer=row.to_dealer,
        status=row.status,
        needs_hq_approval=row.needs_hq_approval,
        note=row.note or "",
        decline_reason=row.decline_reason or "",
        requested_by=row.requested_by,
        requested_at=_time(row.requested_at),
        sender_approved_at=_time(row.sender_approved_at),
        hq_approved_at=_time(row.hq_approved_at),
        shipped_at=_time(row.shipped_at),
        received_at=_time(row.received_at),
    )


def movement_message(row: MovementRow) -> inventory_pb2.Movement:
    return inventory_pb2.Movement(
        seq=row.seq,
        kind=row.kind,
        location_code=row.location_code,
        vin=row.vin or "",
        part_number=row.part_number or "",
        on_hand_change=row.on_hand_change,
        reserved_change=row.reserved_change,
        in_transit_change=row.in_transit_change,
        reference=row.reference or "",
        reason=row.reason or "",
        actor=row.actor,
        occurred_at=_time(row.occurred_at),
    )


def part_balance_message(row: PartBalanceRow, reorder_point: int) -> inventory_pb2.PartBalance:
    return inventory_pb2.PartBalance(
        location_code=row.location_code,
        part_number=row.part_number,
        on_hand=row.on_hand,
        reserved=row.reserved,
        available=row.on_hand - row.reserved,
        reorder_point=reorder_point,
    )


def location_message(row: LocationRow) -> inventory_pb2.Location:
    return inventory_pb2.Location(code=row.code, kind=row.kind, name=row.name, region=row.region or "")


def _parts_at(at: stock.PartsAt) -> inventory_pb2.PartAvailabilityAt:
    return inventory_pb2.PartAvailabilityAt(
        location_code=at.location.code,
        location_name=at.location.name,
        location_kind=at.location.kind,
        region=at.location.region or "",
        available=at.available,
        distance_km=-1.0 if at.distance_km is None else round(at.distance_km, 1),
    )


def summary_row_message(row: stock.SummaryRow) -> inventory_pb2.StockSummaryRow:
    return inventory_pb2.StockSummaryRow(
        key=row.key,
        name=row.name,
        region=row.region,
        on_hand=row.on_hand,
        available=row.available,
        reserved=row.reserved,
        in_transit=row.in_transit,
        sold_last_30_days=row.sold_last_30_days,
        days_of_supply=round(row.days_of_supply, 1),
        average_age_days=round(row.average_age_days, 1),
        oldest_age_days=row.oldest_age_days,
        aged=row.aged,
    )


class InventoryServicer(UnitOfWorkServicer, inventory_pb2_grpc.InventoryServiceServicer):
    # --- cars

    def ListVehicles(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.ListVehiclesResponse:  # noqa: N802
        page = Page.of(request)

        def work(uow: UnitOfWork, principal: Principal) -> inventory_pb2.ListVehiclesResponse:
            rows = stock.list_vehicles(
                uow,
                principal,
                offset=page.offset,
                limit=page.fetch,
                model_code=request.model_code,
                status=request.status,
                location_code=request.location_code,
            )
            return inventory_pb2.ListVehiclesResponse(
                vehicles=[vehicle_message(row) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._read(context, work)

    def GetVehicle(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.StockVehicle:  # noqa: N802
        return self._read(context, lambda uow, who: vehicle_message(stock.get_vehicle(uow, who, request.vin)))

    def GetReservation(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Reservation:  # noqa: N802
        return self._read(
            context, lambda uow, who: reservation_message(stock.get_reservation(uow, who, request.order_number))
        )

    def ReserveVehicle(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.StockVehicle:  # noqa: N802
        return self._write(
            context,
            lambda uow, who: vehicle_message(stock.reserve_vehicle(uow, who, request.vin, request.customer_id)),
        )

    def ReleaseVehicle(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.StockVehicle:  # noqa: N802
        return self._write(context, lambda uow, who: vehicle_message(stock.release_vehicle(uow, who, request.vin)))

    def SellVehicle(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.StockVehicle:  # noqa: N802
        return self._write(
            context, lambda uow, who: vehicle_message(stock.sell_vehicle(uow, who, request.vin, request.customer_id))
        )

    def SearchNetworkStock(  # noqa: N802
        self, request: Any, context: grpc.ServicerContext
    ) -> inventory_pb2.SearchNetworkStockResponse:
        page = Page.of(request)

        def work(uow: UnitOfWork, principal: Principal) -> inventory_pb2.SearchNetworkStockResponse:
            cars = stock.search_network(
                uow,
                principal,
                model_code=request.model_code,
                trim_code=request.trim_code,
                colour_code=request.colour_code,
                region=request.region,
                offset=page.offset,
                limit=page.fetch,
            )
            return inventory_pb2.SearchNetworkStockResponse(
                vehicles=[network_message(car) for car in page.shown(cars)], next_page_token=page.next_token(cars)
            )

        return self._read(context, work)

    # --- transfers

    def RequestTransfer(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Transfer:  # noqa: N802
        return self._write(
            context, lambda uow, who: transfer_message(stock.request_transfer(uow, who, request.vin, request.note))
        )

    def ApproveTransfer(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Transfer:  # noqa: N802
        return self._write(
            context, lambda uow, who: transfer_message(stock.approve_transfer(uow, who, request.transfer_number))
        )

    def DeclineTransfer(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Transfer:  # noqa: N802
        return self._write(
            context,
            lambda uow, who: transfer_message(
                stock.decline_transfer(uow, who, request.transfer_number, request.reason)
            ),
        )

    def CancelTransfer(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Transfer:  # noqa: N802
        return self._write(
            context, lambda uow, who: transfer_message(stock.cancel_transfer(uow, who, request.transfer_number))
        )

    def ShipTransfer(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Transfer:  # noqa: N802
        return self._write(
            context, lambda uow, who: transfer_message(stock.ship_transfer(uow, who, request.transfer_number))
        )

    def ReceiveTransfer(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Transfer:  # noqa: N802
        return self._write(
            context, lambda uow, who: transfer_message(stock.receive_transfer(uow, who, request.transfer_number))
        )

    def GetTransfer(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Transfer:  # noqa: N802
        return self._read(
            context, lambda uow, who: transfer_message(stock.get_transfer(uow, who, request.transfer_number))
        )

    def ListTransfers(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.ListTransfersResponse:  # noqa: N802
        page = Page.of(request)

        def work(uow: UnitOfWork, principal: Principal) -> inventory_pb2.ListTransfersResponse:
            rows = stock.list_transfers(uow, principal, status=request.status, offset=page.offset, limit=page.fetch)
            return inventory_pb2.ListTransfersResponse(
                transfers=[transfer_message(row) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._read(context, work)

    # --- adjustments and parts

    def AdjustStock(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.Movement:  # noqa: N802
        return self._write(
            context,
            lambda uow, who: movement_message(
                stock.adjust_stock(
                    uow,
                    who,
                    location_code=request.location_code,
                    vin=request.vin,
                    part_number=request.part_number,
                    quantity=request.quantity,
                    reason=request.reason,
                    description=(request.model_code, request.trim_code, request.colour_code),
                )
            ),
        )

    def _parts(self, context: grpc.ServicerContext, work: Callable[[UnitOfWork, Principal], PartBalanceRow]) -> Any:
        def answer(uow: UnitOfWork, principal: Principal) -> inventory_pb2.PartBalance:
            row = work(uow, principal)
            return part_balance_message(row, stock.reorder_point(uow, row.part_number))

        return self._write(context, answer)

    def ReceiveParts(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.PartBalance:  # noqa: N802
        return self._parts(
            context,
            lambda uow, who: stock.receive_parts(
                uow,
                who,
                request.location_code,
                request.part_number,
                request.quantity,
                request.reference,
                request.description,
            ),
        )

    def ReserveParts(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.PartBalance:  # noqa: N802
        return self._parts(
            context,
            lambda uow, who: stock.reserve_parts(
                uow, who, request.location_code, request.part_number, request.quantity, request.reference
            ),
        )

    def ReleaseParts(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.PartBalance:  # noqa: N802
        return self._parts(
            context,
            lambda uow, who: stock.release_parts(
                uow, who, request.location_code, request.part_number, request.quantity, request.reference
            ),
        )

    def IssueParts(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.PartBalance:  # noqa: N802
        return self._parts(
            context,
            lambda uow, who: stock.issue_parts(
                uow, who, request.location_code, request.part_number, request.quantity, request.reference
            ),
        )

    def GetPartAvailability(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.PartAvailability:  # noqa: N802
        def work(uow: UnitOfWork, principal: Principal) -> inventory_pb2.PartAvailability:
            found = stock.part_availability(uow, principal, request.part_number, request.location_code)
            return inventory_pb2.PartAvailability(
                part_number=found.part.part_number,
                description=found.part.description,
                own=_parts_at(found.own),
                nearby=[_parts_at(at) for at in found.nearby],
            )

        return self._read(context, work)

    # --- headquarters' views

    def GetStockSummary(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.StockSummary:  # noqa: N802
        page = Page.of(request)

        def work(uow: UnitOfWork, principal: Principal) -> inventory_pb2.StockSummary:
            summary = stock.stock_summary(
                uow,
                principal,
                group_by=request.group_by or stock.GroupBy.REGION,
                region=request.region,
                model_code=request.model_code,
                offset=page.offset,
                limit=page.fetch,
            )
            rows = summary.rows
            return inventory_pb2.StockSummary(
                group_by=summary.group_by,
                rows=[summary_row_message(row) for row in page.shown(rows)],
                next_page_token=page.next_token(rows),
                aged_after_days=summary.aged_after_days,
                total=summary_row_message(summary.total),
                as_of=_time(summary.as_of),
            )

        return self._read(context, work)

    def ListMovements(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.ListMovementsResponse:  # noqa: N802
        page = Page.of(request)

        def work(uow: UnitOfWork, principal: Principal) -> inventory_pb2.ListMovementsResponse:
            rows = stock.list_movements(
                uow,
                principal,
                location_code=request.location_code,
                vin=request.vin,
                part_number=request.part_number,
                offset=page.offset,
                limit=page.fetch,
            )
            return inventory_pb2.ListMovementsResponse(
                movements=[movement_message(row) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._read(context, work)

    def ListLocations(self, request: Any, context: grpc.ServicerContext) -> inventory_pb2.ListLocationsResponse:  # noqa: N802
        page = Page.of(request)

        def work(uow: UnitOfWork, _: Principal) -> inventory_pb2.ListLocationsResponse:
            rows = stock.list_locations(
                uow, region=request.region, kind=request.kind, offset=page.offset, limit=page.fetch
            )
            return inventory_pb2.ListLocationsResponse(
                locations=[location_message(row) for row in page.shown(rows)], next_page_token=page.next_token(rows)
            )

        return self._read(context, work)


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
