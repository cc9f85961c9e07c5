"""Channel stock: which car answers a dealer's order, and what an arrival, a delivery or a
withdrawn order does to the stock, in plain Python."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from inventory_service.ledger import MovementKind, Step, Vehicle, VehicleStatus
from plumbing.vin import vin_problem

MAKER_POOL = "POOL"

VEHICLE_RESERVED = "inventory.vehicle_reserved"
RESERVATION_UNAVAILABLE = "inventory.reservation_unavailable"


class ReservationOutcome(StrEnum):
    RESERVED = "reserved"
    UNAVAILABLE = "unavailable"
    # The order was withdrawn before it was answered: nothing is to be held for it.
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class OrderedVehicle:
    """What a dealer ordered, as announced by the order service."""

    order_number: str
    dealer_code: str
    model_code: str
    trim_code: str
    colour_code: str
    option_codes: tuple[str, ...] = ()

    @property
    def can_come_from_pool(self) -> bool:
        """Pool cars are built to the trim's standard, so a car with options is built to order."""
        return not self.option_codes

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> OrderedVehicle:
        missing = [
            k for k in ("order_number", "dealer_code", "model_code", "trim_code", "colour_code") if not data.get(k)
        ]
        if missing:
            raise ValueError(f"order.placed is missing {', '.join(missing)}")
        return cls(
            order_number=str(data["order_number"]),
            dealer_code=str(data["dealer_code"]),
            model_code=str(data["model_code"]),
            trim_code=str(data["trim_code"]),
            colour_code=str(data["colour_code"]),
            option_codes=tuple(str(code) for code in data.get("option_codes") or ()),
        )


@dataclass(frozen=True)
class ReservationDecision:
    outcome: ReservationOutcome
    vin: str | None
    event_type: str
    event_data: dict[str, Any]


def decide_reservation(order: OrderedVehicle, matching_pool_vin: str | None) -> ReservationDecision:
    """A matching car in the maker's pool is reserved for the order; otherwise it is built.

    The caller offers the longest-held matching pool car, so stock does not age while
    newer identical cars are handed out.
    """
    if matching_pool_vin:
        return ReservationDecision(
            outcome=ReservationOutcome.RESERVED,
            vin=matching_pool_vin,
            event_type=VEHICLE_RESERVED,
            event_data={
                "order_number": order.order_number,
                "dealer_code": order.dealer_code,
                "vin": matching_pool_vin,
            },
        )
    return ReservationDecision(
        outcome=ReservationOutcome.UNAVAILABLE,
        vin=None,
        event_type=RESERVATION_UNAVAILABLE,
        event_data={
            "order_number": order.order_number,
            "dealer_code": order.dealer_code,
            "model_code": order.model_code,
            "trim_code": order.trim_code,
            "colour_code": order.colour_code,
        },
    )


def normalise_vin(vin: str) -> str:
    return vin.strip().upper()


VEHICLE_RECEIVED = "inventory.vehicle_received"


