"""Which car answers a dealer's order, without a database."""

from __future__ import annotations

from typing import Any

import pytest

from inventory_service.domain import (
    RESERVATION_UNAVAILABLE,
    VEHICLE_RESERVED,
    OrderedVehicle,
    ReservationOutcome,
    decide_reservation,
    normalise_vin,
)

ORDER_PLACED = {
    "order_number": "ORD-2026-0000042",
    "dealer_code": "D-BER-01",
    "model_code": "AURA",
    "trim_code": "SPORT",
    "colour_code": "WHT",
    "quantity_in_line": 3,
    "wanted_week": "2027-W05",
}

ORDER = OrderedVehicle(
    order_number="ORD-2026-0000042",
    dealer_code="D-BER-01",
    model_code="AURA",
    trim_code="SPORT",
    colour_code="WHT",
)


def test_ordered_vehicle_is_read_from_the_order_placed_event_ignoring_other_fields() -> None:
    assert OrderedVehicle.from_event(ORDER_PLACED) == ORDER


def test_ordered_vehicle_fields_are_read_as_text() -> None:
    ordered = OrderedVehicle.from_event({**ORDER_PLACED, "model_code": 911})

    assert ordered.model_code == "911"


def test_event_missing_fields_is_refused_listing_every_missing_field() -> None:
    data: dict[str, Any] = {**ORDER_PLACED, "colour_code": ""}
    del data["dealer_code"]
    del data["trim_code"]

    with pytest.raises(ValueError, match=r"^order\.placed is missing dealer_code, trim_code, colour_code$"):
        OrderedVehicle.from_event(data)


def test_empty_event_is_refused_listing_all_five_fields() -> None:
    with pytest.raises(ValueError) as exc:
        OrderedVehicle.from_event({})

    assert str(exc.value) == ("order.placed is missing order_number, dealer_code, model_code, trim_code, colour_code")


def test_matching_pool_car_is_reserved_for_the_order() -> None:
    decision = decide_reservation(ORDER, "WVWZZZ1JZXW000001")

    assert decision.outcome is ReservationOutcome.RESERVED
    assert decision.vin == "WVWZZZ1JZXW000001"
    assert decision.event_type == VEHICLE_RESERVED == "inventory.vehicle_reserved"
    assert decision.event_data == {
        "order_number": "ORD-2026-0000042",
        "dealer_code": "D-BER-01",
        "vin": "WVWZZZ1JZXW000001",
    }


@pytest.mark.parametrize("vin", [None, ""])
def test_without_a_matching_pool_car_the_order_is_announced_unavailable(vin: str | None) -> None:
    decision = decide_reservation(ORDER, vin)

    assert decision.outcome is ReservationOutcome.UNAVAILABLE
    assert decision.vin is None
    assert decision.event_type == RESERVATION_UNAVAILABLE == "inventory.reservation_unavailable"
    assert decision.event_data == {
        "order_number": "ORD-2026-0000042",
        "dealer_code": "D-BER-01",
        "model_code": "AURA",
        "trim_code": "SPORT",
        "colour_code": "WHT",
    }


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("wvwzzz1jzxw000001", "WVWZZZ1JZXW000001"),
        ("  WVWZZZ1JZXW000001\n", "WVWZZZ1JZXW000001"),
        ("\tWvWzzz1JzXw000001 ", "WVWZZZ1JZXW000001"),
        ("WVWZZZ1JZXW000001", "WVWZZZ1JZXW000001"),
    ],
)
def test_vin_is_trimmed_and_upper_cased(typed: str, stored: str) -> None:
    assert normalise_vin(typed) == stored


def test_a_car_ordered_with_options_is_built_to_order_not_taken_from_the_pool() -> None:
    with_options = OrderedVehicle.from_event({**ORDER_PLACED, "option_codes": ["SUNROOF", "TOWBAR"]})

    assert with_options.option_codes == ("SUNROOF", "TOWBAR")
    assert not with_options.can_come_from_pool
    assert ORDER.can_come_from_pool
