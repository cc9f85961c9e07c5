"""The order service's Nameko shell: listens to inventory events, answers RPC calls.

Run with `nameko run --config plumbing/nameko.yaml order_service.service`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from google.protobuf.json_format import MessageToDict
from nameko.rpc import rpc
from nameko.timer import timer

from order_service import dealer_accounts, orders, timeline
from order_service.grpc_api import order_message
from order_service.models import tables
from plumbing.db import Database, UnitOfWork
from plumbing.green import make_psycopg_cooperative
from plumbing.nameko_shell import CallerPrincipal, DatabaseProvider, DeadLetters, Tracing, handles_event
from plumbing.principal import Principal

make_psycopg_cooperative()


class OrderService:
    name = "order"

    db: Database = DatabaseProvider(tables)  # type: ignore[assignment]
    tracing = Tracing()
    dead_letters = DeadLetters()
    principal: Callable[[], Principal] = CallerPrincipal()  # type: ignore[assignment]

    @handles_event("inventory", "inventory.vehicle_reserved")
    def on_vehicle_reserved(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        orders.record_supply(uow, event["data"]["order_number"], event["data"]["vin"])

    @handles_event("inventory", "inventory.reservation_unavailable")
    def on_reservation_unavailable(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        orders.record_supply(uow, event["data"]["order_number"], None)

    @handles_event("order", "order.vehicle_shipped")
    def on_vehicle_shipped(self, uow: UnitOfWork, event: dict[str, Any]) -> None:
        """A shipped car is invoiced to its dealer, dated the day it left the plant."""
        shipped_at = dt.datetime.fromisoformat(event["data"]["occurred_at"])
        dealer_accounts.invoice_shipped_vehicle(uow, event["data"]["order_number"], shipped_at.date())

    @rpc
    def get_order(self, order_number: str) -> dict[str, Any]:
        """An order as the calling principal may see it (for other services)."""
        with self.db.unit_of_work() as uow:
            row = orders.get_order(uow, self.principal(), order_number)
            return MessageToDict(order_message(row), preserving_proto_field_name=True)

    @timer(interval=60)
    def check_progress(self) -> None:
        """Every minute: flag cars stalled at a stage of the line and cars falling behind plan."""
        now = dt.datetime.now(dt.UTC)
        with self.db.unit_of_work() as uow:
            timeline.flag_stalled(uow, now, timeline.stalled_after())
            timeline.flag_late(uow, now)
            uow.commit()

    @timer(interval=3600)
    def remind_overdue(self) -> None:
        """Every hour: remind dealers of invoices newly past a reminder level (each level once)."""
        with self.db.unit_of_work() as uow:
            dealer_accounts.send_reminders(uow, dt.datetime.now(dt.UTC).date(), dealer_accounts.overdue_policy())
            uow.commit()