def _required_text(event_type: str, data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    missing = [key for key in keys if not isinstance(data.get(key), str) or not str(data[key]).strip()]
    if missing:
        raise ValueError(f"{event_type} is missing {', '.join(missing)}")
    return {key: str(data[key]).strip() for key in keys}


def _event_vin(event_type: str, raw: str) -> str:
    vin = normalise_vin(raw)
    problem = vin_problem(vin)
    if problem is not None:
        raise ValueError(f"{event_type} has an invalid vin {raw!r}: {problem}")
    return vin


def _event_time(event_type: str, key: str, raw: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(f"{event_type} {key} is not an RFC 3339 time: {raw!r}") from exc
    if moment.tzinfo is None:
        raise ValueError(f"{event_type} {key} has no time zone: {raw!r}")
    return moment


@dataclass(frozen=True)
class ArrivedVehicle:
    """An ordered car that reached its dealer, as announced by the order service."""

    order_number: str
    dealer_code: str
    vin: str
    arrived_at: dt.datetime
    model_code: str
    trim_code: str
    colour_code: str

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> ArrivedVehicle:
        event_type = "order.vehicle_arrived"
        fields = _required_text(
            event_type,
            data,
            ("order_number", "dealer_code", "vin", "arrived_at", "model_code", "trim_code", "colour_code"),
        )
        return cls(
            order_number=fields["order_number"],
            dealer_code=fields["dealer_code"],
            vin=_event_vin(event_type, fields["vin"]),
            arrived_at=_event_time(event_type, "arrived_at", fields["arrived_at"]),
            model_code=fields["model_code"],
            trim_code=fields["trim_code"],
            colour_code=fields["colour_code"],
        )


@dataclass(frozen=True)
class DeliveredVehicle:
    """An ordered car its dealer handed over to the buyer, as announced by the order service."""

    order_number: str
    dealer_code: str
    vin: str
    delivered_at: dt.datetime
    customer_id: str | None = None

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> DeliveredVehicle:
        event_type = "order.vehicle_delivered"
        fields = _required_text(event_type, data, ("order_number", "dealer_code", "vin", "delivered_at"))
        return cls(
            order_number=fields["order_number"],
            dealer_code=fields["dealer_code"],
            vin=_event_vin(event_type, fields["vin"]),
            delivered_at=_event_time(event_type, "delivered_at", fields["delivered_at"]),
            customer_id=str(data["customer_id"]) if data.get("customer_id") else None,
        )


def receive_at_dealer(current: Vehicle | None, arrival: ArrivedVehicle) -> tuple[list[Step], dict[str, Any] | None]:
    """A car that arrived at its dealer is in that dealer's stock, for sale.

    A car coming from the maker's pool (held for the order, or shipped from the plant)
    leaves the pool. A car already handed over to its buyer stays sold: a late arrival
    message never puts it back on sale. The receipt is announced only when the car newly
    reached the dealer, so a repeated arrival adds nothing.
    """
    described = {"model_code": arrival.model_code, "trim_code": arrival.trim_code, "colour_code": arrival.colour_code}
    if current is not None and (current.location_code == arrival.dealer_code or not current.in_stock):
        return [Step(MovementKind.RECEIPT, dataclasses.replace(current, **described))], None
    arrived = Vehicle(
        vin=arrival.vin,
        location_code=arrival.dealer_code,
        status=VehicleStatus.AVAILABLE,
        **described,
    )
    event = {
        "vin": arrival.vin,
        "dealer_code": arrival.dealer_code,
        "order_number": arrival.order_number,
        "model_code": arrival.model_code,
        "trim_code": arrival.trim_code,
        "colour_code": arrival.colour_code,
        "received_at": arrival.arrived_at.isoformat(),
    }
    return [Step(MovementKind.RECEIPT, arrived, reference=arrival.order_number)], event


def hand_over(current: Vehicle | None, delivery: DeliveredVehicle) -> list[Step]:
    """A car handed over to its buyer has left the dealer's stock for good.

    A car the stock has not seen at the dealer yet (its arrival still to be handled) is
    received there first, then sold, so the ledger shows it passing through the dealer.
    """
    if current is not None and current.status is VehicleStatus.SOLD:
        return []
    blank = current or Vehicle(delivery.vin, "", "", "", delivery.dealer_code, VehicleStatus.AVAILABLE)
    at_dealer = blank.freed(location_code=delivery.dealer_code, status=VehicleStatus.AVAILABLE)
    sold = at_dealer.freed(status=VehicleStatus.SOLD, sold_to_customer=delivery.customer_id)
    return [
        Step(MovementKind.RECEIPT, at_dealer, reference=delivery.order_number),
        Step(MovementKind.SALE, sold, reference=delivery.customer_id or delivery.order_number),
    ]


@dataclass(frozen=True)
class ShippedVehicle:
    """An ordered car that left the plant for its dealer, as announced by the order service."""

    order_number: str
    dealer_code: str
    vin: str
    model_code: str
    trim_code: str
    colour_code: str

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> ShippedVehicle:
        event_type = "order.vehicle_shipped"
        fields = _required_text(event_type, data, ("order_number", "dealer_code", "vin"))
        return cls(
            order_number=fields["order_number"],
            dealer_code=fields["dealer_code"],
            vin=_event_vin(event_type, fields["vin"]),
            # Older senders name only the car; its arrival fills in what it is.
            model_code=str(data.get("model_code") or ""),
            trim_code=str(data.get("trim_code") or ""),
            colour_code=str(data.get("colour_code") or ""),
        )


def ship_from_plant(current: Vehicle | None, shipped: ShippedVehicle) -> list[Step]:
    """A car leaving the plant for its dealer enters the channel's stock at the maker's pool,
    held for its order and in transit, until the dealer receives it.

    A car the stock already knows further on (at the dealer, sold) is left as it is.
    """
    if current is None:
        return [
            Step(
                MovementKind.RECEIPT,
                Vehicle(
                    vin=shipped.vin,
                    model_code=shipped.model_code,
                    trim_code=shipped.trim_code,
                    colour_code=shipped.colour_code,
                    location_code=MAKER_POOL,
                    status=VehicleStatus.IN_TRANSIT,
                    reserved_for_order=shipped.order_number,
                    reserved_for_dealer=shipped.dealer_code,
                ),
                reference=shipped.order_number,
            )
        ]
    if current.status is VehicleStatus.RESERVED and current.reserved_for_order == shipped.order_number:
        return [
            Step(
                MovementKind.SHIPMENT,
                dataclasses.replace(current, status=VehicleStatus.IN_TRANSIT),
                reference=shipped.order_number,
            )
        ]
    return []


@dataclass(frozen=True)
class WithdrawnOrder:
    """An order the dealer cancelled or headquarters rejected, as announced by the order service."""

    order_number: str
    dealer_code: str

    @classmethod
    def from_event(cls, event_type: str, data: dict[str, Any]) -> WithdrawnOrder:
        fields = _required_text(event_type, data, ("order_number", "dealer_code"))
        return cls(order_number=fields["order_number"], dealer_code=fields["dealer_code"])


def release_for_withdrawn_order(vehicle: Vehicle, order: WithdrawnOrder) -> list[Step]:
    """A car still held in stock for a withdrawn order goes back on sale; one that has since
    moved on (on its way, at the dealer, sold) is not the order's to give back."""
    if vehicle.status is not VehicleStatus.RESERVED or vehicle.reserved_for_order != order.order_number:
        return []
    return [Step(MovementKind.RELEASE, vehicle.freed(status=VehicleStatus.AVAILABLE), reference=order.order_number)]
