"""The customer service's Nameko shell: links delivered and sold cars to their buyers, keeps
the service history and the stations' access from support requests, answers RPC calls
from the other services.

Run with `nameko run --config plumbing/nameko.yaml customer_service.service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.json_format import MessageToDict
from nameko.rpc import rpc

from customer_service import customers, domain
from customer_service.grpc_api import customer_message
from customer_service.models import tables
from plumbing.db import Database, UnitOfWork
from plumbing.green import make_psycopg_cooperative
from plumbing.nameko_shell import CallerPrincipal, DatabaseProvider, DeadLetters, Tracing, handles_event
from plumbing.principal import Principal

make_psycopg_cooperative()


class CustomerService:
    name = "customer"

    db: Database = DatabaseProvider(tables)  # type: ignore[assignment]
    tracing = Tracing()
    dead_letters = DeadLetters()
    principal: Callable[[], Principal] = CallerPrincipal()  # type: ignore[assignment]

    @handles_event("order", "order.vehicle_delivered")
    def on_vehicle_delivered(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        customers.link_vehicle(uow, domain.Handover.from_event(event["data"], event["type"]))

    @handles_event("inventory", "inventory.vehicle_sold")
    def on_vehicle_sold(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        customers.link_vehicle(uow, domain.Handover.from_event(event["data"], event["type"]))

    @handles_event("station", "support_request.opened")
    def on_support_request_opened(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        visit = domain.StationVisit.from_event(event["type"], event["data"], event["occurred_at"])
        customers.record_station_visit(uow, event["id"], visit)

    @handles_event("station", "station.repair_recorded")
    def on_repair_recorded(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        visit = domain.StationVisit.from_event(event["type"], event["data"], event["occurred_at"])
        customers.record_station_visit(uow, event["id"], visit)

    @handles_event("station", "support_request.closed")
    def on_support_request_closed(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        visit = domain.StationVisit.from_event(event["type"], event["data"], event["occurred_at"])
        customers.record_station_visit(uow, event["id"], visit)

    @rpc
    def get_customer(self, customer_id: str) -> dict[str, Any]:
        """A customer as the calling principal may see it (for other services)."""
        with self.db.unit_of_work() as uow:
            row = customers.get_customer(uow, self.principal(), customer_id)
            vehicles = customers.vehicles_of(uow, row)
            return MessageToDict(customer_message(row, vehicles), preserving_proto_field_name=True)
