"""The monitor's Nameko shell: listens to the other services' events and keeps
headquarters' read models and their counters.

Run with `nameko run --config plumbing/nameko.yaml monitor_service.service`.

One handler per event: each has its own queue, claims the message id in the same
transaction as its change (a redelivered message changes nothing), and dead-letters what it
cannot read. The use cases in `monitor.py` accept events in any order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from monitor_service import monitor
from monitor_service.models import tables
from plumbing.db import Database, UnitOfWork
from plumbing.green import make_psycopg_cooperative
from plumbing.nameko_shell import DatabaseProvider, DeadLetters, Tracing, handles_event

make_psycopg_cooperative()

Recorder = Callable[[UnitOfWork, dict[str, Any]], object]


def _handler(name: str, source: str, event_type: str, record: Recorder) -> Callable[..., None]:
    """An idempotent handler named `name`: the name the message id is claimed under and
    dead letters are signed with, so it must be the attribute it is bound to."""

    def handle(self: Any, uow: UnitOfWork, event: dict[str, Any]) -> None:
        record(uow, event)

    handle.__name__ = handle.__qualname__ = name
    return handles_event(source, event_type)(handle)


class MonitorService:
    name = "monitor"

    db: Database = DatabaseProvider(tables)  # type: ignore[assignment]
    tracing = Tracing()
    dead_letters = DeadLetters()

    # Orders: every step of an ordered car's life.
    on_order_placed = _handler("on_order_placed", "order", "order.placed", monitor.record_order_event)
    on_order_amended = _handler("on_order_amended", "order", "order.amended", monitor.record_order_event)
    on_order_approved = _handler("on_order_approved", "order", "order.approved", monitor.record_order_event)
    on_order_rejected = _handler("on_order_rejected", "order", "order.rejected", monitor.record_order_event)
    on_order_cancelled = _handler("on_order_cancelled", "order", "order.cancelled", monitor.record_order_event)
    on_order_scheduled = _handler("on_order_scheduled", "order", "order.scheduled", monitor.record_order_event)
    on_stage_reached = _handler("on_stage_reached", "order", "order.stage_reached", monitor.record_order_event)
    on_vehicle_shipped = _handler("on_vehicle_shipped", "order", "order.vehicle_shipped", monitor.record_order_event)
    on_vehicle_late = _handler("on_vehicle_late", "order", "order.vehicle_late", monitor.record_order_event)
    on_vehicle_arrived = _handler("on_vehicle_arrived", "order", "order.vehicle_arrived", monitor.record_order_event)
    on_vehicle_delivered = _handler(
        "on_vehicle_delivered", "order", "order.vehicle_delivered", monitor.record_order_event
    )
    # A delivered car also leaves its dealer's stock.
    on_vehicle_delivered_stock = _handler(
        "on_vehicle_delivered_stock", "order", "order.vehicle_delivered", monitor.record_stock_event
    )

    # Channel stock: cars entering and leaving dealers' stock.
    on_vehicle_received = _handler(
        "on_vehicle_received", "inventory", "inventory.vehicle_received", monitor.record_stock_event
    )
    on_vehicle_sold = _handler("on_vehicle_sold", "inventory", "inventory.vehicle_sold", monitor.record_stock_event)
    on_vehicle_reserved_for_customer = _handler(
        "on_vehicle_reserved_for_customer",
        "inventory",
        "inventory.vehicle_reserved_for_customer",
        monitor.record_stock_event,
    )
    on_vehicle_released = _handler(
        "on_vehicle_released", "inventory", "inventory.vehicle_released", monitor.record_stock_event
    )
    on_transfer_received = _handler(
        "on_transfer_received", "inventory", "inventory.transfer_received", monitor.record_stock_event
    )
    on_stock_adjusted = _handler(
        "on_stock_adjusted", "inventory", "inventory.stock_adjusted", monitor.record_stock_event
    )

    # Support requests: their status, deadlines and ratings.
    on_request_opened = _handler("on_request_opened", "station", "support_request.opened", monitor.record_support_event)
    on_request_taken = _handler("on_request_taken", "station", "support_request.taken", monitor.record_support_event)
    on_question_asked = _handler(
        "on_question_asked", "station", "support_request.question_asked", monitor.record_support_event
    )
    on_request_resolved = _handler(
        "on_request_resolved", "station", "support_request.resolved", monitor.record_support_event
    )
    on_request_closed = _handler("on_request_closed", "station", "support_request.closed", monitor.record_support_event)
    on_request_reopened = _handler(
        "on_request_reopened", "station", "support_request.reopened", monitor.record_support_event
    )
    on_request_escalated = _handler(
        "on_request_escalated", "station", "support_request.escalated", monitor.record_support_event
    )

    # Customers: segments as the customer master recomputes them.
    on_customer_registered = _handler(
        "on_customer_registered", "customer", "customer.registered", monitor.record_customer_event
    )
    on_segment_changed = _handler(
        "on_segment_changed", "customer", "customer.segment_changed", monitor.record_customer_event
    )
    on_customer_merged = _handler("on_customer_merged", "customer", "customer.merged", monitor.record_customer_event)
