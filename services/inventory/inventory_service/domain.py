"""Channel stock: which car answers a dealer's order, and what an arrival, a delivery or a
withdrawn order does to the stock, in plain Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from plumbing.vin import vin_problem

MAKER_POOL = "POOL"

VEHICLE_RESERVED = "inventory.vehicle_reserved"
RESERVATION_UNAVAILABLE = "inventory.reservation_unavailable"


class VehicleStatus(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    SOLD = "sold"


class ReservationOutcome(StrEnum):
    RESERVED = "reserved"
    UNAVAILABLE = "unavailable"


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

    @classmethod
    def from_event(cls, data: dict[str, Any]) -> DeliveredVehicle:
        event_type = "order.vehicle_delivered"
        fields = _required_text(event_type, data, ("order_number", "dealer_code", "vin", "delivered_at"))
        return cls(
            order_number=fields["order_number"],
            dealer_code=fields["dealer_code"],
            vin=_event_vin(event_type, fields["vin"]),
            delivered_at=_event_time(event_type, "delivered_at", fields["delivered_at"]),
        )


@dataclass(frozen=True)
class StockPlace:
    """Where a car of the stock is and what it is free for."""

    location_code: str
    status: VehicleStatus


@dataclass(frozen=True)
class Receipt:
    place: StockPlace
    event_type: str | None
    event_data: dict[str, Any]


def receive_at_dealer(current: StockPlace | None, arrival: ArrivedVehicle) -> Receipt:
    """A car that arrived at its dealer is in that dealer's stock, for sale.

    A car held for the order in the maker's pool moves to the dealer like a car built for it.
    A car already handed over to its buyer stays sold: a late arrival message never puts it
    back on sale. The receipt is announced only when the car newly reached the dealer, so a
    repeated arrival adds nothing.
    """
    status = VehicleStatus.SOLD if current is not None and current.status is VehicleStatus.SOLD else None
    place = StockPlace(location_code=arrival.dealer_code, status=status or VehicleStatus.AVAILABLE)
    if current is not None and current.location_code == arrival.dealer_code:
        return Receipt(place=place, event_type=None, event_data={})
    return Receipt(
        place=place,
        event_type=VEHICLE_RECEIVED,
        event_data={
            "vin": arrival.vin,
            "dealer_code": arrival.dealer_code,
            "order_number": arrival.order_number,
            "model_code": arrival.model_code,
            "trim_code": arrival.trim_code,
            "colour_code": arrival.colour_code,
            "received_at": arrival.arrived_at.isoformat(),
        },
    )


def hand_over(delivery: DeliveredVehicle) -> StockPlace:
    """A car handed over to its buyer has left the dealer's stock for good."""
    return StockPlace(location_code=delivery.dealer_code, status=VehicleStatus.SOLD)


@dataclass(frozen=True)
class WithdrawnOrder:
    """An order the dealer cancelled or headquarters rejected, as announced by the order service."""

    order_number: str
    dealer_code: str

    @classmethod
    def from_event(cls, event_type: str, data: dict[str, Any]) -> WithdrawnOrder:
        fields = _required_text(event_type, data, ("order_number", "dealer_code"))
        return cls(order_number=fields["order_number"], dealer_code=fields["dealer_code"])


def releases(order: WithdrawnOrder, status: VehicleStatus, reserved_for_order: str | None) -> bool:
    """A car still held for a withdrawn order goes back on sale; one that has since moved on
    (sold, or at the dealer) is not the order's to give back."""
    return status is VehicleStatus.RESERVED and reserved_for_order == order.order_number
