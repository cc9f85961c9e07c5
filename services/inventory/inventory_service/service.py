"""The inventory service's Nameko shell: reacts to placed orders, answers RPC calls.

Run with `nameko run --config plumbing/nameko.yaml inventory_service.service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.json_format import MessageToDict
from nameko.rpc import rpc

from inventory_service import domain, stock
from inventory_service.grpc_api import reservation_message
from inventory_service.models import tables
from plumbing.db import Database, UnitOfWork
from plumbing.green import make_psycopg_cooperative
from plumbing.nameko_shell import CallerPrincipal, DatabaseProvider, DeadLetters, Tracing, handles_event
from plumbing.principal import Principal

make_psycopg_cooperative()


class InventoryService:
    name = "inventory"

    db: Database = DatabaseProvider(tables)  # type: ignore[assignment]
    tracing = Tracing()
    dead_letters = DeadLetters()
    principal: Callable[[], Principal] = CallerPrincipal()  # type: ignore[assignment]

    @handles_event("order", "order.placed")
    def on_order_placed(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        stock.reserve_for_order(uow, domain.OrderedVehicle.from_event(event["data"]))

    @rpc
    def get_reservation(self, order_number: str) -> dict[str, Any]:
        """The inventory's answer to an ordered vehicle, as the caller may see it."""
        with self.db.unit_of_work() as uow:
            row = stock.get_reservation(uow, self.principal(), order_number)
            return MessageToDict(reservation_message(row), preserving_proto_field_name=True)
