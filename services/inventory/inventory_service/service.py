"""The inventory service's Nameko shell: reacts to placed, withdrawn, shipped, arrived and
delivered orders, announces aged stock, answers RPC calls.

Run with `nameko run --config plumbing/nameko.yaml inventory_service.service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.json_format import MessageToDict
from nameko.rpc import rpc
from nameko.timer import timer

from inventory_service import domain, stock
from inventory_service.grpc_api import reservation_message
from inventory_service.models import tables
from plumbing import settings as settings_module
from plumbing.db import Database, UnitOfWork
from plumbing.green import make_psycopg_cooperative
from plumbing.nameko_shell import CallerPrincipal, DatabaseProvider, DeadLetters, Tracing, handles_event
from plumbing.principal import Principal

make_psycopg_cooperative()

STOCK_SUMMARY_SECONDS = settings_module.load().stock_summary_seconds


class InventoryService:
    name = "inventory"

    db: Database = DatabaseProvider(tables)  # type: ignore[assignment]
    tracing = Tracing()
    dead_letters = DeadLetters()
    principal: Callable[[], Principal] = CallerPrincipal()  # type: ignore[assignment]

    @handles_event("order", "order.placed")
    def on_order_placed(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        stock.reserve_for_order(uow, domain.OrderedVehicle.from_event(event["data"]))

    @handles_event("order", "order.cancelled")
    def on_order_cancelled(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        stock.release_for_withdrawn_order(uow, domain.WithdrawnOrder.from_event(event["type"], event["data"]))

    @handles_event("order", "order.rejected")
    def on_order_rejected(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        stock.release_for_withdrawn_order(uow, domain.WithdrawnOrder.from_event(event["type"], event["data"]))

    @handles_event("order", "order.vehicle_shipped")
    def on_vehicle_shipped(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        stock.ship_from_plant(uow, domain.ShippedVehicle.from_event(event["data"]))

    @handles_event("order", "order.vehicle_arrived")
    def on_vehicle_arrived(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        stock.receive_at_dealer(uow, domain.ArrivedVehicle.from_event(event["data"]))

    @handles_event("order", "order.vehicle_delivered")
    def on_vehicle_delivered(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        stock.hand_over(uow, domain.DeliveredVehicle.from_event(event["data"]))

    @handles_event("customer", "customer.merged")
    def on_customer_merged(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        data = event["data"]
        stock.repoint_customer(uow, str(data.get("merged_id") or ""), str(data.get("survivor_id") or ""))

    @timer(interval=STOCK_SUMMARY_SECONDS, eager=True)
    def refresh_stock_summary(self) -> None:
        """Every minute, and at start: put back on sale the cars whose customer hold lapsed,
        then recompute headquarters' stock view."""
        with self.db.unit_of_work() as uow:
            stock.release_lapsed_holds(uow)
            uow.commit()
        with self.db.unit_of_work() as uow:
            stock.refresh_stock_summary(uow)
            uow.commit()

    @timer(interval=600)
    def check_aged_stock(self) -> None:
        """Every ten minutes: announce cars that have newly passed the aged-stock threshold."""
        while True:
            with self.db.unit_of_work() as uow:
                announced = stock.alert_aged_stock(uow)
                uow.commit()
            if announced < stock.AGED_ALERT_BATCH:
                return

    @rpc
    def get_reservation(self, order_number: str) -> dict[str, Any]:
        """The inventory's answer to an ordered vehicle, as the caller may see it."""
        with self.db.unit_of_work() as uow:
            row = stock.get_reservation(uow, self.principal(), order_number)
            return MessageToDict(reservation_message(row), preserving_proto_field_name=True)
