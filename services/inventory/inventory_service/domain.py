"""Channel stock: which car answers a dealer's order, in plain Python."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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
