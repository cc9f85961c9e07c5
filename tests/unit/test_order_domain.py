"""The order service's catalogue rules and supply lifecycle, without a database."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from order_service.domain import (
    MAX_VEHICLES_PER_LINE,
    CatalogueModel,
    Colour,
    OrderLine,
    PlannedVehicle,
    Supply,
    Trim,
    order_number,
    parse_iso_week,
    plan_order,
    supply_after_reservation,
)
from plumbing.errors import ValidationFailed

# Wednesday of ISO week 2027-W03 (Monday 18 January to Sunday 24 January).
TODAY = dt.date(2027, 1, 20)

CATALOGUE = {
    "AURA": CatalogueModel(
        code="AURA",
        name="Aura",
        trims={
            "BASE": Trim("BASE", "Base", 3_190_000, "EUR"),
            "SPORT": Trim("SPORT", "Sport", 3_990_000, "EUR"),
        },
        colours={"WHT": Colour("WHT", "Glacier White"), "BLK": Colour("BLK", "Onyx Black")},
    ),
    "TERRA": CatalogueModel(
        code="TERRA",
        name="Terra",
        trims={"BASE": Trim("BASE", "Base", 4_500_000, "EUR")},
        colours={"GRN": Colour("GRN", "Forest Green")},
    ),
}


def line(**changes: object) -> OrderLine:
    values: dict[str, object] = {
        "model_code": "AURA",
        "trim_code": "SPORT",
        "colour_code": "WHT",
        "quantity": 1,
        "wanted_week": "",
    }
    values.update(changes)
    return OrderLine(**values)  # type: ignore[arg-type]


def refusal(order_line: OrderLine, today: dt.date = TODAY) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        plan_order(CATALOGUE, order_line, today)
    return exc.value


def fields_of(exc: ValidationFailed) -> list[str]:
    return [violation.field for violation in exc.violations]


def message_for(exc: ValidationFailed, field: str) -> str:
    messages = [violation.message for violation in exc.violations if violation.field == field]
    assert len(messages) == 1, exc.violations
    return messages[0]


def test_valid_line_plans_one_vehicle_per_car_at_the_trims_list_price() -> None:
    planned = plan_order(CATALOGUE, line(quantity=3, wanted_week="2027-W05"), TODAY)

    expected = PlannedVehicle(
        model_code="AURA",
        trim_code="SPORT",
        colour_code="WHT",
        wanted_week="2027-W05",
        list_price_minor=3_990_000,
        currency="EUR",
    )
    assert planned == [expected, expected, expected]


def test_price_comes_from_the_trim_of_the_ordered_model() -> None:
    planned = plan_order(CATALOGUE, line(model_code="TERRA", trim_code="BASE", colour_code="GRN"), TODAY)

    assert [(car.list_price_minor, car.currency) for car in planned] == [(4_500_000, "EUR")]


def test_unknown_model_is_refused_naming_model_code() -> None:
    exc = refusal(line(model_code="ZEPHYR"))

    assert fields_of(exc) == ["model_code"]
    assert "ZEPHYR" in message_for(exc, "model_code")


def test_trim_not_offered_on_the_model_names_trim_code_and_lists_the_offered_trims() -> None:
    exc = refusal(line(model_code="AURA", trim_code="OFFROAD"))

    assert fields_of(exc) == ["trim_code"]
    message = message_for(exc, "trim_code")
    assert "OFFROAD" in message
    assert "AURA" in message
    assert "offered: BASE, SPORT" in message


def test_trim_of_another_model_is_not_offered() -> None:
    exc = refusal(line(model_code="TERRA", trim_code="SPORT", colour_code="GRN"))

    assert fields_of(exc) == ["trim_code"]
    assert "offered: BASE)" in message_for(exc, "trim_code")


def test_colour_not_offered_on_the_model_names_colour_code_and_lists_the_offered_colours() -> None:
    exc = refusal(line(colour_code="GRN"))

    assert fields_of(exc) == ["colour_code"]
    message = message_for(exc, "colour_code")
    assert "GRN" in message
    assert "offered: BLK, WHT" in message


@pytest.mark.parametrize("quantity", [0, -1, MAX_VEHICLES_PER_LINE + 1])
def test_quantity_outside_one_to_fifty_is_refused(quantity: int) -> None:
    exc = refusal(line(quantity=quantity))

    assert fields_of(exc) == ["quantity"]
    assert message_for(exc, "quantity") == "must be between 1 and 50"


@pytest.mark.parametrize("quantity", [1, MAX_VEHICLES_PER_LINE])
def test_quantity_at_the_bounds_is_accepted(quantity: int) -> None:
    assert len(plan_order(CATALOGUE, line(quantity=quantity), TODAY)) == quantity


def test_every_problem_of_a_line_is_reported_at_once_each_naming_its_field() -> None:
    exc = refusal(line(trim_code="OFFROAD", colour_code="PINK", quantity=0, wanted_week="soon"))

    assert fields_of(exc) == ["trim_code", "colour_code", "quantity", "wanted_week"]
    assert "trim_code: " in str(exc)
    assert "wanted_week: " in str(exc)


def test_unknown_model_is_reported_together_with_the_other_fields() -> None:
    exc = refusal(line(model_code="ZEPHYR", quantity=51, wanted_week="2027-W02"))

    assert fields_of(exc) == ["model_code", "quantity", "wanted_week"]


def test_wanted_week_is_optional() -> None:
    planned = plan_order(CATALOGUE, line(wanted_week=""), TODAY)

    assert planned[0].wanted_week == ""


@pytest.mark.parametrize("week", ["2027-5", "2027-05", "2027W05", "2027-w05", "27-W05", "2027-W5", "2027-W005"])
def test_wanted_week_not_written_as_an_iso_week_is_refused(week: str) -> None:
    exc = refusal(line(wanted_week=week))

    assert fields_of(exc) == ["wanted_week"]
    assert message_for(exc, "wanted_week") == "must be an ISO week such as 2027-W05"


@pytest.mark.parametrize("week", ["2027-W54", "2027-W53", "2027-W00"])
def test_wanted_week_that_is_not_a_week_of_its_year_is_refused(week: str) -> None:
    exc = refusal(line(wanted_week=week))

    assert fields_of(exc) == ["wanted_week"]
    assert message_for(exc, "wanted_week") == f"{week} is not a week of 2027"


def test_iso_week_is_read_as_its_monday_with_the_calendars_week_53() -> None:
    assert parse_iso_week("2027-W05") == dt.date(2027, 2, 1)
    # 2026 has 53 ISO weeks; its last one starts in December 2026.
    assert parse_iso_week("2026-W53") == dt.date(2026, 12, 28)


def test_wanted_week_with_a_trailing_newline_is_refused() -> None:
    exc = refusal(line(wanted_week="2027-W05\n"))

    assert fields_of(exc) == ["wanted_week"]


def test_past_week_is_refused() -> None:
    exc = refusal(line(wanted_week="2027-W02"))

    assert fields_of(exc) == ["wanted_week"]
    assert message_for(exc, "wanted_week") == "2027-W02 is already past"


def test_week_of_an_earlier_year_is_refused_as_past() -> None:
    exc = refusal(line(wanted_week="2026-W52"))

    assert message_for(exc, "wanted_week") == "2026-W52 is already past"


def test_current_week_is_accepted() -> None:
    planned = plan_order(CATALOGUE, line(wanted_week="2027-W03"), TODAY)

    assert planned[0].wanted_week == "2027-W03"


def test_current_week_is_accepted_up_to_its_sunday_and_refused_on_the_next_monday() -> None:
    sunday, next_monday = dt.date(2027, 1, 24), dt.date(2027, 1, 25)

    assert len(plan_order(CATALOGUE, line(wanted_week="2027-W03"), sunday)) == 1
    assert fields_of(refusal(line(wanted_week="2027-W03"), next_monday)) == ["wanted_week"]


def test_order_number_is_the_year_and_a_seven_digit_sequence() -> None:
    assert order_number(2026, 42) == "ORD-2026-0000042"
    assert order_number(2027, 1) == "ORD-2027-0000001"
    assert order_number(2027, 9_999_999) == "ORD-2027-9999999"


def test_order_numbers_of_one_year_sort_in_sequence_order() -> None:
    numbers = [order_number(2026, sequence) for sequence in (9, 10, 100, 1_000_000)]

    assert sorted(numbers) == numbers
    assert all(re.fullmatch(r"ORD-2026-\d{7}", number) for number in numbers)


def test_pending_car_with_a_reserved_vin_comes_from_stock() -> None:
    assert supply_after_reservation(Supply.PENDING, "WVWZZZ1JZXW000001") is Supply.RESERVED_FROM_STOCK


@pytest.mark.parametrize("vin", [None, ""])
def test_pending_car_without_a_vin_is_to_be_built(vin: str | None) -> None:
    assert supply_after_reservation(Supply.PENDING, vin) is Supply.TO_BE_BUILT


@pytest.mark.parametrize("settled", [Supply.RESERVED_FROM_STOCK, Supply.TO_BE_BUILT])
@pytest.mark.parametrize("vin", [None, "WVWZZZ1JZXW000002"])
def test_a_later_answer_changes_nothing_once_supply_is_settled(settled: Supply, vin: str | None) -> None:
    assert supply_after_reservation(settled, vin) is settled
